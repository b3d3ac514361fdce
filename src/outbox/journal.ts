// The outbox's writer: every change to the store goes through here, one LevelDB batch at a time. Records that arrive
// while a batch is being written go into the next one (group commit: no fixed delay when idle, batches under load).
// Each batch carries, atomically, its records, the deletions of acknowledged ones, the drops of eviction or expiry with
// their loss records, the streams' next seqs and the per-class counters, so that the store never needs a scan to know
// what it holds. Alarm-class writes are synced at once; others at least every syncIntervalMs (the power-loss window).
import type { Clock } from '../core/clock.js';
import { CLASS_COUNT, classIndex } from './classes.js';
import { counterKey, encodeCounter, encodeNumbers, encodeStream, recordKey, streamKey } from './codec.js';
import { entrySize, sequence, type Entry, type StreamState } from './entry.js';
import { META_LAST_ID, META_LOW_MARKS, type BatchOp, type Store, type StoredState } from './store.js';

const ALARM = classIndex('alarm');
const LAB = classIndex('lab');
/** Most records (or deletions) in one write. */
const MAX_BATCH = 2000;
const LOW_MARKS_EVERY_MS = 10_000;
/**
 * Seqs reserved ahead, per stream, in a synced write: every seq the outbox sends is below a reservation that is on
 * disk for certain. After a power cut (which can take the last unsynced writes, and with them the seqs they stored),
 * the outbox resumes each stream at its reservation, so a seq that may already have reached the hospital is never
 * given to another record.
 */
export const SEQ_RESERVATION = 10_000;

/** Records chosen for eviction or expiry, with the loss records that announce them: written together or not at all. */
export interface DropPlan {
  drops: Entry[];
  losses: Entry[];
  reason: 'evicted' | 'expired';
  done: (ok: boolean) => void;
}

export interface Batch {
  /** New records (and loss records), now on disk. */
  written: Entry[];
  /** Acknowledged or dropped records, now deleted. */
  deleted: Entry[];
  plans: DropPlan[];
  /** How many of `written` came from the intake (the rest are loss records of plans). */
  intake: number;
}

export interface JournalHooks {
  /** Whether writing is possible now: false while storage is unwritable (or not open). */
  writable(): boolean;
  /** A batch is on disk. */
  committed(batch: Batch): void;
  /** A batch could not be written: the caller takes over its records (memory ring) and the deletions wait. */
  failed(err: Error, puts: Entry[], dels: Entry[], plans: DropPlan[]): void;
  /** Storage unwritable: what would be written goes to the memory ring instead. */
  divert(puts: Entry[]): void;
  /** Per class, no record below this id is stored (kept on disk to skip deleted ranges at start-up). */
  lowMarks(): number[];
}

export class Journal {
  private putQueue: Entry[] = [];
  private delQueue: Entry[] = [];
  private plans: DropPlan[] = [];
  /** Streams whose next seq must be stored with the next write even without a record of theirs in it. */
  private streamsToStore = new Map<StreamState, number>();
  /** Next record id; ids order one class's records on disk. */
  private nextIdValue = 1;
  /** Every id below this has been through a write (or the memory ring). */
  durableEnd = 1;
  /** Records and bytes on disk, per class: kept in step with every batch and stored with it. */
  readonly stored = Array.from({ length: CLASS_COUNT }, () => ({ count: 0, bytes: 0 }));
  private writing = false;
  private scheduled = false;
  private idle: Promise<void> = Promise.resolve();
  private syncDue = false;
  private lastSyncAt = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private lowMarksAt = 0;
  private afterNextCommit: Array<() => void> = [];
  /** Puts queued and puts gone (written, diverted to memory, or handed over after a failed write), since start. */
  private putsIn = 0;
  private putsOut = 0;
  private putWaiters: Array<{ upTo: number; resolve: () => void }> = [];
  commits = 0;

  constructor(
    private readonly store: Store,
    private readonly syncIntervalMs: number,
    private readonly clock: Clock,
    private readonly hooks: JournalHooks,
  ) {}

  load(state: StoredState): void {
    this.nextIdValue = state.lastId + 1;
    this.durableEnd = this.nextIdValue;
    state.counters.forEach((c, i) => (this.stored[i] = { ...c }));
  }

  /** A new record, to be written. */
  put(e: Entry): void {
    this.putQueue.push(e);
    this.putsIn++;
    this.schedule();
  }

  /** Resolves once every put queued so far has been written (or diverted to the memory ring). */
  putsWritten(): Promise<void> {
    if (this.putsOut >= this.putsIn) return Promise.resolve();
    return new Promise((resolve) => this.putWaiters.push({ upTo: this.putsIn, resolve }));
  }

  private putsGone(n: number): void {
    this.putsOut += n;
    while (this.putWaiters.length > 0 && this.putWaiters[0]!.upTo <= this.putsOut) this.putWaiters.shift()!.resolve();
  }

  /** An acknowledged record, to be deleted. */
  delete(e: Entry): void {
    this.delQueue.push(e);
    this.schedule();
  }

  /** Eviction or expiry: resolves true once the drops and their loss records are on disk, false if not written. */
  submit(plan: Omit<DropPlan, 'done'>): Promise<boolean> {
    return new Promise((done) => {
      this.plans.push({ ...plan, done });
      this.schedule();
    });
  }

  /** Store this stream's next seq with the next write (after skipping seqs at start-up). */
  storeNext(stream: StreamState, next: number): void {
    this.streamsToStore.set(stream, Math.max(next, this.streamsToStore.get(stream) ?? 0));
  }

  /** Runs once the next batch is on disk. */
  onNextCommit(fn: () => void): void {
    this.afterNextCommit.push(fn);
  }

  /** Ids for records that skip the store (memory ring), in the same order. */
  nextId(): number {
    return this.nextIdValue++;
  }

  /** Takes the records waiting to be written (storage unwritable: they go to the memory ring). */
  takePuts(): Entry[] {
    const puts = this.putQueue;
    this.putQueue = [];
    this.syncDue = false;
    this.putsGone(puts.length);
    return puts;
  }

  /** Keeps only the deletions `keep` accepts (after recovery, those whose records are still on disk). */
  filterDeletes(keep: (e: Entry, i: number) => boolean): Entry[] {
    const dropped: Entry[] = [];
    this.delQueue = this.delQueue.filter((e, i) => keep(e, i) || (dropped.push(e), false));
    return dropped;
  }

  get deletions(): readonly Entry[] {
    return this.delQueue;
  }

  get queuedPuts(): number {
    return this.putQueue.length;
  }

  get pendingDeletes(): number {
    return this.delQueue.length;
  }

  get lastSync(): number {
    return this.lastSyncAt;
  }

  /** Adopts ids, counters and seqs after storage was reopened (the disk is the truth). */
  reload(state: StoredState): void {
    this.nextIdValue = Math.max(this.nextIdValue, state.lastId + 1);
    state.counters.forEach((c, i) => (this.stored[i] = { ...c }));
  }

  /** Resolves when everything queued so far has been written (or diverted while storage is unwritable). */
  async flush(final = false): Promise<void> {
    if (final) {
      this.syncDue = true;
      this.lowMarksAt = 0;
    }
    for (;;) {
      await this.idle;
      if (!this.writing && !this.scheduled) {
        if (!this.hooks.writable()) {
          if (this.putQueue.length > 0) this.hooks.divert(this.takePuts());
          return;
        }
        if (!this.hasWork()) return;
        this.schedule();
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Writes a batch of its own with `ops` (recovery), synced. */
  async writeNow(ops: BatchOp[]): Promise<void> {
    while (this.writing) await this.idle;
    ops.push({ type: 'put', key: META_LAST_ID, value: encodeNumbers([this.nextIdValue - 1]) });
    await this.store.write(ops, true);
    this.lastSyncAt = this.clock.wallMs();
    this.durableEnd = this.nextIdValue;
  }

  stop(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
  }

  get busy(): boolean {
    return this.writing;
  }

  private hasWork(): boolean {
    return this.putQueue.length > 0 || this.delQueue.length > 0 || this.plans.length > 0 || this.syncDue;
  }

  schedule(): void {
    if (this.scheduled || this.writing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.idle = this.loop();
    });
  }

  private async loop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.hasWork()) {
        if (!this.hooks.writable()) {
          if (this.putQueue.length > 0) this.hooks.divert(this.takePuts());
          break;
        }
        await this.commitOnce();
      }
    } finally {
      this.writing = false;
    }
    if (this.hooks.writable() && this.hasWork()) this.schedule();
  }

  private async commitOnce(): Promise<void> {
    const now = this.clock.wallMs();
    const puts = this.putQueue.length <= MAX_BATCH ? this.putQueue : this.putQueue.slice(0, MAX_BATCH);
    this.putQueue = puts === this.putQueue ? [] : this.putQueue.slice(MAX_BATCH);
    const dels = this.delQueue.length <= MAX_BATCH ? this.delQueue : this.delQueue.slice(0, MAX_BATCH);
    this.delQueue = dels === this.delQueue ? [] : this.delQueue.slice(MAX_BATCH);
    const plans = this.plans;
    this.plans = [];
    const written = plans.length === 0 ? puts : [...puts, ...plans.flatMap((p) => p.losses)];
    const deleted = plans.length === 0 ? dels : [...dels, ...plans.flatMap((p) => p.drops)];

    const ops: BatchOp[] = [];
    const dCount = new Array<number>(CLASS_COUNT).fill(0);
    const dBytes = new Array<number>(CLASS_COUNT).fill(0);
    const streamNext = new Map<StreamState, number>(this.streamsToStore);
    const storedStreams = this.streamsToStore;
    this.streamsToStore = new Map();
    let sync = this.syncIntervalMs === 0 || this.syncDue || now - this.lastSyncAt >= this.syncIntervalMs;
    const firstId = this.nextIdValue;
    for (const e of written) {
      // Sequenced here, in the batch that stores the record and its stream's next seq (a failed write keeps them:
      // the records then go to the memory ring with these seqs, marked before they are sent).
      if (e.seq === 0) sequence(e);
      e.id = this.nextIdValue++;
      e.key = recordKey(e.cls, e.id);
      ops.push({ type: 'put', key: e.key, value: e.value });
      dCount[e.cls]!++;
      dBytes[e.cls]! += entrySize(e);
      streamNext.set(e.stream, Math.max(e.seq + 1, streamNext.get(e.stream) ?? 0));
      // Alarms, events, loss, audit and lab results are synced before anything depends on them (an analyser is
      // acknowledged after this write, and will not send the result again).
      if (e.cls === ALARM || e.cls === LAB) sync = true;
    }
    for (const e of deleted) {
      ops.push({ type: 'del', key: e.key });
      dCount[e.cls]!--;
      dBytes[e.cls]! -= entrySize(e);
    }
    const reservations = new Map<StreamState, number>();
    for (const [s, next] of streamNext) {
      let reservedEnd = s.reservedEnd;
      if (reservedEnd - next < SEQ_RESERVATION / 2) {
        // A batch holds fewer records than half a reservation, so these seqs are still below the synced one.
        reservedEnd = next + SEQ_RESERVATION;
        sync = true;
      }
      reservations.set(s, reservedEnd);
      ops.push({ type: 'put', key: streamKey(s.name), value: encodeStream({ name: s.name, cls: s.cls, index: s.index, next, reservedEnd, topic: s.topic }) });
    }
    for (let c = 0; c < CLASS_COUNT; c++) {
      if (dCount[c] !== 0 || dBytes[c] !== 0) {
        ops.push({ type: 'put', key: counterKey(c), value: encodeCounter(this.stored[c]!.count + dCount[c]!, this.stored[c]!.bytes + dBytes[c]!) });
      }
    }
    ops.push({ type: 'put', key: META_LAST_ID, value: encodeNumbers([this.nextIdValue - 1]) });
    if (now - this.lowMarksAt >= LOW_MARKS_EVERY_MS) {
      this.lowMarksAt = now;
      ops.push({ type: 'put', key: META_LOW_MARKS, value: encodeNumbers(this.hooks.lowMarks()) });
    }

    try {
      await this.store.write(ops, sync);
    } catch (err) {
      this.nextIdValue = firstId;
      for (const e of written) e.id = 0;
      for (const [s, next] of storedStreams) this.storeNext(s, next);
      this.hooks.failed(err as Error, puts, dels, plans);
      this.putsGone(puts.length);
      return;
    }

    this.commits++;
    if (sync) {
      this.lastSyncAt = now;
      this.syncDue = false;
    } else this.armSync();
    this.durableEnd = this.nextIdValue;
    for (let c = 0; c < CLASS_COUNT; c++) {
      this.stored[c]!.count += dCount[c]!;
      this.stored[c]!.bytes += dBytes[c]!;
    }
    for (const [s, next] of streamNext) {
      s.storedNext = Math.max(s.storedNext, next);
      s.reservedEnd = reservations.get(s)!;
    }
    for (const e of written) e.durable = true;
    const after = this.afterNextCommit;
    this.afterNextCommit = [];
    for (const fn of after) fn();
    this.hooks.committed({ written, deleted, plans, intake: puts.length });
    this.putsGone(puts.length);
  }

  /** The trailing sync: unsynced writes reach the disk within syncIntervalMs even if nothing else is written. */
  private armSync(): void {
    if (this.syncTimer) return;
    const wait = Math.max(1, this.syncIntervalMs - (this.clock.wallMs() - this.lastSyncAt));
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.clock.wallMs() - this.lastSyncAt >= this.syncIntervalMs) {
        this.syncDue = true;
        this.schedule();
      }
    }, wait);
    this.syncTimer.unref();
  }
}
