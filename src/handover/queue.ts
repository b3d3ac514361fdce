// One destination's durable FIFO: messages are on disk before anything is sent and leave it only when the destination
// commits them. One message in flight at a time, in order; the outcome of each attempt decides what happens next:
//   committed → deleted;
//   retry     → the same message (same id) again after an exponential backoff with jitter; after `maxRetries` answered
//               errors (HL7 AE/CE) the destination is parked: its head stays on disk, first in line, and nothing more is
//               sent until `ambulink handover release` (messages keep queuing behind it, in order). Link failures (no
//               answer in time, connection lost) are resent without counting: an outage never parks a good message;
//   rejected  → dead-lettered at once (kept on disk, listed, announced through `onDeadLetter`), and the next goes.
import { setTimeout as sleep } from 'node:timers/promises';
import { Backoff, type BackoffOptions } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryOutcome, HandoverMessage, HandoverTransport } from './destination.js';
import type { DeadLetter, DestinationMeta, HandoverStore, QueuedMessage } from './store.js';

export interface QueueOptions {
  /** Answered errors (AE/CE, 5xx) of one message before the destination is parked. */
  readonly maxRetries: number;
  /** Delay before a resend: doubles from initialMs up to maxMs, with jitter. */
  readonly retryBackoff: BackoffOptions;
  /** Sync every enqueue to the disk (power loss); without it an enqueued message survives kill -9 but not a power cut. */
  readonly syncWrites: boolean;
}

export const defaultQueueOptions: QueueOptions = {
  maxRetries: 5,
  retryBackoff: { initialMs: 1000, maxMs: 60_000, factor: 2, jitter: 0.2 },
  syncWrites: false,
};

export interface DestinationStatus {
  name: string;
  kind: string;
  link: string;
  queued: number;
  /** Age of the oldest queued message, ms (null when none). */
  oldestAgeMs: number | null;
  lastAckAt: string | null;
  /** The message being delivered, and how often it has been tried. */
  inFlight: { id: string; type: string; attempts: number } | null;
  parked: { messageId: string; reason: string; since: string } | null;
  deadLettered: number;
  /** Since this start. */
  committed: number;
  retries: number;
  lastError: string | null;
}

export interface DestinationQueueParts {
  readonly name: string;
  readonly kind: string;
  readonly store: HandoverStore;
  readonly transport: HandoverTransport;
  readonly options: QueueOptions;
  readonly clock: Clock;
  readonly log: Logger;
  /** A message was dead-lettered (or was, before a crash, without its announcement): tell the hospital and the crew. */
  readonly onDeadLetter: (destination: string, letter: DeadLetter) => void;
}

/** How many queued messages are read from disk at once: the queue's memory does not grow with the backlog. */
const READ_AHEAD = 64;

export class DestinationQueue {
  private nextSeq = 1;
  private queued = 0;
  private deadLettered = 0;
  private meta: DestinationMeta = {};
  private readAhead: QueuedMessage[] = [];
  /** Highest seq taken from disk into readAhead: the next read starts after it (and so skips deleted keys). */
  private readUpTo = 0;
  private inFlight: { entry: QueuedMessage; attempts: number } | undefined;
  private committed = 0;
  private retries = 0;
  private lastError: string | null = null;
  /** Enqueue writes one at a time, in seq order: a read never sees seq n+1 on disk before seq n. */
  private writes: Promise<void> = Promise.resolve();
  private waiter: (() => void) | undefined;
  /** Something happened while the loop was busy (an enqueue, a release): the next idle() returns at once. */
  private woken = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private running = false;

  constructor(private readonly parts: DestinationQueueParts) {}

  get name(): string {
    return this.parts.name;
  }

  async start(): Promise<void> {
    const { store, name, transport } = this.parts;
    const state = await store.load(name);
    this.nextSeq = state.nextSeq;
    this.queued = state.queued;
    this.deadLettered = state.deadLettered;
    this.meta = state.meta;
    await this.announceUnannounced();
    // The head is read now, not when the loop first sends: a destination parked before the restart never sends until
    // released, and its status would show no oldest message although messages are queued.
    if (this.queued > 0) await this.head();
    await transport.start();
    this.running = true;
    this.loop = this.run().catch((err: Error) => {
      this.lastError = err.message;
      this.parts.log.error({ destination: name, err: err.message }, 'handover queue stopped on a storage error');
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.wake();
    await this.loop;
    await this.writes.catch(() => undefined);
    await this.parts.transport.stop();
  }

  /** Stores messages at the tail; resolves once they are written (sent later, in order). */
  enqueue(messages: readonly HandoverMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const first = this.nextSeq;
    this.nextSeq += messages.length;
    const write = this.writes.then(async () => {
      await this.parts.store.append(this.parts.name, first, messages, this.parts.options.syncWrites);
      this.queued += messages.length;
      this.wake();
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Un-parks: the parked message is sent again, first, with a fresh retry count. False when nothing was parked. */
  async release(): Promise<boolean> {
    if (!this.meta.parked) return false;
    const { parked: _released, ...rest } = this.meta;
    this.meta = rest;
    await this.parts.store.putMeta(this.parts.name, this.meta);
    this.parts.log.info({ destination: this.parts.name }, 'handover destination released');
    this.wake();
    return true;
  }

  deadLetters(limit = 100): Promise<DeadLetter[]> {
    return this.parts.store.deadLetters(this.parts.name, limit);
  }

  status(): DestinationStatus {
    const now = this.parts.clock.wallMs();
    const head = this.inFlight?.entry ?? this.readAhead[0];
    const parked = this.meta.parked;
    return {
      name: this.parts.name,
      kind: this.parts.kind,
      link: this.parts.transport.linkState,
      queued: this.queued,
      oldestAgeMs: head && this.queued > 0 ? Math.max(0, now - head.message.createdAt) : null,
      lastAckAt: this.meta.lastAckAt ? new Date(this.meta.lastAckAt).toISOString() : null,
      inFlight: this.inFlight
        ? { id: this.inFlight.entry.message.id, type: this.inFlight.entry.message.type, attempts: this.inFlight.attempts }
        : null,
      parked: parked ? { messageId: parked.messageId, reason: parked.reason, since: new Date(parked.at).toISOString() } : null,
      deadLettered: this.deadLettered,
      committed: this.committed,
      retries: this.retries,
      lastError: this.lastError,
    };
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(this.parts.options.retryBackoff);
    /** Answered errors of the head message (link failures are not counted). */
    let errors = 0;
    while (this.running) {
      if (this.meta.parked) {
        await this.idle();
        errors = 0;
        continue;
      }
      const entry = await this.head();
      if (!this.running) break; // a stop while the head was read from disk: nothing is sent
      if (!entry) {
        await this.idle();
        continue;
      }
      this.inFlight = { entry, attempts: (this.inFlight?.entry === entry ? this.inFlight.attempts : 0) + 1 };
      const outcome = await this.parts.transport.send(entry.message, this.abort.signal);
      if (!this.running) break; // stopping: whatever the outcome, the message stays on disk for the next run
      if (outcome.kind === 'committed') {
        await this.commit(entry);
        errors = 0;
        backoff.reset();
      } else if (outcome.kind === 'rejected') {
        await this.reject(entry, outcome.reason);
        errors = 0;
        backoff.reset();
      } else {
        this.retries++;
        this.lastError = outcome.reason;
        if (!outcome.linkFailure) errors++;
        if (errors > this.parts.options.maxRetries) {
          await this.park(entry, outcome);
          backoff.reset();
          continue;
        }
        const delay = outcome.retryAfterMs ?? backoff.next();
        this.parts.log.warn(
          { destination: this.parts.name, id: entry.message.id, reason: outcome.reason, attempt: this.inFlight.attempts, delayMs: delay },
          'handover message will be resent',
        );
        await this.pause(delay);
      }
    }
    this.inFlight = undefined;
  }

  /** The oldest queued message: from the read-ahead, refilled from disk when empty. */
  private async head(): Promise<QueuedMessage | undefined> {
    if (this.readAhead.length === 0) {
      await this.writes;
      this.readAhead = await this.parts.store.readQueue(this.parts.name, this.readUpTo, READ_AHEAD);
      const last = this.readAhead[this.readAhead.length - 1];
      if (last) this.readUpTo = last.seq;
    }
    return this.readAhead[0];
  }

  private async commit(entry: QueuedMessage): Promise<void> {
    this.meta = { ...this.meta, lastAckAt: this.parts.clock.wallMs() };
    await this.parts.store.commit(this.parts.name, entry.seq, this.meta);
    this.done(entry);
    this.committed++;
    this.lastError = null;
  }

  private async reject(entry: QueuedMessage, reason: string): Promise<void> {
    const letter: DeadLetter = { seq: entry.seq, message: entry.message, reason, at: this.parts.clock.wallMs(), announced: false };
    await this.parts.store.deadLetter(this.parts.name, letter);
    this.done(entry);
    this.deadLettered++;
    this.lastError = reason;
    this.parts.log.error({ destination: this.parts.name, id: entry.message.id, type: entry.message.type, reason }, 'handover message dead-lettered');
    await this.announce(letter);
  }

  private async park(entry: QueuedMessage, outcome: Extract<DeliveryOutcome, { kind: 'retry' }>): Promise<void> {
    const reason = `${this.parts.options.maxRetries + 1} errors in a row, last: ${outcome.reason}`;
    this.meta = { ...this.meta, parked: { messageId: entry.message.id, reason, at: this.parts.clock.wallMs() } };
    await this.parts.store.putMeta(this.parts.name, this.meta);
    this.parts.log.error(
      { destination: this.parts.name, id: entry.message.id, reason },
      'handover destination parked: nothing more is sent until `ambulink handover release`',
    );
  }

  private done(entry: QueuedMessage): void {
    if (this.readAhead[0] === entry) this.readAhead.shift();
    this.queued = Math.max(0, this.queued - 1);
    this.inFlight = undefined;
  }

  private async announce(letter: DeadLetter): Promise<void> {
    this.parts.onDeadLetter(this.parts.name, letter);
    await this.parts.store.markAnnounced(this.parts.name, letter);
  }

  /** Dead letters whose announcement a crash may have cut off are announced again (at least once). */
  private async announceUnannounced(): Promise<void> {
    if (this.deadLettered === 0) return;
    for (const letter of await this.parts.store.deadLetters(this.parts.name, Number.MAX_SAFE_INTEGER)) {
      if (!letter.announced) await this.announce(letter);
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) waiter();
    else this.woken = true;
  }

  /** Waits for an enqueue, a release or the stop (at once if one came while the loop was busy). */
  private idle(): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      this.waiter = resolve;
    });
  }

  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }
}
