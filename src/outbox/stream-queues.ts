// Entries waiting to be sent, one FIFO per stream, served round-robin across streams. Batches are cut per stream: the
// records of one stream that accumulated while its previous batch was in flight leave together, in seq order.
import type { Entry, StreamState } from './entry.js';
import { entrySize } from './entry.js';

class Fifo {
  items: Entry[] = [];
  head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(e: Entry): void {
    this.items.push(e);
  }

  peek(): Entry | undefined {
    return this.items[this.head];
  }

  shift(): Entry | undefined {
    const e = this.items[this.head];
    if (e === undefined) return undefined;
    this.items[this.head++] = undefined as unknown as Entry;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  unshiftAll(entries: Entry[]): void {
    this.items = [...entries, ...this.items.slice(this.head)];
    this.head = 0;
  }

  remaining(): Entry[] {
    return this.items.slice(this.head);
  }
}

export class StreamQueues {
  private readonly fifos = new Map<StreamState, Fifo>();
  /** Streams with entries, in round-robin order. */
  private order: StreamState[] = [];
  count = 0;
  bytes = 0;

  push(e: Entry): void {
    let f = this.fifos.get(e.stream);
    if (!f) this.fifos.set(e.stream, (f = new Fifo()));
    if (f.length === 0) this.order.push(e.stream);
    f.push(e);
    this.count++;
    this.bytes += entrySize(e);
  }

  /** Puts entries back at the front of their streams (after a broken connection), keeping their order. */
  requeueFront(entries: Entry[]): void {
    const byStream = new Map<StreamState, Entry[]>();
    for (const e of entries) {
      let list = byStream.get(e.stream);
      if (!list) byStream.set(e.stream, (list = []));
      list.push(e);
    }
    for (const [stream, list] of byStream) {
      let f = this.fifos.get(stream);
      if (!f) this.fifos.set(stream, (f = new Fifo()));
      if (f.length === 0) this.order.push(stream);
      list.sort((a, b) => a.seq - b.seq);
      f.unshiftAll(list);
      this.count += list.length;
      for (const e of list) this.bytes += entrySize(e);
    }
  }

  /**
   * Up to maxRecords consecutive entries of the first eligible stream (at least one entry, even if larger than
   * maxBytes), or undefined. The stream goes to the back of the round-robin.
   */
  take(maxRecords: number, maxBytes: number, eligible: (s: StreamState) => boolean): Entry[] | undefined {
    for (let i = 0; i < this.order.length; i++) {
      const stream = this.order[i]!;
      if (!eligible(stream)) continue;
      const f = this.fifos.get(stream)!;
      const out: Entry[] = [];
      let bytes = 0;
      for (;;) {
        const e = f.peek();
        if (!e || out.length >= maxRecords) break;
        const size = entrySize(e);
        if (out.length > 0 && bytes + size > maxBytes) break;
        f.shift();
        out.push(e);
        bytes += size;
      }
      this.count -= out.length;
      this.bytes -= bytes;
      this.order.splice(i, 1);
      if (f.length > 0) this.order.push(stream);
      else this.fifos.delete(stream);
      return out;
    }
    return undefined;
  }

  /** Removes and returns the entries for which `pick` holds. */
  removeWhere(pick: (e: Entry) => boolean): Entry[] {
    const removed: Entry[] = [];
    for (const [stream, f] of this.fifos) {
      const keep: Entry[] = [];
      for (const e of f.remaining()) (pick(e) ? removed : keep).push(e);
      if (keep.length === f.length) continue;
      f.items = keep;
      f.head = 0;
      if (keep.length === 0) {
        this.fifos.delete(stream);
        this.order = this.order.filter((s) => s !== stream);
      }
    }
    this.count -= removed.length;
    for (const e of removed) this.bytes -= entrySize(e);
    return removed;
  }

  /** Removes these entries, which are near the front of their streams (the oldest of each). */
  removeEntries(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const byStream = new Map<StreamState, Set<Entry>>();
    for (const e of entries) {
      let set = byStream.get(e.stream);
      if (!set) byStream.set(e.stream, (set = new Set()));
      set.add(e);
    }
    for (const [stream, set] of byStream) {
      const f = this.fifos.get(stream);
      if (!f) continue;
      let found = 0;
      let i = f.head;
      const kept: Entry[] = [];
      for (; i < f.items.length && found < set.size; i++) {
        const e = f.items[i]!;
        if (set.has(e)) {
          found++;
          this.count--;
          this.bytes -= entrySize(e);
        } else kept.push(e);
      }
      f.items = [...kept, ...f.items.slice(i)];
      f.head = 0;
      if (f.length === 0) {
        this.fifos.delete(stream);
        this.order = this.order.filter((s) => s !== stream);
      }
    }
  }

  clear(): Entry[] {
    return this.removeWhere(() => true);
  }
}
