// Loss accounting: whatever the outbox drops becomes `loss` records, one per contiguous seq range of a stream, stored
// in the same write as the deletion so that a crash can never drop records without their announcement.
import type { LossRecord } from '../schema/index.js';
import { SCHEMA_VERSION } from '../schema/index.js';
import type { StreamState } from './entry.js';

export interface Dropped {
  stream: StreamState;
  seq: number;
  at: number;
}

export interface LossRange {
  stream: StreamState;
  first: number;
  last: number;
  count: number;
  firstAt: number;
  lastAt: number;
}

export function lossRanges(dropped: readonly Dropped[]): LossRange[] {
  const sorted = [...dropped].sort((a, b) => (a.stream.index - b.stream.index) || a.seq - b.seq);
  const out: LossRange[] = [];
  let cur: LossRange | undefined;
  for (const d of sorted) {
    if (cur && cur.stream === d.stream && d.seq === cur.last + 1) {
      cur.last = d.seq;
      cur.count++;
      cur.firstAt = Math.min(cur.firstAt, d.at);
      cur.lastAt = Math.max(cur.lastAt, d.at);
    } else {
      cur = { stream: d.stream, first: d.seq, last: d.seq, count: 1, firstAt: d.at, lastAt: d.at };
      out.push(cur);
    }
  }
  return out;
}

export function lossRecord(
  vehicle: string,
  range: { streamName: string; className: string; first: number; last: number; count: number; firstAt?: number; lastAt?: number },
  reason: LossRecord['reason'],
  wallMs: number,
  monoMs: number,
): LossRecord {
  const now = new Date(wallMs).toISOString();
  const record: LossRecord = {
    kind: 'loss',
    schema: SCHEMA_VERSION,
    vehicle,
    device: 'gateway',
    driver: 'outbox',
    observedAt: now,
    receivedAt: now,
    mono: monoMs,
    stream: range.streamName,
    firstSeq: String(range.first),
    lastSeq: String(range.last),
    count: range.count,
    reason,
    class: range.className,
  };
  if (range.firstAt !== undefined) record.firstAt = new Date(range.firstAt).toISOString();
  if (range.lastAt !== undefined) record.lastAt = new Date(range.lastAt).toISOString();
  return record;
}
