// When storage cannot be written (disk full, read-only, I/O errors): records go to a bounded memory ring instead and
// are still sent, once their seqs are marked in the pre-allocated seq-mark file (so that a restart never hands the
// same seqs out again). When the ring is full the lowest class's oldest records are dropped and announced ("overflow").
// Every few seconds the store is reopened (LevelDB refuses writes after a failed one until reopened); when that works,
// the ring goes to disk and the outbox carries on.
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { LossRecord } from '../schema/index.js';
import { CLASS_COUNT } from './classes.js';
import { counterKey, encodeCounter, encodeStream, recordKey, streamKey, VALUE_HEADER } from './codec.js';
import { EntryState, entrySize, entrySizeOf, sequence, type Entry, type StreamState } from './entry.js';
import { SEQ_RESERVATION, type Journal } from './journal.js';
import { lossRanges, type LossRange } from './loss.js';
import { MemoryRing } from './memory-ring.js';
import type { Sender } from './sender.js';
import type { SeqMark } from './seq-mark.js';
import type { BatchOp, Store } from './store.js';
import type { Streams } from './streams.js';

export const LOSS_STREAM = 'gateway/loss';

export interface FallbackContext {
  store: Store;
  journal: Journal;
  sender: Sender;
  streams: Streams;
  seqMark: SeqMark;
  log: Logger;
  clock: Clock;
  /** The entry of a loss record, and the record, announcing `range`. */
  lossEntry: (range: LossRange, reason: LossRecord['reason']) => { entry: Entry; record: LossRecord };
  onLoss: (record: LossRecord) => void;
  /** A record held in memory is about to be sent (its seq is marked): local consumers may see it now. */
  shown: (e: Entry) => void;
}

export class Fallback {
  readonly ring: MemoryRing;
  /** Overflow loss records in the ring not yet sent, per stream: a further overflow extends them. */
  private readonly ringLoss = new Map<StreamState, { entry: Entry; record: LossRecord }>();
  lossRecords = 0;

  constructor(
    private readonly ctx: FallbackContext,
    capacityBytes: number,
  ) {
    this.ring = new MemoryRing(capacityBytes);
  }

  /** Records that could not be written: into the ring, and sent once their seqs are marked. */
  admit(entries: Entry[]): void {
    const { journal, sender } = this.ctx;
    for (const e of entries) {
      // Sequenced as it enters the ring (unless a failed write already did): the seq is marked below before the
      // record is sent or shown, so a restart announces it if it is lost.
      if (e.seq === 0) sequence(e);
      e.id = journal.nextId();
      e.key = recordKey(e.cls, e.id);
      e.state = EntryState.Queued;
      this.ring.add(e);
      sender.pending.set(e.id, e);
      e.settle?.(false);
      e.settle = undefined;
    }
    const dropped = this.ring.overflow((e) => e.stream.name === LOSS_STREAM);
    const announced = dropped.length > 0 ? this.overflow(dropped) : [];
    if (entries.length === 0 && dropped.length === 0) return;
    const marks: Record<string, number> = {};
    for (const s of this.ctx.streams.all()) if (s.next > s.storedNext) marks[s.name] = s.next;
    if (this.ctx.seqMark.write(marks)) {
      for (const e of entries) {
        if (e.state !== EntryState.Queued || !sender.pending.has(e.id)) continue;
        this.ctx.shown(e);
        sender.offerMemoryOnly(e);
      }
      for (const e of announced) this.ctx.shown(e);
      sender.notifyReady();
    } else if (entries.length > 0) {
      this.ctx.log.warn({ held: this.ring.count }, 'outbox: seqs cannot be marked either; records in memory wait for storage before they are sent');
    }
  }

  /** A record held only in memory was acknowledged. */
  acked(e: Entry): void {
    this.ring.remove(e);
  }

  /** Drops and announces; returns the new loss entries (shown locally once their seqs are marked). */
  private overflow(dropped: Entry[]): Entry[] {
    const { sender } = this.ctx;
    const announced: Entry[] = [];
    for (const e of dropped) {
      sender.pending.delete(e.id);
      e.state = EntryState.Dropping;
    }
    sender.forgetMemoryOnly(dropped);
    for (const r of lossRanges(dropped)) {
      const existing = this.ringLoss.get(r.stream);
      if (existing && existing.entry.state === EntryState.Queued && Number(existing.record.lastSeq) + 1 === r.first) {
        // Extend the announcement not yet sent instead of adding another.
        const record: LossRecord = { ...existing.record, lastSeq: String(r.last), count: existing.record.count + r.count, lastAt: new Date(r.lastAt).toISOString() };
        const before = entrySize(existing.entry);
        existing.entry.value = existing.entry.value.slice(0, VALUE_HEADER) + JSON.stringify(record);
        existing.entry.size = entrySizeOf(existing.entry.value);
        this.ring.resized(before, existing.entry.size);
        existing.record = record;
        continue;
      }
      const { entry, record } = this.ctx.lossEntry(r, 'overflow');
      entry.settle = undefined;
      sequence(entry);
      record.seq = String(entry.seq);
      this.ctx.onLoss(record);
      this.lossRecords++;
      entry.id = this.ctx.journal.nextId();
      entry.key = recordKey(entry.cls, entry.id);
      entry.state = EntryState.Queued;
      this.ring.add(entry);
      sender.pending.set(entry.id, entry);
      sender.offerMemoryOnly(entry);
      this.ringLoss.set(r.stream, { entry, record });
      announced.push(entry);
    }
    return announced;
  }

  /**
   * Storage may be writable again: reopen it, move the ring to disk, reconcile counters and seqs with what the disk
   * says. Throws when storage is still unusable.
   */
  async recover(): Promise<number> {
    const { store, journal, sender, streams } = this.ctx;
    await store.close();
    const state = await store.open();
    journal.reload(state);
    for (const s of state.streams) {
      const mine = streams.get(s.name);
      if (mine) mine.storedNext = s.next;
    }
    // Deletions that failed may in fact have reached the disk: only keep those whose records are still there.
    const dels = journal.deletions;
    const present = dels.length ? await store.hasMany(dels.map((e) => e.key)) : [];
    for (const gone of journal.filterDeletes((_e, i) => present[i] === true)) sender.pending.delete(gone.id);
    const held = this.ring.all().filter((e) => e.state !== EntryState.Acked);
    const there = held.length ? await store.hasMany(held.map((e) => e.key)) : [];
    const ops: BatchOp[] = [];
    const touched = new Map<StreamState, number>();
    held.forEach((e, i) => {
      touched.set(e.stream, Math.max(touched.get(e.stream) ?? 0, e.seq + 1));
      if (there[i]) return;
      ops.push({ type: 'put', key: e.key, value: e.value });
      journal.stored[e.cls]!.count++;
      journal.stored[e.cls]!.bytes += entrySize(e);
    });
    for (const [s, next] of touched) {
      s.storedNext = Math.max(s.storedNext, next);
      s.reservedEnd = Math.max(s.reservedEnd, s.storedNext + SEQ_RESERVATION);
      ops.push({ type: 'put', key: streamKey(s.name), value: encodeStream({ name: s.name, cls: s.cls, index: s.index, next: s.storedNext, reservedEnd: s.reservedEnd, topic: s.topic }) });
    }
    for (let c = 0; c < CLASS_COUNT; c++) ops.push({ type: 'put', key: counterKey(c), value: encodeCounter(journal.stored[c]!.count, journal.stored[c]!.bytes) });
    await journal.writeNow(ops);
    for (const e of held) {
      e.durable = true;
      // Queued ones are read back from disk in order with the rest; those in flight are deleted on their PUBACK.
      if (e.state === EntryState.Queued) sender.pending.delete(e.id);
    }
    this.ring.clear();
    this.ringLoss.clear();
    this.ctx.seqMark.clear();
    return held.length;
  }
}
