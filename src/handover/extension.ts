// The handover as a daemon extension: every validated record from the bus goes to each destination's builder (and
// about once a second its tick), and what they complete is queued durably for that destination. `ambulink handover`
// reads the queues' status, releases a parked destination and lists dead letters over the control socket. Off unless
// the vehicle YAML lists destinations.
import { join } from 'node:path';
import { ControlMethodError } from '../control/server.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { Encounter } from '../encounter/encounter.js';
import { SCHEMA_VERSION, type CanonicalRecord, type EventRecord } from '../schema/index.js';
import type { DestinationConfig } from './config-schema.js';
import type { BuiltMessages, HandoverBuilder, HandoverMessage } from './destination.js';
import { findKind } from './kinds.js';
import { DestinationQueue, type DestinationStatus } from './queue.js';
import { HandoverStore, type DeadLetter } from './store.js';

const TICK_MS = 1000;

export interface HandoverParts {
  /** The record gate's door: the dead-letter announcements go through it like any record. */
  readonly ingest: (record: CanonicalRecord) => void;
  readonly encounter: () => Encounter | undefined;
}

interface Destination {
  readonly config: DestinationConfig;
  readonly builder: HandoverBuilder;
  readonly queue: DestinationQueue;
  /** The last of the builder's promised messages not yet in the queue: what comes after waits for it. */
  pending: Promise<void> | undefined;
}

export interface HandoverReport {
  destinations: DestinationStatus[];
}

export class HandoverExtension implements Extension {
  readonly name = 'handover';
  private store: HandoverStore | undefined;
  private destinations: Destination[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: HandoverParts,
  ) {}

  get configured(): DestinationConfig[] {
    return (this.env.config.handover?.destinations ?? []).filter((d) => d.enabled);
  }

  async start(): Promise<void> {
    const configured = this.configured;
    if (configured.length === 0) return;
    const { config, log, clock, bus, control } = this.env;
    const store = new HandoverStore(join(config.storage.dataDir, 'handover'));
    await store.open();
    this.store = store;
    for (const d of configured) {
      const kind = findKind(d.kind);
      if (!kind) throw new Error(`handover destination "${d.name}": no destination kind "${d.kind}"`);
      const dlog = log.child({ part: 'handover', destination: d.name });
      const { builder, transport } = kind.create(d, { destination: d.name, vehicle: config.vehicle.id, log: dlog, clock, encounter: this.parts.encounter, ingest: this.parts.ingest });
      const queue = new DestinationQueue({
        name: d.name,
        kind: d.kind,
        store,
        transport,
        options: {
          maxRetries: d.maxRetries,
          retryBackoff: { initialMs: d.retryInitialMs, maxMs: d.retryMaxMs, factor: 2, jitter: 0.2 },
          syncWrites: d.syncWrites,
        },
        clock,
        log: dlog,
        onDeadLetter: (name, letter) => this.parts.ingest(this.deadLetterRecord(name, letter)),
      });
      await queue.start();
      this.destinations.push({ config: d, builder, queue, pending: undefined });
    }
    bus.on(this, 'record', (record) => {
      for (const d of this.destinations) this.enqueue(d, () => d.builder.onRecord(record, clock.wallMs()));
    });
    this.timer = setInterval(() => {
      for (const d of this.destinations) this.enqueue(d, () => d.builder.tick(clock.wallMs()));
    }, TICK_MS);
    this.timer.unref();
    control.register('handover', () => this.report());
    control.register('handover.release', async (params) => ({ released: await this.find(params.destination).queue.release() }));
    control.register('handover.deadletters', async (params) => {
      const limit = typeof params.limit === 'number' && params.limit > 0 ? params.limit : 100;
      return (await this.find(params.destination).queue.deadLetters(limit)).map(({ seq, message, reason, at }) => ({
        seq,
        id: message.id,
        type: message.type,
        builtAt: new Date(message.createdAt).toISOString(),
        deadLetteredAt: new Date(at).toISOString(),
        reason,
        body: message.body,
      }));
    });
    this.env.statusSections.set('handover', () => this.report());
    log.info({ destinations: this.destinations.map((d) => `${d.config.name} (${d.config.kind})`) }, 'handover running');
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.env.bus.removeListeners(this);
    for (const d of this.destinations) {
      // What the builder has promised goes into the queue before it closes.
      await d.pending;
      await d.builder.stop?.();
      await d.queue.stop();
    }
    this.destinations = [];
    await this.store?.close();
    this.store = undefined;
  }

  report(): HandoverReport {
    return { destinations: this.destinations.map((d) => d.queue.status()) };
  }

  /**
   * A builder's messages into its queue, in the order the builder made them: messages promised (the FHIR builder's,
   * validated in its thread) and any that follow them wait their turn. A builder that throws is a bug, logged, and
   * does not stop the others.
   */
  private enqueue(d: Destination, build: () => BuiltMessages): void {
    let built: BuiltMessages;
    try {
      built = build();
    } catch (err) {
      this.env.log.error({ part: 'handover', destination: d.config.name, err: (err as Error).message }, 'handover builder failed on a record');
      return;
    }
    if (Array.isArray(built) && (built.length === 0 || !d.pending)) return this.toQueue(d, built);
    const pending: Promise<void> = (d.pending ?? Promise.resolve())
      .then(async () => this.toQueue(d, await built))
      .catch((err: Error) => this.env.log.error({ part: 'handover', destination: d.config.name, err: err.message }, 'handover builder failed on a record'));
    d.pending = pending;
    void pending.finally(() => {
      if (d.pending === pending) d.pending = undefined;
    });
  }

  private toQueue(d: Destination, messages: HandoverMessage[]): void {
    if (messages.length === 0) return;
    d.queue.enqueue(messages).catch((err: Error) => {
      this.env.log.error({ part: 'handover', destination: d.config.name, err: err.message, lost: messages.map((m) => m.id) }, 'handover messages could not be stored');
    });
  }

  private find(name: unknown): Destination {
    const d = this.destinations.find((x) => x.config.name === name);
    if (!d) {
      const names = this.destinations.map((x) => x.config.name).join(', ') || 'none';
      throw new ControlMethodError('unknown-destination', `no handover destination "${String(name)}" (configured: ${names})`);
    }
    return d;
  }

  /** The announcement of a dead letter: an event of the gateway's, without the message itself (it may carry PHI). */
  private deadLetterRecord(destination: string, letter: DeadLetter): EventRecord {
    const { clock, config } = this.env;
    const now = new Date(clock.wallMs()).toISOString();
    return {
      kind: 'event',
      schema: SCHEMA_VERSION,
      vehicle: config.vehicle.id,
      device: 'gateway',
      driver: 'handover',
      observedAt: new Date(letter.at).toISOString(),
      receivedAt: now,
      mono: clock.monoMs(),
      event: 'handover.dead_lettered',
      detail: {
        destination,
        messageId: letter.message.id,
        messageType: letter.message.type,
        reason: letter.reason,
        builtAt: new Date(letter.message.createdAt).toISOString(),
      },
    };
  }
}
