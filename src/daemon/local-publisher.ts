// Runs the embedded broker and publishes every record on it, plus the gateway's retained status.
//
// With an uplink, records are published here only once the outbox will deliver or announce them (stored, with their
// seq): a tablet then never sees a seq that the hospital will neither get nor hear of as lost, and it can deduplicate
// and check gaps by (vehicle, stream, seq) as the hospital does. Without an uplink there is no outbox and no seq, and
// records are published as they arrive.
import { BatchedFeed } from '../broker/batched-feed.js';
import { LocalBroker } from '../broker/local-broker.js';
import type { StoredRecord } from '../outbox/stored-record.js';
import { packageVersion } from '../core/paths.js';
import type { CanonicalRecord } from '../schema/index.js';
import type { DaemonEnv, Extension } from './context.js';

export class LocalPublisher implements Extension {
  readonly name = 'local-broker';
  readonly broker: LocalBroker;
  /** Every record again, batched, for the crew console (read only while one is connected). */
  readonly feed: BatchedFeed;

  constructor(private readonly env: DaemonEnv) {
    const { host, port, users } = env.config.localBroker;
    this.broker = new LocalBroker({ host, port, users }, env.topics, env.log);
    this.feed = new BatchedFeed((payload) => this.broker.publish(env.topics.consoleFeed, payload, { qos: 0 }));
  }

  async start(): Promise<void> {
    if (!this.env.config.localBroker.enabled) return;
    await this.broker.start();
    this.publishStatus('online');
    if (!this.env.config.uplink?.enabled) this.env.bus.on(this, 'record', (record) => this.publish(record));
  }

  /** A record the outbox has stored (its JSON, with seq): the outbox calls this. */
  readonly publishStored = (record: StoredRecord): void => {
    // Waveforms are high-rate and superseded at once: QoS 0. Everything else QoS 1 for subscribers that ask for it.
    // Encoded once, for the broker and the console's feed.
    const bytes = Buffer.from(record.payload);
    this.broker.publish(record.topic, bytes, { qos: record.cls === 'waveform' ? 0 : 1 });
    this.feed.add(bytes);
  };

  async stop(): Promise<void> {
    this.env.bus.removeListeners(this);
    this.feed.flush();
    if (!this.env.config.localBroker.enabled) return;
    this.publishStatus('offline');
    await this.broker.stop();
  }

  private publish(record: CanonicalRecord): void {
    // Waveforms are high-rate and superseded at once: QoS 0. Everything else QoS 1 for subscribers that ask for it.
    const bytes = Buffer.from(JSON.stringify(record));
    this.broker.publish(this.env.topics.forRecord(record), bytes, { qos: record.kind === 'waveform' ? 0 : 1 });
    this.feed.add(bytes);
  }

  private publishStatus(state: 'online' | 'offline'): void {
    const { config } = this.env;
    const status = {
      state,
      vehicle: config.vehicle.id,
      version: packageVersion(),
      at: new Date(this.env.clock.wallMs()).toISOString(),
      devices: config.devices.filter((d) => d.enabled).map((d) => ({ id: d.id, driver: d.driver })),
    };
    this.broker.publish(this.env.topics.status, JSON.stringify(status), { qos: 1, retain: true });
  }
}
