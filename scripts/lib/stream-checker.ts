// What the hospital side checks after a run: per stream, every seq from 1 to the last one is present exactly once
// after deduplication by (vehicle, stream, seq), or is accounted for by a `loss` record. A seq that arrives twice with
// different content would mean a seq was reused: dedupe would then hide a record, which is the one thing that must
// never happen.
import { createHash } from 'node:crypto';
import type { Envelope } from '../../src/outbox/envelope.js';

interface StreamSeen {
  /** seq → digest of the item (without its delivery flags). */
  items: Map<number, string>;
  maxSeq: number;
  /** Seq ranges announced as lost: [first, last]. */
  lost: Array<[number, number]>;
}

export interface CheckReport {
  streams: number;
  /** Distinct (stream, seq) received. */
  records: number;
  /** Seqs neither received nor announced as lost. */
  missing: number;
  /** Copies received beyond the first (at-least-once resends): harmless, removed by deduplication. */
  duplicates: number;
  /** (stream, seq) received with different content: deduplication would hide a record. */
  duplicates_after_dedupe: number;
  /** Seqs announced by loss records (and not received). */
  loss_accounted: number;
  /** A few missing seqs, for the report. */
  missingSample: string[];
}

function digest(item: Record<string, unknown>): string {
  const { historical: _h, ...rest } = item;
  return createHash('sha1').update(JSON.stringify(rest)).digest('base64').slice(0, 12);
}

export class StreamChecker {
  private readonly streams = new Map<string, StreamSeen>();
  duplicates = 0;
  conflicts = 0;
  messages = 0;
  historicalItems = 0;

  private stream(name: string): StreamSeen {
    let s = this.streams.get(name);
    if (!s) this.streams.set(name, (s = { items: new Map(), maxSeq: 0, lost: [] }));
    return s;
  }

  add(envelope: Envelope): void {
    this.messages++;
    const s = this.stream(envelope.stream);
    for (const item of envelope.items) {
      const seq = Number(item.seq);
      const d = digest(item);
      const before = s.items.get(seq);
      if (before === undefined) s.items.set(seq, d);
      else if (before === d) this.duplicates++;
      else this.conflicts++;
      if (seq > s.maxSeq) s.maxSeq = seq;
      if (item.historical) this.historicalItems++;
      if (item.kind === 'loss') {
        const loss = item as unknown as { stream: string; firstSeq: string; lastSeq: string };
        this.stream(loss.stream).lost.push([Number(loss.firstSeq), Number(loss.lastSeq)]);
      }
    }
  }

  received(stream: string): number {
    return this.streams.get(stream)?.items.size ?? 0;
  }

  maxSeq(stream: string): number {
    return this.streams.get(stream)?.maxSeq ?? 0;
  }

  streamNames(): string[] {
    return [...this.streams.keys()];
  }

  /** Every [stream, seq] neither received nor announced as lost, up to `expected` (as in report()). */
  missingSeqs(expected?: Map<string, number>): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    const names = new Set([...this.streams.keys(), ...(expected?.keys() ?? [])]);
    for (const name of names) {
      const s = this.stream(name);
      const last = Math.max(expected?.get(name) ?? 0, s.maxSeq);
      for (let seq = 1; seq <= last; seq++) {
        if (!s.items.has(seq) && !s.lost.some(([a, b]) => seq >= a && seq <= b)) out.push([name, seq]);
      }
    }
    return out;
  }

  /** `expected`: stream → last seq the gateway handed out (from `ambulink outbox --json`); default: the highest seen. */
  report(expected?: Map<string, number>): CheckReport {
    let records = 0;
    let missing = 0;
    let accounted = 0;
    const sample: string[] = [];
    const names = new Set([...this.streams.keys(), ...(expected?.keys() ?? [])]);
    for (const name of names) {
      const s = this.stream(name);
      records += s.items.size;
      const last = Math.max(expected?.get(name) ?? 0, s.maxSeq);
      const isLost = (seq: number) => s.lost.some(([a, b]) => seq >= a && seq <= b);
      for (let seq = 1; seq <= last; seq++) {
        if (s.items.has(seq)) continue;
        if (isLost(seq)) accounted++;
        else {
          missing++;
          if (sample.length < 20) sample.push(`${name}#${seq}`);
        }
      }
    }
    return {
      streams: names.size,
      records,
      missing,
      duplicates: this.duplicates,
      duplicates_after_dedupe: this.conflicts,
      loss_accounted: accounted,
      missingSample: sample,
    };
  }
}
