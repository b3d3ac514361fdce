// The outbox's sending side, as the uplink sees it (MessageSource). Live records go out from memory as soon as they
// are stored, one batch per stream in flight; the backlog is read back from disk a chunk at a time, oldest first per
// class, in the capacity the uplink leaves it, and flagged historical. When the connection breaks, everything not
// acknowledged goes back: stored records are read again from disk, in order.
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { MessageSource, OutgoingMessage, TakeLimits } from '../uplink/source.js';
import { CLASS_COUNT, type ClassIndex, type ClassPolicy } from './classes.js';
import { idOfKey, readHeader } from './codec.js';
import { buildEnvelope } from './envelope.js';
import { EntryState, entrySizeOf, type Entry, type StreamState } from './entry.js';
import type { Journal } from './journal.js';
import type { Store } from './store.js';
import type { Streams } from './streams.js';
import { StreamQueues } from './stream-queues.js';

/** Backlog read from disk a chunk at a time, and read again when fewer than this many are buffered. */
const READ_CHUNK = 2000;
const REFILL_BELOW = 2500;
const REFILL_BELOW_BYTES = 4 * 1024 * 1024;
/** Live records held in memory while the link is slower than the intake; past this they are read back as backlog. */
const HOT_LIMIT_BYTES = 8 * 1024 * 1024;
/** Acknowledged records waiting for their deletion: past this, no more backlog is sent until the deletions catch up. */
const MAX_PENDING_DELETES = 8000;

export class OutboxMessage implements OutgoingMessage {
  constructor(
    readonly entries: Entry[],
    readonly cls: ClassIndex,
    readonly backlog: boolean,
    readonly historical: boolean,
    readonly topic: string,
    readonly payload: string,
    readonly acceptedAt: number,
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

export interface SenderContext {
  vehicle: string;
  epoch: () => string;
  store: Store;
  streams: Streams;
  journal: Journal;
  policies: readonly ClassPolicy[];
  log: Logger;
  clock: Clock;
  /** Whether the store can be read and written now. */
  healthy: () => boolean;
  /** A record held only in memory was acknowledged: it leaves the memory ring. */
  memoryAcked: (e: Entry) => void;
}

const perClass = <T>(make: () => T): T[] => Array.from({ length: CLASS_COUNT }, make);

export class Sender implements MessageSource {
  /** Entries in memory that are, or may be, on disk: the backlog reader and eviction skip these ids. */
  readonly pending = new Map<number, Entry>();
  /** Per class, no record below this id is stored (moved up by eviction, expiry and compaction). */
  readonly headHint = perClass(() => 1);
  private readonly hot = perClass(() => new StreamQueues());
  private readonly backlogBuf = perClass(() => new StreamQueues());
  /** First id that went to the hot queue in this connection: the backlog reader stops there. */
  private readonly hotStart: Array<number | undefined> = perClass(() => undefined);
  /** Last id the backlog reader has read, per class. */
  private readonly cursor = perClass(() => 0);
  private readonly backlogDone = perClass(() => true);
  private readonly inflight = new Set<OutboxMessage>();
  readonly inflightRecords = perClass(() => 0);
  private reading = false;
  private generation = 0;
  private up = false;
  private connectedAt = 0;
  private readonly readyListeners: Array<() => void> = [];
  /**
   * A read sees the store as it was when it began: a record deleted meanwhile can still come back from it. Such ids
   * are remembered (with the write that deleted them) for as long as a read that began before that write is running.
   */
  private readonly deletedRecently = new Map<number, number>();
  private readonly reads = new Map<number, number>();
  private readToken = 0;
  /** Records acknowledged since start. */
  ackedRecords = 0;

  constructor(private readonly ctx: SenderContext) {}

  /** Starts from the stored low marks (no read needed to skip what was deleted before). */
  load(lowMarks: readonly number[]): void {
    for (let c = 0; c < CLASS_COUNT; c++) {
      this.headHint[c] = Math.max(1, lowMarks[c] ?? 1);
      this.cursor[c] = this.headHint[c]! - 1;
    }
  }

  get linkIsUp(): boolean {
    return this.up;
  }

  get isReading(): boolean {
    return this.reading;
  }

  get hotCount(): number {
    return this.hot.reduce((n, q) => n + q.count, 0);
  }

  get backlogBuffered(): number {
    return this.backlogBuf.reduce((n, q) => n + q.count, 0);
  }

  get inflightMessages(): number {
    return this.inflight.size;
  }

  onReady(listener: () => void): void {
    this.readyListeners.push(listener);
  }

  notifyReady(): void {
    for (const l of this.readyListeners) l();
  }

  /** A stored record goes straight to the hot queue while the link is up; otherwise it is backlog on disk. */
  offerLive(e: Entry): void {
    if (!this.up) return;
    e.state = EntryState.Queued;
    this.pending.set(e.id, e);
    this.hot[e.cls]!.push(e);
    if (this.hotStart[e.cls] === undefined) this.hotStart[e.cls] = e.id;
    if (this.hotBytes() > HOT_LIMIT_BYTES) this.spillHot();
  }

  /** A record held only in memory (storage unwritable) is sent like a live one. */
  offerMemoryOnly(e: Entry): void {
    this.hot[e.cls]!.push(e);
  }

  /** Records dropped from the memory ring leave the queues too. */
  forgetMemoryOnly(entries: Entry[]): void {
    for (let c = 0; c < CLASS_COUNT; c++) this.hot[c]!.removeEntries(entries.filter((e) => e.cls === c));
  }

  /** Deletions are on disk: reads that begin from now on will not see these records. */
  deleted(entries: readonly Entry[]): void {
    const write = this.ctx.journal.commits;
    for (const e of entries) {
      this.pending.delete(e.id);
      if (this.reads.size > 0) this.deletedRecently.set(e.id, write);
    }
    if (entries.length > 0 && this.up && this.ctx.journal.pendingDeletes <= MAX_PENDING_DELETES) this.notifyReady();
  }

  /** Marks the start of a read of the store; pass the token to endRead. */
  beginRead(): number {
    const token = ++this.readToken;
    this.reads.set(token, this.ctx.journal.commits);
    return token;
  }

  endRead(token: number): void {
    this.reads.delete(token);
    if (this.reads.size === 0) {
      this.deletedRecently.clear();
      return;
    }
    const oldest = Math.min(...this.reads.values());
    for (const [id, write] of this.deletedRecently) if (write <= oldest) this.deletedRecently.delete(id);
  }

  /** Whether a record a read returned may be taken: not in memory already, and not deleted since the read began. */
  isFree(id: number): boolean {
    return !this.pending.has(id) && !this.deletedRecently.has(id);
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

  /** Storage went away under a read: whatever it returns is not to be used. */
  invalidateReads(): void {
    this.generation++;
  }

  linkUp(): void {
    this.up = true;
    this.connectedAt = this.ctx.clock.wallMs();
    this.rewind(true);
    this.notifyReady();
    void this.refill();
  }

  linkDown(): void {
    if (!this.up && this.inflight.size === 0) return;
    this.up = false;
    this.rewind(true);
  }

  /**
   * Everything not acknowledged goes back: in-flight messages are released, stored live records become backlog
   * again and the backlog reader starts over from the oldest unacknowledged record, so each stream's backlog is sent
   * again in order. Records held only in memory go back to the front of their queues. Without `releaseInflight`
   * (storage came back while connected) what is in flight stays in flight, and only the queues start over.
   */
  rewind(releaseInflight: boolean): void {
    this.generation++;
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
    for (const s of this.ctx.streams.all()) s.liveInflight = 0;
  }

  take(limits: TakeLimits): OutgoingMessage | undefined {
    if (!this.up) return undefined;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const q = this.hot[c]!;
      if (q.count === 0) continue;
      const batch = q.take(limits.maxRecords, limits.maxBytes, (s) => s.liveInflight === 0);
      if (batch) return this.send(batch, c, false);
    }
    if (!limits.backlog || this.ctx.journal.pendingDeletes > MAX_PENDING_DELETES) return undefined;
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
    const last = entries[entries.length - 1]!;
    const stream = first.stream;
    const historical = backlog || first.at < this.connectedAt;
    const policy = this.ctx.policies[cls]!;
    const now = this.ctx.clock.wallMs();
    const expirySeconds = policy.expiryMs > 0 ? Math.max(1, Math.ceil((first.at + policy.expiryMs - now) / 1000)) : undefined;
    const epoch = this.ctx.epoch();
    const payload = buildEnvelope(this.ctx.vehicle, epoch, policy.name, entries, historical);
    const msg = new OutboxMessage(entries, cls, backlog, historical, stream.topic, payload, first.at, expirySeconds, {
      stream: stream.name,
      first: String(first.seq),
      last: String(last.seq),
      historical: String(historical),
      epoch,
      schema: '1',
    });
    for (const e of entries) {
      e.state = EntryState.InFlight;
      // A stored entry that has to go again is read again from disk: keeping its text here would only make the
      // in-flight window cost memory twice (here and in the message).
      if (e.durable) e.value = '';
    }
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
        this.ctx.journal.delete(e);
      } else {
        this.pending.delete(e.id);
        this.ctx.memoryAcked(e);
      }
    }
    this.ackedRecords += msg.entries.length;
  }

  /** Reads the next chunk of the highest class with backlog into memory. */
  private async refill(): Promise<void> {
    if (this.reading || !this.up || !this.ctx.healthy()) return;
    const generation = this.generation;
    const { journal, store } = this.ctx;
    for (let c = 0; c < CLASS_COUNT; ) {
      const buf = this.backlogBuf[c]!;
      const end = Math.min(this.hotStart[c] ?? Number.MAX_SAFE_INTEGER, journal.durableEnd);
      if (this.backlogDone[c] || journal.stored[c]!.count === 0 || this.cursor[c]! + 1 >= end) {
        this.backlogDone[c] = true;
        c++;
        continue;
      }
      if (buf.count >= REFILL_BELOW || buf.bytes >= REFILL_BELOW_BYTES) return;
      this.reading = true;
      const token = this.beginRead();
      let rows: Array<[string, string]>;
      try {
        rows = await store.readRange(c, this.cursor[c]!, end, READ_CHUNK);
      } catch (err) {
        this.ctx.log.error({ err: (err as Error).message }, 'outbox: reading the backlog failed');
        this.endRead(token);
        return;
      } finally {
        this.reading = false;
      }
      if (generation !== this.generation || !this.up || !this.ctx.healthy()) {
        this.endRead(token);
        return;
      }
      const before = buf.count;
      for (const [key, value] of rows) {
        const id = idOfKey(key);
        this.cursor[c] = id;
        if (!this.isFree(id)) continue;
        const e = this.entryFromDisk(c, key, id, value);
        if (!e) continue;
        e.backlog = true;
        this.pending.set(id, e);
        buf.push(e);
      }
      this.endRead(token);
      if (rows.length < READ_CHUNK) this.backlogDone[c] = true;
      if (buf.count > before) {
        this.notifyReady();
        return;
      }
      // Nothing new in this chunk (all of it in memory already): read on, or go to the next class.
    }
  }

  entryFromDisk(cls: ClassIndex, key: string, id: number, value: string): Entry | undefined {
    const h = readHeader(value);
    const stream = this.ctx.streams.at(h.streamIndex);
    if (!stream) {
      this.ctx.log.error({ id, stream: h.streamIndex }, 'outbox record of an unknown stream skipped');
      return undefined;
    }
    return { id, key, cls, stream, seq: h.seq, body: '', at: h.at, value, size: entrySizeOf(value), durable: true, backlog: false, state: EntryState.Queued };
  }

  /** No stored record of this class below the result is still waiting: a safe start for reads and compaction. */
  lowerBound(cls: ClassIndex): number {
    let low = this.cursor[cls]! + 1;
    for (const e of this.pending.values()) if (e.cls === cls && e.durable && e.id < low) low = e.id;
    return Math.max(this.headHint[cls]!, low);
  }
}

