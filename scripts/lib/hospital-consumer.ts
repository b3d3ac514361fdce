// A hospital-side subscriber: receives every envelope of a vehicle (or of all vehicles) and feeds a StreamChecker.
// With `persistent`, the broker keeps its subscription and queued messages across the consumer's reconnects and the
// broker's own clean restarts, so nothing the broker acknowledged is lost on the way to the checker.
import mqtt, { type MqttClient } from 'mqtt';
import { parseEnvelope, type Envelope } from '../../src/outbox/envelope.js';
import { StreamChecker } from './stream-checker.js';

export interface HospitalConsumer {
  readonly client: MqttClient;
  readonly checker: StreamChecker;
  /** Every status message received, parsed. */
  readonly statuses: Array<Record<string, unknown>>;
  /** Called with each envelope as it arrives. */
  onEnvelope?: (envelope: Envelope, topic: string) => void;
  stop(): Promise<void>;
}

export async function startHospitalConsumer(
  url: string,
  options: { vehicle?: string; protocolVersion?: 4 | 5; persistent?: boolean; clientId?: string } = {},
): Promise<HospitalConsumer> {
  const filter = `ambulink/v1/${options.vehicle ?? '+'}/#`;
  const client = mqtt.connect(url, {
    protocolVersion: options.protocolVersion ?? 4,
    clientId: options.clientId ?? `hospital-${process.pid}-${Math.random().toString(16).slice(2, 8)}`,
    clean: !options.persistent,
    ...(options.persistent && options.protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0xffffffff } } : {}),
    reconnectPeriod: 250,
    connectTimeout: 5000,
  });
  const checker = new StreamChecker();
  const consumer: HospitalConsumer = {
    client,
    checker,
    statuses: [],
    async stop() {
      await client.endAsync(true).catch(() => undefined);
    },
  };
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/status')) {
      try {
        consumer.statuses.push(JSON.parse(payload.toString()) as Record<string, unknown>);
      } catch {
        /* not ours */
      }
      return;
    }
    const envelope = parseEnvelope(payload);
    if (!envelope) return;
    checker.add(envelope);
    consumer.onEnvelope?.(envelope, topic);
  });
  // Subscribe on every connection the broker does not resume (a restarted broker without the session, a clean one);
  // ready once the first SUBACK is in, so that nothing published from then on is missed.
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    client.once('error', fail);
    client.on('connect', (connack) => {
      client.off('error', fail);
      if (connack.sessionPresent) return resolve();
      client.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  });
  return consumer;
}
