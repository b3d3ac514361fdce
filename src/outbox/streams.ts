// The streams the outbox knows: each a seq space ("{device}/{kind}", "gateway/loss", a service's own), bound to one
// priority class and one topic for life.
import { className, type ClassIndex, type PriorityClass } from './classes.js';
import type { StoredStream } from './codec.js';
import type { StreamState } from './entry.js';

export interface StreamInfo {
  stream: string;
  class: PriorityClass;
  topic: string;
  /** The last seq handed out ("0" when none yet). */
  lastSeq: string;
}

export class Streams {
  private readonly byName = new Map<string, StreamState>();
  private byIndex: StreamState[] = [];

  load(stored: readonly StoredStream[]): void {
    for (const s of stored) this.add(s.name, s.cls, s.topic, s.index, s.next, s.reservedEnd);
  }

  get(name: string): StreamState | undefined {
    return this.byName.get(name);
  }

  at(index: number): StreamState | undefined {
    return this.byIndex[index];
  }

  all(): IterableIterator<StreamState> {
    return this.byName.values();
  }

  /** The stream of that name, created (seq 1, not yet stored) if new; its class and topic never change. */
  ensure(name: string, cls: ClassIndex, topic: string): StreamState {
    const s = this.byName.get(name);
    if (s) {
      if (s.cls !== cls || s.topic !== topic) {
        throw new Error(`stream ${name} belongs to class ${className(s.cls)} on ${s.topic}, not ${className(cls)} on ${topic}`);
      }
      return s;
    }
    return this.add(name, cls, topic, this.byIndex.length, 1, 1);
  }

  list(): StreamInfo[] {
    return [...this.byName.values()].map((s) => ({ stream: s.name, class: className(s.cls), topic: s.topic, lastSeq: String(s.next - 1) }));
  }

  private add(name: string, cls: ClassIndex, topic: string, index: number, next: number, reservedEnd: number): StreamState {
    const s: StreamState = { name, cls, topic, index, next, storedNext: next, reservedEnd, liveInflight: 0 };
    this.byName.set(name, s);
    this.byIndex[index] = s;
    return s;
  }
}
