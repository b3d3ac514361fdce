// The outbox as a daemon extension: every validated record from the bus goes in; loss records it makes go out on the
// bus too (local consumers see them); `ambulink outbox` and the status report read its figures. It runs only when an
// uplink is configured: without a hospital to send to, there is nothing to store and forward.
import type { DaemonEnv, Extension } from '../daemon/context.js';
import { Outbox, type OutboxOptions } from './outbox.js';

export class OutboxExtension implements Extension {
  readonly name = 'outbox';
  /** The durable queue, for other parts of the gateway (enqueue); undefined when no uplink is configured. */
  readonly queue: Outbox | undefined;

  /** `onStored`: shown each record once stored (the local broker publishes from it). */
  constructor(
    private readonly env: DaemonEnv,
    onStored?: OutboxOptions['onStored'],
  ) {
    const { config } = env;
    this.queue =
      config.uplink?.enabled === true
        ? new Outbox({
            vehicle: config.vehicle.id,
            config: { ...config.outbox, dir: config.outbox.dir! },
            topics: env.topics,
            log: env.log.child({ part: 'outbox' }),
            clock: env.clock,
            onLoss: (record) => env.bus.emit('record', record),
            ...(onStored ? { onStored } : {}),
          })
        : undefined;
  }

  async start(): Promise<void> {
    const outbox = this.queue;
    if (!outbox) return;
    await outbox.start();
    // Loss records come from the outbox itself and are stored there already.
    this.env.bus.on(this, 'record', (record) => {
      if (record.kind !== 'loss') outbox.enqueueRecord(record);
    });
    this.env.control.register('outbox', () => ({ ...outbox.stats(), streams: outbox.streamList() }));
    this.env.statusSections.set('outbox', () => outbox.stats());
  }

  async stop(): Promise<void> {
    this.env.bus.removeListeners(this);
    await this.queue?.stop();
  }
}
