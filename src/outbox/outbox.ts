// The store-and-forward outbox. Every record is written to LevelDB before it is offered to the uplink (write-ahead,
// group commit: what arrives while one write is in progress goes into the next), gets a persisted per-stream seq,
// and is deleted only when the broker's PUBACK arrives. Live data leaves ahead of the backlog; the backlog is read
// back from disk in order, a chunk at a time, so memory does not grow with it. Disk quotas evict the lowest classes
// first and expiry drops stale ones, each announced by `loss` records written in the same batch as the deletion.
// When storage becomes unwritable, records wait in a bounded memory ring until it comes back.
import type { OutboxConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Topics } from '../core/topics.js';
import type { CanonicalRecord, LossRecord } from '../schema/index.js';
import type { MessageSource, OutgoingMessage, TakeLimits } from '../uplink/source.js';
import {
  CLASS_COUNT,
  EVICTION_ORDER,
  PRIORITY_CLASSES,
  classIndex,
  className,
  classOfKind,
  classPolicies,
  type ClassIndex,
  type ClassPolicy,
  type PriorityClass,
} from './classes.js';
import { counterKey, encodeCounter, encodeNumbers, encodeStream, readHeader, recordKey, recordValue, streamKey, VALUE_HEADER } from './codec.js';
import { buildEnvelope } from './envelope.js';
import { EntryState, entrySize, type Entry, type StreamState } from './entry.js';
import { lossRanges, lossRecord, type Dropped } from './loss.js';
import { MemoryRing } from './memory-ring.js';
import { SeqMark } from './seq-mark.js';
import { META_LAST_ID, META_LOW_MARKS, Store, type BatchOp, type StoredState } from './store.js';
import { StreamQueues } from './stream-queues.js';

const ALARM = classIndex('alarm');
/** Most records in one write. */
const MAX_BATCH = 2000;
/** Backlog read from disk a chunk at a time, and read again when fewer than this many are buffered. */
const READ_CHUNK = 2000;
const REFILL_BELOW = 2500;
const REFILL_BELOW_BYTES = 4 * 1024 * 1024;
/** Live records held in memory while the link is slower than the intake; past this they are read back as backlog. */
const HOT_LIMIT_BYTES = 8 * 1024 * 1024;
/** Evict or expire down to this share of a quota, so that one new record does not evict one old record each time. */
const QUOTA_HYSTERESIS = 0.95;
/** Tombstones of deleted records are compacted away after this many deletions in a class. */
const COMPACT_EVERY = 50_000;
const EXPIRY_SWEEP_MS = 5_000;
const RECOVERY_RETRY_MS = 2_000;
const LOW_MARKS_EVERY_MS = 10_000;
/** Seqs reserved ahead on disk, so that seqs handed out while storage is unwritable were never used before. */
const SEQ_RESERVATION = 2 ** 32;
const LOSS_STREAM = 'gateway/loss';

export type OutboxMode = 'opening' | 'ok' | 'degraded' | 'closed';

export interface OutboxOptions {
  vehicle: string;
  /** The outbox section of the vehicle config, with `dir` resolved. */
  config: OutboxConfig & { dir: string };
  topics: Topics;
  log: Logger;
  clock: Clock;
  /** Told of every loss record after it is stored (the daemon shows it to local consumers too). */
  onLoss?: (record: LossRecord) => void;
}

/** A message for the hospital from another part of the gateway (setpoint results, audit checkpoints, health). */
export interface EnqueueRequest {
  /** Stream name, "{device}/{what}" or "gateway/{what}": the seq space consumers deduplicate in. */
  stream: string;
  /** Full topic; one stream always goes to one topic. */
  topic: string;
  class: PriorityClass;
  /** A JSON object; its "seq" is set by the outbox. */
  payload: Record<string, unknown>;
}

export interface EnqueueReceipt {
  stream: string;
  seq: string;
  /** False when storage was unwritable: the message waits in memory (and is lost if the daemon stops first). */
  durable: boolean;
}

export interface ClassStats {
  class: PriorityClass;
  /** Records stored (on disk, or in memory while storage is unwritable), including those in flight. */
  records: number;
  bytes: number;
  quotaBytes: number;
  evictable: boolean;
  expirySeconds: number;
  /** Age of the oldest stored record, ms; null when empty. */
  oldestAgeMs: number | null;
  inflightRecords: number;
  /** Records evicted / expired since the daemon started. */
  evicted: number;
  expired: number;
}

export interface OutboxStats {
  state: OutboxMode;
  /** Why storage is not usable, while it is not. */
  error?: string;
  epoch: string;
  dir: string;
  records: number;
  bytes: number;
  maxBytes: number;
  overQuota: boolean;
  inflightMessages: number;
  inflightRecords: number;
  /** Records acknowledged by the broker per second, over the last 10 s. */
  drainRecordsPerS: number;
  acked: number;
  stored: number;
  lossRecords: number;
  memoryRing: { records: number; bytes: number; capacityBytes: number };
  /** Records waiting for storage at start-up (not yet sequenced). */
  waiting: number;
  hot: number;
  backlogBuffered: number;
  commits: number;
  lastSyncAgoMs: number | null;
  classes: ClassStats[];
}

export interface StreamInfo {
  stream: string;
  class: PriorityClass;
  topic: string;
  /** The last seq handed out ("0" when none yet). */
  lastSeq: string;
}

interface DropPlan {
  drops: Entry[];
  losses: Entry[];
  reason: 'evicted' | 'expired';
  done: (ok: boolean) => void;
}

/** A record that arrived while storage could not be opened: it gets its seq once the streams are known. */
interface Waiting {
  stream: string;
  cls: ClassIndex;
  topic: string;
  /** The JSON payload without its opening brace, so that "seq" can be put first. */
  body: string;
  at: number;
  settle?: (receipt: EnqueueReceipt) => void;
}

class OutboxMessage implements OutgoingMessage {
  constructor(
    readonly entries: Entry[],
    readonly cls: ClassIndex,
    readonly backlog: boolean,
    readonly historical: boolean,
    readonly topic: string,
    readonly payload: Buffer,
    readonly expirySeconds: number | undefined,
    readonly userProperties: Readonly<Record<string, string>>,
  ) {}

  get records(): number {
    return this.entries.length;
  }

  get stream(): StreamState {
    return this.entries[0]!.stream;
  }
}

const perClass = <T>(make: () => T): T[] => Array.from({ length: CLASS_COUNT }, make);

export class Outbox implements MessageSource {
  private readonly store: Store;
  private readonly seqMark: SeqMark;
  private readonly policies: ClassPolicy[];
  private mode: OutboxMode = 'closed';
  private lastError: string | undefined;
  private epochId = '';

  private readonly streams = new Map<string, StreamState>();
  private streamsByIndex: StreamState[] = [];
  /** Next record id to assign; ids order one class's records on disk. */
  private nextId = 1;
  /** Every id below this has been through a write (or the memory ring). */
  private durableEnd = 1;

  private readonly stored = perClass(() => ({ count: 0, bytes: 0 }));
  private readonly hot = perClass(() => new StreamQueues());
  private readonly backlogBuf = perClass(() => new StreamQueues());
  /** First id that went to the hot queue in this connection: the backlog reader stops there. */
  private readonly hotStart: Array<number | undefined> = perClass(() => undefined);
  /** Last id the backlog reader has read, per class. */
  private readonly cursor = perClass(() => 0);
  private readonly backlogDone = perClass(() => true);
  /** No record below this id is stored (a lower bound, moved up by eviction and expiry). */
  private readonly headHint = perClass(() => 1);
  private readonly deletesSinceCompact = perClass(() => 0);
  private readonly evicted = perClass(() => 0);
  private readonly expired = perClass(() => 0);
  private readonly inflightRecords = perClass(() => 0);
  private readonly oldestAt: Array<number | undefined> = perClass(() => undefined);

  /** Entries in memory that are, or may be, on disk: the backlog reader and eviction skip these ids. */
  private readonly pending = new Map<number, Entry>();
  private putQueue: Entry[] = [];
  private delQueue: Entry[] = [];
  private plans: DropPlan[] = [];
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private readonly ring: MemoryRing;
  /** Overflow loss records in the ring not yet sent, per stream: a further overflow extends them. */
  private readonly ringLoss = new Map<StreamState, { entry: Entry; record: LossRecord }>();
  private readonly inflight = new Set<OutboxMessage>();

  private writing = false;
  private writeScheduled = false;
  private writeIdle: Promise<void> = Promise.resolve();
  private syncDue = false;
  /** Streams whose next seq must be stored with the next write even without a record of theirs in it. */
  private streamsToStore = new Map<StreamState, number>();
  private clearMarksAfterCommit = false;
  private lastSyncAt = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private lowMarksAt = 0;
  private reading = false;
  private readerGeneration = 0;
  private maintaining = false;
  private compacting = false;
  private timers: NodeJS.Timeout[] = [];
  private recoveryTimer: NodeJS.Timeout | undefined;

  private linkIsUp = false;
  private connectedAt = 0;
  private readonly readyListeners: Array<() => void> = [];

  private ackedTotal = 0;
  private storedTotal = 0;
  private lossTotal = 0;
  private commits = 0;
  private refused = 0;
  private readonly drainSamples: Array<[number, number]> = [];
  private overQuotaLogged = false;

  constructor(private readonly options: OutboxOptions) {
    this.store = new Store(options.config.dir);
    this.seqMark = new SeqMark(`${options.config.dir}.seqmark`);
    this.policies = classPolicies(options.config);
    this.ring = new MemoryRing(options.config.memoryRingBytes);
  }

  get state(): OutboxMode {
    return this.mode;
  }

  get epoch(): string {
    return this.epochId;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Life cycle

  /** Opens the store. If storage is unusable the outbox still starts: records wait in memory while it retries. */
  async start(): Promise<void> {
    this.mode = 'opening';
    await this.tryOpen();
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, ms);
      t.unref();
      this.timers.push(t);
    };
    every(EXPIRY_SWEEP_MS, () => void this.maintain('expired'));
    every(1000, () => this.sampleDrain());
    every(2000, () => void this.refreshOldest());
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.linkIsUp = false;
    // Whatever is queued is written, synced, before the store closes.
    this.syncDue = true;
    this.lowMarksAt = 0;
    await this.flush();
    const wasOk = this.mode === 'ok';
    this.mode = 'closed';
    while (this.reading || this.maintaining || this.compacting) await new Promise((r) => setTimeout(r, 5));
    await this.store.close();
    if (wasOk) this.seqMark.clear();
    this.seqMark.close();
    if (this.ring.count > 0) {
      this.options.log.error({ records: this.ring.count }, 'outbox stopped with records held only in memory (storage was unwritable): they are lost and will be announced as not-persisted');
    }
  }

  /** Resolves when everything enqueued so far has been through a write (tests, shutdown). */
  async flush(): Promise<void> {
    for (;;) {
      await this.writeIdle;
      if (!this.writing && !this.writeScheduled) {
        if (this.mode === 'degraded') this.admitToRing();
        if (this.mode !== 'ok' || !this.hasWriteWork()) return;
        this.scheduleWrite();
      }
      await new Promise((r) => setImmediate(r));
    }
  }

  private async tryOpen(): Promise<void> {
    let state: StoredState;
    try {
      state = await this.store.open();
      if (this.mode === 'closed') return void (await this.store.close());
    } catch (err) {
      this.lastError = (err as Error).message;
      if (this.mode === 'opening') {
        this.options.log.error(
          { dir: this.options.config.dir, err: this.lastError },
          'outbox storage cannot be opened; records wait in memory (bounded) until it can',
        );
      }
      this.scheduleRecovery(() => this.tryOpen());
      return;
    }
    this.load(state);
    this.mode = 'ok';
    this.lastError = undefined;
    const marks = this.seqMark.open();
    this.announceNotPersisted(marks);
    this.admitWaiting();
    this.options.log.info(
      { dir: this.options.config.dir, epoch: this.epochId, records: this.stored.reduce((n, s) => n + s.count, 0), streams: this.streams.size },
      'outbox open',
    );
    this.scheduleWrite();
    void this.maintain('evicted');
  }

  private load(state: StoredState): void {
    this.epochId = state.epoch;
    for (const s of state.streams) this.addStream(s.name, s.cls, s.topic, s.index, s.next, s.reservedEnd);
    this.nextId = state.lastId + 1;
    this.durableEnd = this.nextId;
    for (let c = 0; c < CLASS_COUNT; c++) {
      this.stored[c] = { ...state.counters[c]! };
      this.headHint[c] = Math.max(1, state.lowMarks[c] ?? 1);
      this.cursor[c] = this.headHint[c]! - 1;
    }
  }

  private addStream(name: string, cls: ClassIndex, topic: string, index: number, next: number, reservedEnd: number): StreamState {
    const s: StreamState = { name, cls, topic, index, next, storedNext: next, reservedEnd, liveInflight: 0 };
    this.streams.set(name, s);
    this.streamsByIndex[index] = s;
    return s;
  }

  private streamFor(name: string, cls: ClassIndex, topic: string): StreamState {
    const s = this.streams.get(name);
    if (s) {
      if (s.cls !== cls || s.topic !== topic) {
        throw new Error(`stream ${name} belongs to class ${className(s.cls)} on ${s.topic}, not ${className(cls)} on ${topic}`);
      }
      return s;
    }
    // A new stream starts at 1 with a reservation that is stored in the same write as its first record.
    return this.addStream(name, cls, topic, this.streamsByIndex.length, 1, 1);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Intake

  /**
   * A validated record from the bus. The hot path: one JSON.stringify, one buffer, no awaits. Returns the seq it got
   * (undefined while storage has not opened yet, or after stop).
   */
  enqueueRecord(record: CanonicalRecord): number | undefined {
    if (this.mode === 'closed') return undefined;
    let r = record;
    if (r.seq !== undefined || r.historical !== undefined) {
      const { seq: _seq, historical: _historical, ...rest } = r;
      r = rest as CanonicalRecord;
    }
    const body = JSON.stringify(r).slice(1);
    const cls = classOfKind(r.kind);
    const name = r.kind === 'loss' ? LOSS_STREAM : `${r.device}/${r.kind}`;
    return this.accept(name, cls, this.options.topics.forRecord(r), body);
  }

  /** A service's message (setpoint result, audit checkpoint, health): durable like records, resolved once stored. */
  enqueue(request: EnqueueRequest): Promise<EnqueueReceipt> {
    if (this.mode === 'closed') return Promise.reject(new Error('the outbox is not running'));
    const cls = PRIORITY_CLASSES.indexOf(request.class);
    if (cls < 0) return Promise.reject(new Error(`unknown priority class ${request.class}`));
    if (!request.stream || request.stream.includes('\0')) return Promise.reject(new Error('a stream name is required'));
    const { seq: _seq, ...payload } = request.payload;
    const body = JSON.stringify(payload).slice(1);
    return new Promise((resolve, reject) => {
      try {
        this.accept(request.stream, cls, request.topic, body, resolve);
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  private accept(name: string, cls: ClassIndex, topic: string, body: string, settle?: (receipt: EnqueueReceipt) => void): number | undefined {
    const at = this.options.clock.wallMs();
    if (this.mode === 'opening') {
      this.hold({ stream: name, cls, topic, body, at, ...(settle ? { settle } : {}) });
      return undefined;
    }
    const stream = this.streamFor(name, cls, topic);
    const e = this.makeEntry(stream, body, at);
    if (settle) e.settle = (durable) => settle({ stream: name, seq: String(e.seq), durable });
    this.putQueue.push(e);
    this.scheduleWrite();
    return e.seq;
  }

  /** Records accepted but not yet sent or read back: the intake's backlog in memory (for load generators and tests). */
  get queued(): number {
    return this.putQueue.length + this.waiting.length + this.hot.reduce((n, q) => n + q.count, 0);
  }

  private makeEntry(stream: StreamState, body: string, at: number): Entry {
    const seq = stream.next++;
    if (!Number.isSafeInteger(stream.next)) throw new Error(`stream ${stream.name}: seq space exhausted`);
    const json = body === '}' ? `{"seq":"${seq}"}` : `{"seq":"${seq}",${body}`;
    const len = Buffer.byteLength(json);
    const value = recordValue(at, seq, stream.index, len);
    value.write(json, VALUE_HEADER, len, 'utf8');
    return { id: 0, cls: stream.cls, stream, seq, at, value, durable: false, backlog: false, state: EntryState.New };
  }

  /** Storage not open yet: keep the record unsequenced, within the memory ring's size. */
  private hold(w: Waiting): void {
    this.waiting.push(w);
    this.waitingBytes += w.body.length + 64;
    while (this.waitingBytes > this.ring.capacityBytes && this.waiting.length > 1) {
      // Lowest class first, oldest first. These have no seq yet, so only a count can be reported.
      let victim = -1;
      for (const cls of [...EVICTION_ORDER, 2, 1, 0]) {
        victim = this.waiting.findIndex((x) => x.cls === cls);
        if (victim >= 0) break;
      }
      const [gone] = this.waiting.splice(Math.max(0, victim), 1);
      this.waitingBytes -= gone!.body.length + 64;
      this.refused++;
    }
    if (this.refused > 0 && this.refused % 1000 === 1) {
      this.options.log.error({ refused: this.refused }, 'outbox storage unavailable and the memory ring is full: records refused');
    }
  }

  private admitWaiting(): void {
    const list = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    for (const w of list) {
      const stream = this.streamFor(w.stream, w.cls, w.topic);
      const e = this.makeEntry(stream, w.body, w.at);
      const settle = w.settle;
      if (settle) e.settle = (durable) => settle({ stream: w.stream, seq: String(e.seq), durable });
      this.putQueue.push(e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writing: one batch at a time; whatever arrives meanwhile goes into the next (group commit).

  private hasWriteWork(): boolean {
    return this.putQueue.length > 0 || this.delQueue.length > 0 || this.plans.length > 0 || this.syncDue;
  }

  private scheduleWrite(): void {
    if (this.writeScheduled || this.writing) return;
    this.writeScheduled = true;
    setImmediate(() => {
      this.writeScheduled = false;
      this.writeIdle = this.writeLoop();
    });
  }

  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.hasWriteWork()) {
        if (this.mode === 'degraded') {
          this.admitToRing();
          break;
        }
        if (this.mode !== 'ok') break;
        await this.commitOnce();
      }
    } finally {
      this.writing = false;
    }
    if (this.mode === 'ok' && this.hasWriteWork()) this.scheduleWrite();
  }

  private async commitOnce(): Promise<void> {
    const now = this.options.clock.wallMs();
    const puts = this.putQueue.length <= MAX_BATCH ? this.putQueue : this.putQueue.slice(0, MAX_BATCH);
    this.putQueue = puts === this.putQueue ? [] : this.putQueue.slice(MAX_BATCH);
    const dels = this.delQueue.length <= MAX_BATCH * 2 ? this.delQueue : this.delQueue.slice(0, MAX_BATCH * 2);
    this.delQueue = dels === this.delQueue ? [] : this.delQueue.slice(MAX_BATCH * 2);
    const plans = this.plans;
    this.plans = [];
    const written = plans.length === 0 ? puts : [...puts, ...plans.flatMap((p) => p.losses)];
    const deleted = plans.length === 0 ? dels : [...dels, ...plans.flatMap((p) => p.drops)];

    const ops: BatchOp[] = [];
    const dCount = new Array<number>(CLASS_COUNT).fill(0);
    const dBytes = new Array<number>(CLASS_COUNT).fill(0);
    const streamNext = new Map<StreamState, number>();
    let sync = this.options.config.syncIntervalMs === 0 || this.syncDue || now - this.lastSyncAt >= this.options.config.syncIntervalMs;
    const firstId = this.nextId;
    for (const e of written) {
      e.id = this.nextId++;
      ops.push({ type: 'put', key: recordKey(e.cls, e.id), value: e.value });
      dCount[e.cls]!++;
      dBytes[e.cls]! += entrySize(e);
      streamNext.set(e.stream, e.seq + 1);
      // Alarms, events, loss and audit are synced before anything depends on them.
      if (e.cls === ALARM) sync = true;
    }
    for (const e of deleted) {
      ops.push({ type: 'del', key: recordKey(e.cls, e.id) });
      dCount[e.cls]!--;
      dBytes[e.cls]! -= entrySize(e);
    }
    for (const [s, next] of this.streamsToStore) streamNext.set(s, Math.max(next, streamNext.get(s) ?? 0));
    const storedStreams = this.streamsToStore;
    this.streamsToStore = new Map();
    const reservations = new Map<StreamState, number>();
    for (const [s, next] of streamNext) {
      const reservedEnd = s.reservedEnd - next < SEQ_RESERVATION / 2 ? next + SEQ_RESERVATION : s.reservedEnd;
      reservations.set(s, reservedEnd);
      ops.push({ type: 'put', key: streamKey(s.name), value: encodeStream({ name: s.name, cls: s.cls, index: s.index, next, reservedEnd, topic: s.topic }) });
    }
    for (let c = 0; c < CLASS_COUNT; c++) {
      if (dCount[c] !== 0 || dBytes[c] !== 0) {
        ops.push({ type: 'put', key: counterKey(c), value: encodeCounter(this.stored[c]!.count + dCount[c]!, this.stored[c]!.bytes + dBytes[c]!) });
      }
    }
    ops.push({ type: 'put', key: META_LAST_ID, value: encodeNumbers([this.nextId - 1]) });
    if (now - this.lowMarksAt >= LOW_MARKS_EVERY_MS) {
      this.lowMarksAt = now;
      ops.push({ type: 'put', key: META_LOW_MARKS, value: encodeNumbers(this.headHint.map((_, c) => this.lowerBound(c))) });
    }

    try {
      await this.store.write(ops, sync);
    } catch (err) {
      this.nextId = firstId;
      for (const e of written) e.id = 0;
      for (const [st, next] of storedStreams) this.streamsToStore.set(st, next);
      this.enterDegraded(err as Error, puts, dels, plans);
      return;
    }

    this.commits++;
    if (this.clearMarksAfterCommit) {
      this.clearMarksAfterCommit = false;
      this.seqMark.clear();
    }
    if (sync) {
      this.lastSyncAt = now;
      this.syncDue = false;
    } else this.armSync();
    this.durableEnd = this.nextId;
    for (let c = 0; c < CLASS_COUNT; c++) {
      this.stored[c]!.count += dCount[c]!;
      this.stored[c]!.bytes += dBytes[c]!;
      if (dCount[c]! > 0 && this.oldestAt[c] === undefined) this.oldestAt[c] = now;
      if (this.stored[c]!.count === 0) this.oldestAt[c] = undefined;
    }
    for (const [s, next] of streamNext) {
      s.storedNext = Math.max(s.storedNext, next);
      s.reservedEnd = reservations.get(s)!;
    }
    this.storedTotal += puts.length;
    for (const e of written) {
      e.durable = true;
      e.settle?.(true);
      e.settle = undefined;
      this.offerLive(e);
    }
    for (const e of deleted) {
      this.pending.delete(e.id);
      this.deletesSinceCompact[e.cls]!++;
    }
    for (const p of plans) {
      const counts = p.reason === 'evicted' ? this.evicted : this.expired;
      for (const d of p.drops) counts[d.cls]!++;
      this.lossTotal += p.losses.length;
      p.done(true);
    }
    if (written.length > 0) this.notifyReady();
    this.maybeCompact();
    if (puts.length > 0) this.checkQuotas();
  }

  /** The trailing sync: unsynced writes reach the disk within syncIntervalMs even if nothing else is written. */
  private armSync(): void {
    if (this.syncTimer) return;
    const wait = Math.max(1, this.options.config.syncIntervalMs - (this.options.clock.wallMs() - this.lastSyncAt));
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.options.clock.wallMs() - this.lastSyncAt >= this.options.config.syncIntervalMs) {
        this.syncDue = true;
        this.scheduleWrite();
      }
    }, wait);
    this.syncTimer.unref();
  }

  /** A stored entry goes straight to the hot queue while the link is up; otherwise it is backlog on disk. */
  private offerLive(e: Entry): void {
    if (!this.linkIsUp) {
      e.state = EntryState.New;
      return;
    }
    e.state = EntryState.Queued;
    this.pending.set(e.id, e);
    this.hot[e.cls]!.push(e);
    if (this.hotStart[e.cls] === undefined) this.hotStart[e.cls] = e.id;
    if (this.hotBytes() > HOT_LIMIT_BYTES) this.spillHot();
  }

  private hotBytes(): number {
    let n = 0;
    for (const q of this.hot) n += q.bytes;
    return n;
  }

  /** The link is slower than the intake: the lowest classes' live records become backlog (they are on disk). */
  private spillHot(): void {
    for (let c = CLASS_COUNT - 1; c >= 0 && this.hotBytes() > HOT_LIMIT_BYTES / 2; c--) {
      const spilled = this.hot[c]!.removeWhere((e) => e.durable);
      if (spilled.length === 0) continue;
      for (const e of spilled) this.pending.delete(e.id);
      this.hotStart[c] = undefined;
      this.backlogDone[c] = false;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sending (MessageSource, for the uplink)

  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  private notifyReady(): void {
    for (const l of this.readyListeners) l();
  }

  linkUp(): void {
    this.linkIsUp = true;
    this.connectedAt = this.options.clock.wallMs();
    this.rewind(true);
    // Records held in the memory ring are sent too (they are in the hot queue already).
    this.notifyReady();
    void this.refill();
  }

  linkDown(): void {
    if (!this.linkIsUp && this.inflight.size === 0) return;
    this.linkIsUp = false;
    this.rewind(true);
  }

  /**
   * Everything not acknowledged goes back: in-flight messages are released, durable live records become backlog
   * again and the backlog reader starts over from the oldest unacknowledged record, so each stream's backlog is sent
   * again in order. Records held only in memory go back to the front of their queues. Without `releaseInflight`
   * (storage came back while connected) what is in flight stays in flight, and only the queues start over.
   */
  private rewind(releaseInflight: boolean): void {
    this.readerGeneration++;
    const low = this.cursor.map((cur) => cur + 1);
    for (const e of this.pending.values()) {
      if (e.durable && (e.state === EntryState.Queued || e.state === EntryState.InFlight) && e.id < low[e.cls]!) low[e.cls] = e.id;
    }
    if (releaseInflight) this.releaseInflight();
    for (let c = 0; c < CLASS_COUNT; c++) {
      for (const e of this.hot[c]!.removeWhere((x) => x.durable)) this.pending.delete(e.id);
      for (const e of this.backlogBuf[c]!.clear()) this.pending.delete(e.id);
      this.cursor[c] = Math.max(this.headHint[c]!, low[c]!) - 1;
      this.hotStart[c] = undefined;
      this.backlogDone[c] = false;
    }
  }

  private releaseInflight(): void {
    for (const msg of this.inflight) {
      this.inflightRecords[msg.cls]! -= msg.entries.length;
      const memoryOnly: Entry[] = [];
      for (const e of msg.entries) {
        if (e.state !== EntryState.InFlight) continue;
        e.state = EntryState.Queued;
        if (e.durable) this.pending.delete(e.id);
        else memoryOnly.push(e);
      }
      if (memoryOnly.length > 0) this.hot[msg.cls]!.requeueFront(memoryOnly);
    }
    this.inflight.clear();
    for (const s of this.streams.values()) s.liveInflight = 0;
  }

  take(limits: TakeLimits): OutgoingMessage | undefined {
    if (!this.linkIsUp) return undefined;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const q = this.hot[c]!;
      if (q.count === 0) continue;
      const batch = q.take(limits.maxRecords, limits.maxBytes, (s) => s.liveInflight === 0);
      if (batch) return this.send(batch, c, false);
    }
    if (!limits.backlog) return undefined;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const q = this.backlogBuf[c]!;
      if (q.count === 0) {
        if (!this.backlogDone[c]) break;
        continue;
      }
      const batch = q.take(limits.maxRecords, limits.maxBytes, () => true);
      if (q.count < REFILL_BELOW) void this.refill();
      if (batch) return this.send(batch, c, true);
    }
    void this.refill();
    return undefined;
  }

  private send(entries: Entry[], cls: ClassIndex, backlog: boolean): OutboxMessage {
    const first = entries[0]!;
    const stream = first.stream;
    const historical = backlog || first.at < this.connectedAt;
    const policy = this.policies[cls]!;
    const now = this.options.clock.wallMs();
    const expirySeconds = policy.expiryMs > 0 ? Math.max(1, Math.ceil((first.at + policy.expiryMs - now) / 1000)) : undefined;
    const payload = buildEnvelope(this.options.vehicle, this.epochId, policy.name, entries, historical);
    const last = entries[entries.length - 1]!;
    const msg = new OutboxMessage(entries, cls, backlog, historical, stream.topic, payload, expirySeconds, {
      stream: stream.name,
      first: String(first.seq),
      last: String(last.seq),
      historical: String(historical),
      epoch: this.epochId,
      schema: '1',
    });
    for (const e of entries) e.state = EntryState.InFlight;
    if (!backlog) stream.liveInflight++;
    this.inflight.add(msg);
    this.inflightRecords[cls]! += entries.length;
    return msg;
  }

  acked(message: OutgoingMessage): void {
    const msg = message as OutboxMessage;
    if (!this.inflight.delete(msg)) return;
    if (!msg.backlog) msg.stream.liveInflight--;
    this.inflightRecords[msg.cls]! -= msg.entries.length;
    for (const e of msg.entries) {
      if (e.durable) {
        e.state = EntryState.Acked;
        this.delQueue.push(e);
      } else {
        this.ring.remove(e);
        this.pending.delete(e.id);
      }
    }
    this.ackedTotal += msg.entries.length;
    this.scheduleWrite();
  }

  /** Reads the next chunk of the highest class with backlog into memory. */
  private async refill(): Promise<void> {
    if (this.reading || !this.linkIsUp || this.mode !== 'ok') return;
    const generation = this.readerGeneration;
    for (let c = 0; c < CLASS_COUNT; ) {
      const buf = this.backlogBuf[c]!;
      const end = Math.min(this.hotStart[c] ?? Number.MAX_SAFE_INTEGER, this.durableEnd);
      if (this.backlogDone[c] || this.stored[c]!.count === 0 || this.cursor[c]! + 1 >= end) {
        this.backlogDone[c] = true;
        c++;
        continue;
      }
      if (buf.count >= REFILL_BELOW || buf.bytes >= REFILL_BELOW_BYTES) return;
      this.reading = true;
      let rows: Array<[number, Buffer]>;
      try {
        rows = await this.store.readRange(c, this.cursor[c]!, end, READ_CHUNK);
      } catch (err) {
        this.options.log.error({ err: (err as Error).message }, 'outbox: reading the backlog failed');
        return;
      } finally {
        this.reading = false;
      }
      if (generation !== this.readerGeneration || !this.linkIsUp || this.mode !== 'ok') return;
      const before = buf.count;
      for (const [id, value] of rows) {
        this.cursor[c] = id;
        if (this.pending.has(id)) continue;
        const e = this.entryFromDisk(c, id, value);
        if (!e) continue;
        e.backlog = true;
        e.state = EntryState.Queued;
        this.pending.set(id, e);
        buf.push(e);
      }
      if (rows.length < READ_CHUNK) this.backlogDone[c] = true;
      if (buf.count > before) {
        this.notifyReady();
        return;
      }
      // Nothing new in this chunk (all of it in memory already): read on, or go to the next class.
    }
  }

  private entryFromDisk(cls: ClassIndex, id: number, value: Buffer): Entry | undefined {
    const h = readHeader(value);
    const stream = this.streamsByIndex[h.streamIndex];
    if (!stream) {
      this.options.log.error({ id, stream: h.streamIndex }, 'outbox record of an unknown stream skipped');
      return undefined;
    }
    return { id, cls, stream, seq: h.seq, at: h.at, value, durable: true, backlog: false, state: EntryState.Queued };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Quotas and expiry

  private checkQuotas(): void {
    if (this.victimClass()) void this.maintain('evicted');
  }

  private totalBytes(): number {
    return this.stored.reduce((n, s) => n + s.bytes, 0);
  }

  /** The class to evict from now, and how many bytes; undefined when every quota holds. */
  private victimClass(): { cls: ClassIndex; bytes: number } | undefined {
    for (const c of EVICTION_ORDER) {
      const over = this.stored[c]!.bytes - this.policies[c]!.quotaBytes;
      if (over > 0) return { cls: c, bytes: this.stored[c]!.bytes - this.policies[c]!.quotaBytes * QUOTA_HYSTERESIS };
    }
    const total = this.totalBytes();
    const max = this.options.config.maxBytes;
    if (total > max) {
      for (const c of EVICTION_ORDER) if (this.stored[c]!.count > 0) return { cls: c, bytes: total - max * QUOTA_HYSTERESIS };
    }
    return undefined;
  }

  /** Eviction and expiry, one pass at a time. */
  private async maintain(reason: 'evicted' | 'expired'): Promise<void> {
    if (this.maintaining || this.mode !== 'ok') return;
    this.maintaining = true;
    try {
      if (reason === 'expired') {
        const now = this.options.clock.wallMs();
        for (let c = 0; c < CLASS_COUNT; c++) {
          const expiry = this.policies[c]!.expiryMs;
          if (expiry > 0 && this.stored[c]!.count > 0) await this.dropOldest(c, Infinity, 'expired', now - expiry);
        }
      }
      for (let guard = 0; guard < 10_000; guard++) {
        const victim = this.victimClass();
        if (!victim) {
          this.overQuotaLogged = false;
          break;
        }
        const freed = await this.dropOldest(victim.cls, victim.bytes, 'evicted', Infinity);
        if (freed === 0) {
          // Nothing left that may go (the rest is in flight, or protected).
          const total = this.totalBytes();
          if (total > this.options.config.maxBytes && !this.overQuotaLogged) {
            this.overQuotaLogged = true;
            this.options.log.error(
              { bytes: total, maxBytes: this.options.config.maxBytes },
              'outbox over its total quota with only protected records (alarms, events, lab, numerics) left: they are kept',
            );
          }
          break;
        }
      }
    } catch (err) {
      this.options.log.error({ err: (err as Error).message }, 'outbox maintenance failed');
    } finally {
      this.maintaining = false;
    }
  }

  /**
   * Drops the oldest records of a class that are not in memory (not in flight), until `bytes` are freed or (for
   * expiry) a record stored at or after `before` is reached. Returns the bytes freed.
   */
  private async dropOldest(cls: ClassIndex, bytes: number, reason: 'evicted' | 'expired', before: number): Promise<number> {
    let freed = 0;
    let after = this.headHint[cls]! - 1;
    let firstKept: number | undefined;
    let lastDropped: number | undefined;
    let reachedEnd = false;
    while (freed < bytes && !reachedEnd && this.mode === 'ok') {
      const rows = await this.store.readRange(cls, after, this.durableEnd, READ_CHUNK);
      if (rows.length < READ_CHUNK) reachedEnd = true;
      if (rows.length === 0) break;
      const drops: Entry[] = [];
      let stop = false;
      for (const [id, value] of rows) {
        after = id;
        if (this.pending.has(id)) {
          firstKept ??= id;
          continue;
        }
        const e = this.entryFromDisk(cls, id, value);
        if (!e) continue;
        if (e.at >= before) {
          stop = true;
          break;
        }
        drops.push(e);
        freed += entrySize(e);
        if (freed >= bytes) break;
      }
      // The reader may have taken some of these while we were reading.
      const chosen = drops.filter((e) => !this.pending.has(e.id));
      if (chosen.length > 0) {
        for (const e of chosen) {
          e.state = EntryState.Dropping;
          this.pending.set(e.id, e);
        }
        const losses = lossRanges(chosen as Dropped[]).map(
          (r) =>
            this.lossEntry({ streamName: r.stream.name, className: className(cls), first: r.first, last: r.last, count: r.count, firstAt: r.firstAt, lastAt: r.lastAt }, reason)
              .entry,
        );
        const ok = await new Promise<boolean>((done) => {
          this.plans.push({ drops: chosen, losses, reason, done });
          this.scheduleWrite();
        });
        if (!ok) return freed;
        lastDropped = chosen[chosen.length - 1]!.id;
      }
      if (stop) break;
    }
    if (lastDropped !== undefined) this.headHint[cls] = Math.max(this.headHint[cls]!, Math.min(firstKept ?? Infinity, lastDropped + 1));
    return freed;
  }

  private lossEntry(
    range: { streamName: string; className: string; first: number; last: number; count: number; firstAt?: number; lastAt?: number },
    reason: LossRecord['reason'],
  ): { entry: Entry; record: LossRecord } {
    const record = lossRecord(this.options.vehicle, range, reason, this.options.clock.wallMs(), this.options.clock.monoMs());
    const stream = this.streamFor(LOSS_STREAM, ALARM, this.options.topics.loss);
    const entry = this.makeEntry(stream, JSON.stringify(record).slice(1), this.options.clock.wallMs());
    record.seq = String(entry.seq);
    // Local consumers hear of it once it is stored.
    entry.settle = () => this.options.onLoss?.(record);
    return { entry, record };
  }

  /** A previous run handed out seqs it never stored (storage was unwritable when it stopped): skip and announce them. */
  private announceNotPersisted(marks: Map<string, number>): void {
    for (const [name, markedNext] of marks) {
      const s = this.streams.get(name);
      const from = s?.next ?? 1;
      if (markedNext <= from) continue;
      if (!s) continue; // a stream that never reached the disk: its class and topic are unknown; nothing was stored under it
      s.next = markedNext;
      const loss = this.lossEntry(
        { streamName: name, className: className(s.cls), first: from, last: markedNext - 1, count: markedNext - from },
        'not-persisted',
      );
      this.options.log.warn({ stream: name, first: from, last: markedNext - 1 }, 'records held only in memory by the previous run were lost; announced');
      this.putQueue.push(loss.entry);
      this.streamsToStore.set(s, markedNext);
      this.clearMarksAfterCommit = true;
    }
  }

  private lowerBound(cls: ClassIndex): number {
    let low = this.cursor[cls]! + 1;
    for (const e of this.pending.values()) if (e.cls === cls && e.durable && e.id < low) low = e.id;
    return Math.max(this.headHint[cls]!, low);
  }

  private maybeCompact(): void {
    if (this.compacting || this.mode !== 'ok') return;
    const c = this.deletesSinceCompact.findIndex((n) => n >= COMPACT_EVERY);
    if (c < 0) return;
    this.deletesSinceCompact[c] = 0;
    this.compacting = true;
    const bound = this.lowerBound(c);
    this.headHint[c] = Math.max(this.headHint[c]!, bound);
    this.store
      .compact(c, bound)
      .catch((err: Error) => this.options.log.warn({ err: err.message }, 'outbox compaction failed'))
      .finally(() => {
        this.compacting = false;
      });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Unwritable storage: the memory ring, and recovery

  private enterDegraded(err: Error, puts: Entry[], dels: Entry[], plans: DropPlan[]): void {
    this.lastError = err.message;
    if (this.mode === 'ok') {
      this.mode = 'degraded';
      this.options.log.error(
        { dir: this.options.config.dir, err: err.message, ringBytes: this.ring.capacityBytes },
        'outbox storage is unwritable (disk full or read-only?): records are kept in memory, bounded, until it can be written again',
      );
      this.readerGeneration++;
      this.scheduleRecovery(() => this.tryRecover());
    }
    this.delQueue = [...dels, ...this.delQueue];
    for (const p of plans) {
      for (const d of p.drops) this.pending.delete(d.id);
      // The drop did not happen, so neither did its loss records: give their seqs back.
      const loss = p.losses[0];
      if (loss) loss.stream.next = loss.seq;
      p.done(false);
    }
    this.putQueue = [...puts, ...this.putQueue];
    this.admitToRing();
  }

  /** Degraded: what would have been written goes to the memory ring, and is sent once its seq is marked. */
  private admitToRing(): void {
    const admitted = this.putQueue;
    this.putQueue = [];
    this.syncDue = false;
    for (const e of admitted) {
      e.id = this.nextId++;
      e.state = EntryState.Queued;
      this.ring.add(e);
      this.pending.set(e.id, e);
      e.settle?.(false);
      e.settle = undefined;
    }
    const dropped = this.ring.overflow((e) => e.stream.name === LOSS_STREAM);
    if (dropped.length > 0) this.ringOverflow(dropped);
    if (admitted.length === 0 && dropped.length === 0) return;
    const marks: Record<string, number> = {};
    for (const s of this.streams.values()) if (s.next > s.storedNext) marks[s.name] = s.next;
    if (this.seqMark.write(marks)) {
      for (const e of admitted) if (e.state === EntryState.Queued && this.pending.has(e.id)) this.hot[e.cls]!.push(e);
      this.notifyReady();
    } else if (admitted.length > 0) {
      this.options.log.warn({ held: this.ring.count }, 'outbox: seqs cannot be marked either; records in memory wait for storage before they are sent');
    }
  }

  private ringOverflow(dropped: Entry[]): void {
    for (const e of dropped) {
      this.pending.delete(e.id);
      e.state = EntryState.Dropping;
    }
    for (let c = 0; c < CLASS_COUNT; c++) this.hot[c]!.removeEntries(dropped.filter((e) => e.cls === c));
    for (const r of lossRanges(dropped)) {
      const existing = this.ringLoss.get(r.stream);
      if (existing && existing.entry.state === EntryState.Queued && Number(existing.record.lastSeq) + 1 === r.first) {
        // Extend the announcement not yet sent instead of adding another.
        const record: LossRecord = { ...existing.record, lastSeq: String(r.last), count: existing.record.count + r.count, lastAt: new Date(r.lastAt).toISOString() };
        const before = entrySize(existing.entry);
        const json = `{"seq":"${existing.entry.seq}",${JSON.stringify(record).slice(1)}`;
        const len = Buffer.byteLength(json);
        const value = recordValue(existing.entry.at, existing.entry.seq, existing.entry.stream.index, len);
        value.write(json, VALUE_HEADER, len, 'utf8');
        existing.entry.value = value;
        this.ring.resized(before, entrySize(existing.entry));
        existing.record = record;
        continue;
      }
      const { entry: e, record } = this.lossEntry(
        { streamName: r.stream.name, className: className(r.stream.cls), first: r.first, last: r.last, count: r.count, firstAt: r.firstAt, lastAt: r.lastAt },
        'overflow',
      );
      e.settle = undefined;
      this.options.onLoss?.(record);
      this.lossTotal++;
      e.id = this.nextId++;
      e.state = EntryState.Queued;
      this.ring.add(e);
      this.pending.set(e.id, e);
      this.hot[e.cls]!.push(e);
      this.ringLoss.set(r.stream, { entry: e, record });
    }
  }

  private scheduleRecovery(attempt: () => Promise<void>): void {
    if (this.recoveryTimer || this.mode === 'closed') return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      if (this.mode === 'closed') return;
      void attempt();
    }, RECOVERY_RETRY_MS);
    this.recoveryTimer.unref();
  }

  /**
   * Storage may be writable again: reopen it (LevelDB refuses writes after a failed one until reopened), move the
   * memory ring to disk, and carry on. On failure, try again later.
   */
  private async tryRecover(): Promise<void> {
    while (this.reading || this.maintaining || this.writing) await new Promise((r) => setTimeout(r, 10));
    if (this.mode !== 'degraded') return;
    try {
      await this.store.close();
      const state = await this.store.open();
      for (let c = 0; c < CLASS_COUNT; c++) this.stored[c] = { ...state.counters[c]! };
      for (const s of state.streams) {
        const mine = this.streams.get(s.name);
        if (mine) mine.storedNext = s.next;
      }
      this.nextId = Math.max(this.nextId, state.lastId + 1);
      // Deletions that failed may in fact have reached the disk: only count those still there.
      const present = this.delQueue.length ? await this.store.hasMany(this.delQueue.map((e) => recordKey(e.cls, e.id))) : [];
      this.delQueue = this.delQueue.filter((e, i) => {
        if (present[i]) return true;
        this.pending.delete(e.id);
        return false;
      });
      const held = this.ring.all().filter((e) => e.state !== EntryState.Acked);
      const there = held.length ? await this.store.hasMany(held.map((e) => recordKey(e.cls, e.id))) : [];
      const ops: BatchOp[] = [];
      const touched = new Map<StreamState, number>();
      held.forEach((e, i) => {
        touched.set(e.stream, Math.max(touched.get(e.stream) ?? 0, e.seq + 1));
        if (there[i]) return;
        ops.push({ type: 'put', key: recordKey(e.cls, e.id), value: e.value });
        this.stored[e.cls]!.count++;
        this.stored[e.cls]!.bytes += entrySize(e);
      });
      for (const [s, next] of touched) {
        s.storedNext = Math.max(s.storedNext, next);
        s.reservedEnd = Math.max(s.reservedEnd, s.storedNext + SEQ_RESERVATION);
        ops.push({ type: 'put', key: streamKey(s.name), value: encodeStream({ name: s.name, cls: s.cls, index: s.index, next: s.storedNext, reservedEnd: s.reservedEnd, topic: s.topic }) });
      }
      for (let c = 0; c < CLASS_COUNT; c++) ops.push({ type: 'put', key: counterKey(c), value: encodeCounter(this.stored[c]!.count, this.stored[c]!.bytes) });
      ops.push({ type: 'put', key: META_LAST_ID, value: encodeNumbers([this.nextId - 1]) });
      await this.store.write(ops, true);
      for (const e of held) {
        e.durable = true;
        // Queued ones are read back from disk in order with the rest; those in flight are deleted on their PUBACK.
        if (e.state === EntryState.Queued) this.pending.delete(e.id);
      }
      const moved = held.length;
      this.ring.clear();
      this.ringLoss.clear();
      this.durableEnd = this.nextId;
      this.seqMark.clear();
      this.mode = 'ok';
      this.lastError = undefined;
      this.lastSyncAt = this.options.clock.wallMs();
      this.options.log.info({ moved }, 'outbox storage writable again: records held in memory are now on disk');
      // Start the backlog over so that what was held only in memory is sent in order with the rest.
      this.rewind(false);
      this.scheduleWrite();
      this.notifyReady();
      void this.refill();
      void this.maintain('evicted');
    } catch (err) {
      this.lastError = (err as Error).message;
      this.scheduleRecovery(() => this.tryRecover());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Figures

  private sampleDrain(): void {
    this.drainSamples.push([this.options.clock.monoMs(), this.ackedTotal]);
    if (this.drainSamples.length > 11) this.drainSamples.shift();
  }

  private drainRate(): number {
    const first = this.drainSamples[0];
    const last = this.drainSamples[this.drainSamples.length - 1];
    if (!first || !last || last[0] === first[0]) return 0;
    return Math.round(((last[1] - first[1]) * 1000) / (last[0] - first[0]));
  }

  private async refreshOldest(): Promise<void> {
    if (this.mode !== 'ok' || this.reading) return;
    for (let c = 0; c < CLASS_COUNT; c++) {
      if (this.stored[c]!.count === 0) {
        this.oldestAt[c] = undefined;
        continue;
      }
      try {
        const [row] = await this.store.readRange(c, this.headHint[c]! - 1, Number.MAX_SAFE_INTEGER, 1);
        this.oldestAt[c] = row ? readHeader(row[1]).at : undefined;
      } catch {
        return;
      }
    }
  }

  stats(): OutboxStats {
    const now = this.options.clock.wallMs();
    const classes: ClassStats[] = this.policies.map((p, c) => {
      const ringOnly = this.ring.countOf(c);
      const oldest = this.oldestAt[c];
      return {
        class: p.name,
        records: this.stored[c]!.count + ringOnly,
        bytes: this.stored[c]!.bytes,
        quotaBytes: p.quotaBytes,
        evictable: p.evictable,
        expirySeconds: p.expiryMs / 1000,
        oldestAgeMs: oldest === undefined ? (ringOnly > 0 ? 0 : null) : Math.max(0, now - oldest),
        inflightRecords: this.inflightRecords[c]!,
        evicted: this.evicted[c]!,
        expired: this.expired[c]!,
      };
    });
    const records = classes.reduce((n, c) => n + c.records, 0);
    const bytes = this.totalBytes();
    return {
      state: this.mode,
      ...(this.lastError ? { error: this.lastError } : {}),
      epoch: this.epochId,
      dir: this.options.config.dir,
      records,
      bytes,
      maxBytes: this.options.config.maxBytes,
      overQuota: bytes > this.options.config.maxBytes || classes.some((c) => c.bytes > c.quotaBytes),
      inflightMessages: this.inflight.size,
      inflightRecords: this.inflightRecords.reduce((a, b) => a + b, 0),
      drainRecordsPerS: this.drainRate(),
      acked: this.ackedTotal,
      stored: this.storedTotal,
      lossRecords: this.lossTotal,
      memoryRing: { records: this.ring.count, bytes: this.ring.bytes, capacityBytes: this.ring.capacityBytes },
      waiting: this.waiting.length + this.putQueue.length,
      hot: this.hot.reduce((n, q) => n + q.count, 0),
      backlogBuffered: this.backlogBuf.reduce((n, q) => n + q.count, 0),
      commits: this.commits,
      lastSyncAgoMs: this.lastSyncAt ? now - this.lastSyncAt : null,
      classes,
    };
  }

  streamList(): StreamInfo[] {
    return [...this.streams.values()].map((s) => ({ stream: s.name, class: className(s.cls), topic: s.topic, lastSeq: String(s.next - 1) }));
  }
}
