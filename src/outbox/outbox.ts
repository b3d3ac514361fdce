// The store-and-forward outbox. Every record is written to LevelDB before it is offered to the uplink (write-ahead,
// group commit), gets a persisted per-stream seq, and is deleted only when the broker's PUBACK arrives. Live data
// leaves ahead of the backlog; the backlog is read back from disk in order, a chunk at a time, so memory does not
// grow with it. Disk quotas evict the lowest classes first and expiry drops stale records, each announced by loss
// records written in the same batch as the deletion. When storage becomes unwritable, records wait in a bounded
// memory ring until it comes back.
//
// The parts: Journal (the writer), Sender (what the uplink takes), Janitor (quotas, expiry, compaction), Fallback
// (the memory ring and recovery). This class takes records in, assigns their seqs, and runs the parts' life cycle.
import { readFileSync } from 'node:fs';
import type { OutboxConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Topics } from '../core/topics.js';
import type { CanonicalRecord, LossRecord } from '../schema/index.js';
import type { MessageSource, OutgoingMessage, TakeLimits } from '../uplink/source.js';
import { CLASS_COUNT, EVICTION_ORDER, PRIORITY_CLASSES, classIndex, className, classOfKind, classPolicies, type ClassIndex, type ClassPolicy, type PriorityClass } from './classes.js';
import { newEntry, type Entry, type StreamState } from './entry.js';
import { StoredView, type StoredRecord } from './stored-record.js';
import { Fallback, LOSS_STREAM } from './fallback.js';
import { Janitor } from './janitor.js';
import { Journal, type Batch, type DropPlan } from './journal.js';
import { lossRecord, type LossRange } from './loss.js';
import { Sender } from './sender.js';
import { SeqMark } from './seq-mark.js';
import { Store, type StoredState } from './store.js';
import { Streams, type StreamInfo } from './streams.js';

const ALARM = classIndex('alarm');
const EXPIRY_SWEEP_MS = 5_000;
const RECOVERY_RETRY_MS = 2_000;

export type OutboxMode = 'opening' | 'ok' | 'degraded' | 'closed';
export type { StreamInfo };

export interface OutboxOptions {
  vehicle: string;
  /** The outbox section of the vehicle config, with `dir` resolved. */
  config: OutboxConfig & { dir: string };
  topics: Topics;
  log: Logger;
  clock: Clock;
  /** Told of every loss record once it is stored (for the daemon's own parts). */
  onLoss?: (record: LossRecord) => void;
  /**
   * Told of every record (and loss record) once it will be delivered or announced: stored, or held in memory with its
   * seq marked. The local broker publishes from here, so a tablet never sees a seq the hospital will not get or hear
   * of. Service messages (setpoint results, audit checkpoints) are not shown.
   */
  onStored?: (record: StoredRecord) => void;
  /** This boot of the machine (default: the kernel's boot id): a new boot after an unclean stop may mean a power cut. */
  bootId?: string;
}

function kernelBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
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
  /** Records accepted and not yet written (or, before storage opened, not yet sequenced). */
  waiting: number;
  hot: number;
  backlogBuffered: number;
  commits: number;
  lastSyncAgoMs: number | null;
  classes: ClassStats[];
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

export class Outbox implements MessageSource {
  private readonly store: Store;
  private readonly seqMark: SeqMark;
  private readonly policies: ClassPolicy[];
  private readonly streams = new Streams();
  private readonly journal: Journal;
  private readonly sender: Sender;
  private readonly janitor: Janitor;
  private readonly fallback: Fallback;
  private mode: OutboxMode = 'closed';
  private lastError: string | undefined;
  private epochId = '';
  private waiting: Waiting[] = [];
  private waitingBytes = 0;
  private refused = 0;
  private storedTotal = 0;
  private lossTotal = 0;
  private timers: NodeJS.Timeout[] = [];
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recovering = false;
  private readonly drainSamples: Array<[number, number]> = [];
  private readonly routes = new Map<string, Map<string, { stream: string; cls: ClassIndex; topic: string }>>();
  /** Streams of canonical records (and the loss stream): what local consumers are shown once stored. */
  private readonly shownStreams = new Set<string>([LOSS_STREAM]);
  private readonly boot: string;

  constructor(private readonly options: OutboxOptions) {
    const { config, log, clock } = options;
    this.store = new Store(config.dir);
    this.seqMark = new SeqMark(`${config.dir}.seqmark`);
    this.policies = classPolicies(config);
    this.boot = options.bootId ?? kernelBootId() ?? 'unknown';
    const healthy = () => this.mode === 'ok';
    this.journal = new Journal(this.store, config.syncIntervalMs, clock, {
      writable: healthy,
      committed: (batch) => this.committed(batch),
      failed: (err, puts, dels, plans) => this.writeFailed(err, puts, dels, plans),
      // Only while degraded: before storage first opens, records wait unsequenced (hold) and never reach the journal.
      divert: (puts) => this.fallback.admit(puts),
      lowMarks: () => Array.from({ length: CLASS_COUNT }, (_, c) => this.sender.lowerBound(c)),
    });
    this.sender = new Sender({
      vehicle: options.vehicle,
      epoch: () => this.epochId,
      store: this.store,
      streams: this.streams,
      journal: this.journal,
      policies: this.policies,
      log,
      clock,
      healthy,
      memoryAcked: (e) => this.fallback.acked(e),
    });
    this.janitor = new Janitor({
      store: this.store,
      journal: this.journal,
      sender: this.sender,
      policies: this.policies,
      maxBytes: config.maxBytes,
      log,
      clock,
      healthy,
      lossEntry: (range, reason) => this.lossEntry(range, reason).entry,
    });
    this.fallback = new Fallback(
      {
        store: this.store,
        journal: this.journal,
        sender: this.sender,
        streams: this.streams,
        seqMark: this.seqMark,
        log,
        clock,
        lossEntry: (range, reason) => this.lossEntry(range, reason),
        onLoss: (record) => options.onLoss?.(record),
        shown: (e) => {
          if (options.onStored && this.shownStreams.has(e.stream.name)) options.onStored(new StoredView(e));
        },
      },
      config.memoryRingBytes,
    );
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
    every(EXPIRY_SWEEP_MS, () => void this.janitor.run('expired'));
    every(1000, () => this.sampleDrain());
    every(2000, () => void this.janitor.refreshOldest());
  }

  /** Writes (and syncs) whatever is queued, then closes the store. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.sender.linkDown();
    // Eviction or expiry under way finishes first (its writes need the journal), then the rest is written.
    await this.janitor.stop();
    await this.journal.flush(true);
    this.journal.stop();
    const wasOk = this.mode === 'ok';
    if (wasOk) await this.store.markRun({ boot: this.boot, clean: true }).catch(() => undefined);
    this.mode = 'closed';
    while (this.sender.isReading || this.recovering) await new Promise((r) => setTimeout(r, 5));
    await this.store.close();
    if (wasOk) this.seqMark.clear();
    this.seqMark.close();
    if (this.fallback.ring.count > 0) {
      this.options.log.error(
        { records: this.fallback.ring.count },
        'outbox stopped with records held only in memory (storage was unwritable): they are lost and will be announced as not-persisted',
      );
    }
  }

  /** Resolves when everything enqueued so far has been through a write (tests, shutdown). */
  flush(): Promise<void> {
    return this.journal.flush();
  }

  /**
   * The barrier drivers acknowledge their devices after: everything accepted so far is written (alarms and lab
   * results synced), or held in memory and announced if lost while storage is unwritable.
   */
  stored(): Promise<void> {
    return this.journal.putsWritten();
  }

  private async tryOpen(): Promise<void> {
    let state: StoredState;
    try {
      state = await this.store.open();
      if (this.mode === 'closed') return void (await this.store.close());
      // Marked unclean (synced) until stop() closes it cleanly: the next start can tell a crash from a clean stop.
      await this.store.markRun({ boot: this.boot, clean: false });
    } catch (err) {
      await this.store.close();
      if (this.mode === 'closed') return;
      if (this.lastError === undefined) {
        this.options.log.error(
          { dir: this.options.config.dir, err: (err as Error).message },
          'outbox storage cannot be opened; records wait in memory (bounded) until it can',
        );
      }
      this.lastError = (err as Error).message;
      this.scheduleRecovery(() => this.tryOpen());
      return;
    }
    this.epochId = state.epoch;
    this.streams.load(state.streams);
    this.journal.load(state);
    this.sender.load(state.lowMarks);
    this.mode = 'ok';
    this.lastError = undefined;
    const previous = state.previousRun;
    if (previous && !previous.clean && (previous.boot !== this.boot || this.boot === 'unknown')) this.skipUnsynced();
    this.announceNotPersisted(this.seqMark.open());
    this.admitWaiting();
    this.options.log.info(
      { dir: this.options.config.dir, epoch: this.epochId, records: this.journal.stored.reduce((n, s) => n + s.count, 0), streams: this.streams.list().length },
      'outbox open',
    );
    const reads = this.store.tableReads;
    if (reads?.mapped) {
      this.options.log.warn({ reason: reads.reason }, "outbox: LevelDB maps its table files into memory; the daemon's RSS will include pages of the backlog it reads");
    }
    this.journal.schedule();
    void this.janitor.run('evicted');
  }

  private scheduleRecovery(attempt: () => Promise<void>): void {
    if (this.recoveryTimer || this.mode === 'closed') return;
    this.recoveryTimer = setTimeout(() => {
      this.recoveryTimer = undefined;
      if (this.mode !== 'closed') void attempt();
    }, RECOVERY_RETRY_MS);
    this.recoveryTimer.unref();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Intake

  /**
   * A validated record from the bus. The hot path: one JSON.stringify, no awaits. It gets its seq when it is written
   * (`onStored` tells). False after stop.
   */
  enqueueRecord(record: CanonicalRecord): boolean {
    if (this.mode === 'closed') return false;
    let r = record;
    if (r.seq !== undefined || r.historical !== undefined) {
      const { seq: _seq, historical: _historical, ...rest } = r;
      r = rest as CanonicalRecord;
    }
    const route = this.routeOf(r);
    this.accept(route.stream, route.cls, route.topic, JSON.stringify(r).slice(1));
    return true;
  }

  /** Stream, class and topic of a record, made once per device and kind rather than once per record. */
  private routeOf(r: CanonicalRecord): { stream: string; cls: ClassIndex; topic: string } {
    let byKind = this.routes.get(r.device);
    if (!byKind) this.routes.set(r.device, (byKind = new Map()));
    let route = byKind.get(r.kind);
    if (!route) {
      route = { stream: r.kind === 'loss' ? LOSS_STREAM : `${r.device}/${r.kind}`, cls: classOfKind(r.kind), topic: this.options.topics.forRecord(r) };
      byKind.set(r.kind, route);
      this.shownStreams.add(route.stream);
    }
    return route;
  }

  /** A service's message (setpoint result, audit checkpoint, health): durable like records, resolved once stored. */
  enqueue(request: EnqueueRequest): Promise<EnqueueReceipt> {
    if (this.mode === 'closed') return Promise.reject(new Error('the outbox is not running'));
    const cls = PRIORITY_CLASSES.indexOf(request.class);
    if (cls < 0) return Promise.reject(new Error(`unknown priority class ${request.class}`));
    if (!request.stream || request.stream.includes('\0')) return Promise.reject(new Error('a stream name is required'));
    const { seq: _seq, ...payload } = request.payload;
    return new Promise((resolve, reject) => {
      try {
        this.accept(request.stream, cls, request.topic, JSON.stringify(payload).slice(1), resolve);
      } catch (err) {
        reject(err as Error);
      }
    });
  }

  /** Records accepted but not yet sent or read back: the intake's backlog in memory (for load generators and tests). */
  get queued(): number {
    return this.journal.queuedPuts + this.waiting.length + this.sender.hotCount;
  }

  private accept(name: string, cls: ClassIndex, topic: string, body: string, settle?: (receipt: EnqueueReceipt) => void): void {
    const at = this.options.clock.wallMs();
    if (this.mode === 'opening') {
      this.hold({ stream: name, cls, topic, body, at, ...(settle ? { settle } : {}) });
      return;
    }
    // No seq yet: the journal gives it in the write that stores the record.
    const e = newEntry(this.streams.ensure(name, cls, topic), body, at);
    if (settle) e.settle = (durable) => settle({ stream: name, seq: String(e.seq), durable });
    this.journal.put(e);
  }

  /** Storage not open yet: keep the record unsequenced, within the memory ring's size. */
  private hold(w: Waiting): void {
    this.waiting.push(w);
    this.waitingBytes += w.body.length + 64;
    while (this.waitingBytes > this.fallback.ring.capacityBytes && this.waiting.length > 1) {
      // Lowest class first, oldest first. These have no seq yet, so only a count can be reported.
      let victim = -1;
      for (const cls of [...EVICTION_ORDER, classIndex('numeric'), classIndex('lab'), ALARM]) {
        victim = this.waiting.findIndex((x) => x.cls === cls);
        if (victim >= 0) break;
      }
      const [gone] = this.waiting.splice(Math.max(0, victim), 1);
      this.waitingBytes -= gone!.body.length + 64;
      this.refused++;
      if (this.refused % 1000 === 1) {
        this.options.log.error({ refused: this.refused }, 'outbox storage unavailable and the memory ring is full: records refused');
      }
    }
  }

  private admitWaiting(): void {
    const list = this.waiting;
    this.waiting = [];
    this.waitingBytes = 0;
    for (const w of list) {
      const e = newEntry(this.streams.ensure(w.stream, w.cls, w.topic), w.body, w.at);
      const settle = w.settle;
      if (settle) e.settle = (durable) => settle({ stream: w.stream, seq: String(e.seq), durable });
      this.journal.put(e);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // What the journal reports

  private committed(batch: Batch): void {
    this.storedTotal += batch.intake;
    const now = this.options.clock.wallMs();
    const show = this.options.onStored;
    for (const e of batch.written) {
      if (show && this.shownStreams.has(e.stream.name)) show(new StoredView(e));
      e.settle?.(true);
      e.settle = undefined;
      this.sender.offerLive(e);
      if (this.janitor.oldestAt[e.cls] === undefined) this.janitor.oldestAt[e.cls] = now;
    }
    this.sender.deleted(batch.deleted);
    for (const p of batch.plans) {
      this.lossTotal += p.losses.length;
      p.done(true);
    }
    if (batch.written.length > 0) this.sender.notifyReady();
    this.janitor.afterWrite(batch.deleted, batch.intake > 0);
  }

  /** A write failed: storage is unwritable. Its records go to the memory ring; the rest waits for recovery. */
  private writeFailed(err: Error, puts: Entry[], dels: Entry[], plans: DropPlan[]): void {
    this.lastError = err.message;
    for (const p of plans) {
      // The drop did not happen, so neither did its loss records: the seqs the failed write gave them are given back
      // (they were the last of the loss stream in that batch).
      const loss = p.losses[0];
      if (loss && loss.seq > 0) loss.stream.next = Math.min(loss.stream.next, loss.seq);
      p.done(false);
    }
    for (const e of dels) this.journal.delete(e);
    if (this.mode === 'ok') {
      this.mode = 'degraded';
      this.options.log.error(
        { dir: this.options.config.dir, err: err.message, ringBytes: this.options.config.memoryRingBytes },
        'outbox storage is unwritable (disk full or read-only?): records are kept in memory, bounded, until it can be written again',
      );
      this.sender.invalidateReads();
      this.scheduleRecovery(() => this.tryRecover());
    }
    this.fallback.admit([...puts, ...this.journal.takePuts()]);
  }

  private async tryRecover(): Promise<void> {
    if (this.mode !== 'degraded') return;
    this.recovering = true;
    try {
      while (this.sender.isReading || this.janitor.busy || this.journal.busy) await new Promise((r) => setTimeout(r, 10));
      const moved = await this.fallback.recover();
      this.mode = 'ok';
      this.lastError = undefined;
      this.options.log.info({ moved }, 'outbox storage writable again: records held in memory are now on disk');
      // Start the backlog over so that what was held only in memory is sent in order with the rest.
      this.sender.rewind(false);
      this.journal.schedule();
      this.sender.notifyReady();
      void this.janitor.run('evicted');
    } catch (err) {
      this.lastError = (err as Error).message;
      this.scheduleRecovery(() => this.tryRecover());
    } finally {
      this.recovering = false;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Loss records

  private lossEntry(range: LossRange | { stream: StreamState; first: number; last: number; count: number }, reason: LossRecord['reason']): { entry: Entry; record: LossRecord } {
    const wall = this.options.clock.wallMs();
    const r = range as Partial<LossRange> & { stream: StreamState; first: number; last: number; count: number };
    const record = lossRecord(
      this.options.vehicle,
      {
        streamName: r.stream.name,
        className: className(r.stream.cls),
        first: r.first,
        last: r.last,
        count: r.count,
        ...(r.firstAt !== undefined ? { firstAt: r.firstAt } : {}),
        ...(r.lastAt !== undefined ? { lastAt: r.lastAt } : {}),
      },
      reason,
      wall,
      this.options.clock.monoMs(),
    );
    const stream = this.streams.ensure(LOSS_STREAM, ALARM, this.options.topics.loss);
    // Sequenced like any record: in the write that stores it (or when it enters the memory ring).
    const entry = newEntry(stream, JSON.stringify(record).slice(1), wall);
    // The daemon's parts hear of it once it is stored.
    entry.settle = () => {
      record.seq = String(entry.seq);
      this.options.onLoss?.(record);
    };
    return { entry, record };
  }

  /**
   * The previous run did not stop cleanly and the machine has booted since: perhaps a power cut, which can take the
   * last unsynced writes and with them seqs that may already have reached the hospital. Every stream resumes at its
   * synced reservation, and the seqs skipped are announced (some may have been delivered; none will be reused).
   * (A crash or kill -9 without a reboot loses nothing written: the kernel still had it.)
   */
  private skipUnsynced(): void {
    // Every stream (the loss stream too) moves past its reservation before any announcement takes a seq.
    const skipped = [...this.streams.all()].filter((s) => s.reservedEnd > s.next).map((s) => ({ s, from: s.next }));
    for (const { s } of skipped) s.next = s.reservedEnd;
    for (const { s, from } of skipped) {
      this.journal.storeNext(s, s.reservedEnd);
      this.journal.put(this.lossEntry({ stream: s, first: from, last: s.reservedEnd - 1, count: s.reservedEnd - from }, 'not-persisted').entry);
    }
    this.options.log.warn('outbox: the previous run stopped without closing its store, and the machine has rebooted since (power cut?): each stream resumes after its reserved seqs, announced as not-persisted');
  }

  /** A previous run handed out seqs it never stored (storage was unwritable when it stopped): skip and announce them. */
  private announceNotPersisted(marks: Map<string, number>): void {
    // A stream that never reached the disk has no known class or topic, and nothing was stored under it: skipped.
    const skipped = [...marks]
      .map(([name, markedNext]) => ({ s: this.streams.get(name), markedNext }))
      .filter((x): x is { s: StreamState; markedNext: number } => x.s !== undefined && x.markedNext > x.s.next)
      .map(({ s, markedNext }) => ({ s, from: s.next, to: markedNext }));
    // Every stream (the loss stream too) moves past its marked seqs before any announcement takes a seq.
    for (const { s, to } of skipped) s.next = Math.max(s.next, to);
    for (const { s, from, to } of skipped) {
      this.journal.storeNext(s, s.next);
      this.journal.put(this.lossEntry({ stream: s, first: from, last: to - 1, count: to - from }, 'not-persisted').entry);
      this.options.log.warn({ stream: s.name, first: from, last: to - 1 }, 'records held only in memory by the previous run were lost; announced');
    }
    if (marks.size > 0) this.journal.onNextCommit(() => this.seqMark.clear());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sending: the uplink's MessageSource is the sender

  take(limits: TakeLimits): OutgoingMessage | undefined {
    return this.sender.take(limits);
  }

  acked(message: OutgoingMessage): void {
    this.sender.acked(message);
  }

  linkUp(): void {
    this.sender.linkUp();
  }

  linkDown(): void {
    this.sender.linkDown();
  }

  onReady(listener: () => void): void {
    this.sender.onReady(listener);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Figures

  private sampleDrain(): void {
    this.drainSamples.push([this.options.clock.monoMs(), this.sender.ackedRecords]);
    if (this.drainSamples.length > 11) this.drainSamples.shift();
  }

  private drainRate(): number {
    const first = this.drainSamples[0];
    const last = this.drainSamples[this.drainSamples.length - 1];
    if (!first || !last || last[0] === first[0]) return 0;
    return Math.round(((last[1] - first[1]) * 1000) / (last[0] - first[0]));
  }

  stats(): OutboxStats {
    const now = this.options.clock.wallMs();
    const ring = this.fallback.ring;
    const classes: ClassStats[] = this.policies.map((p, c) => {
      const ringOnly = ring.countOf(c);
      const oldest = this.janitor.oldestAt[c];
      return {
        class: p.name,
        records: this.journal.stored[c]!.count + ringOnly,
        bytes: this.journal.stored[c]!.bytes,
        quotaBytes: p.quotaBytes,
        evictable: p.evictable,
        expirySeconds: p.expiryMs / 1000,
        oldestAgeMs: oldest === undefined ? (ringOnly > 0 ? 0 : null) : Math.max(0, now - oldest),
        inflightRecords: this.sender.inflightRecords[c]!,
        evicted: this.janitor.evicted[c]!,
        expired: this.janitor.expired[c]!,
      };
    });
    const bytes = this.janitor.totalBytes();
    const lastSync = this.journal.lastSync;
    return {
      state: this.mode,
      ...(this.lastError ? { error: this.lastError } : {}),
      epoch: this.epochId,
      dir: this.options.config.dir,
      records: classes.reduce((n, c) => n + c.records, 0),
      bytes,
      maxBytes: this.options.config.maxBytes,
      overQuota: bytes > this.options.config.maxBytes || classes.some((c) => c.bytes > c.quotaBytes),
      inflightMessages: this.sender.inflightMessages,
      inflightRecords: this.sender.inflightRecords.reduce((a, b) => a + b, 0),
      drainRecordsPerS: this.drainRate(),
      acked: this.sender.ackedRecords,
      stored: this.storedTotal,
      lossRecords: this.lossTotal + this.fallback.lossRecords,
      memoryRing: { records: ring.count, bytes: ring.bytes, capacityBytes: ring.capacityBytes },
      waiting: this.waiting.length + this.journal.queuedPuts,
      hot: this.sender.hotCount,
      backlogBuffered: this.sender.backlogBuffered,
      commits: this.journal.commits,
      lastSyncAgoMs: lastSync ? now - lastSync : null,
      classes,
    };
  }

  streamList(): StreamInfo[] {
    return this.streams.list();
  }
}
