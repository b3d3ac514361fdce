// The hospital side for setpoint tests: a real MQTT broker (aedes, ephemeral port), the gateway's connection to it
// behind the setpoint service's interfaces (CommandChannel, DurablePublisher) as a real mqtt.js client, and the
// command centre's own mqtt.js client that publishes commands and collects results and checkpoints (the witness).
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { topicMatches } from '../../src/core/topics.js';
import type { CommandChannel, DurablePublisher, HospitalChannel, InboundCommand } from '../../src/core/hospital-channel.js';
import { parseEnvelope, type Envelope } from '../../src/outbox/index.js';
import { FINAL_STATES } from '../../src/setpoints/reasons.js';
import type { ResultMessage } from '../../src/setpoints/result.js';
import { waitFor } from './wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export class GatewayMqtt implements CommandChannel, DurablePublisher {
  private readonly handlers: Array<{ filter: string; handler: (m: InboundCommand) => void }> = [];

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m: InboundCommand = { topic, payload, qos: packet.qos, retain: packet.retain, dup: packet.dup, messageId: packet.messageId };
      for (const h of this.handlers) if (topicMatches(h.filter, topic)) h.handler(m);
    });
  }

  subscribe(filter: string, handler: (m: InboundCommand) => void): () => void {
    const entry = { filter, handler };
    this.handlers.push(entry);
    this.client.subscribe(filter, { qos: 1 });
    return () => void this.handlers.splice(this.handlers.indexOf(entry), 1);
  }

  async publish(message: { topic: string; payload: Record<string, unknown> }): Promise<void> {
    await this.client.publishAsync(message.topic, JSON.stringify(message.payload), { qos: 1 });
  }
}

export interface Hospital {
  port: number;
  /** What the gateway is given (bound to a fresh gateway connection per daemon start). */
  channel(t: TestLike): Promise<HospitalChannel>;
  results: ResultMessage[];
  checkpoints: string[];
  /** The outbox envelopes received (only when the gateway sends through its uplink). */
  envelopes: Envelope[];
  send(topic: string, payload: Buffer | string, options?: { retain?: boolean }): Promise<void>;
  finalOf(commandId: string, timeoutMs?: number): Promise<ResultMessage>;
  statesOf(commandId: string): string[];
}

export async function startHospital(t: TestLike, vehicle: string): Promise<Hospital> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  const centre = await mqtt.connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, clientId: `centre-${port}`, reconnectPeriod: 200 });
  const results: ResultMessage[] = [];
  const checkpoints: string[] = [];
  const envelopes: Envelope[] = [];
  centre.on('message', (topic, payload) => {
    // Through the daemon's uplink, messages arrive as outbox envelopes (`items`, each with its seq); through the
    // test's own client, one bare message each.
    const envelope = parseEnvelope(payload);
    if (envelope) envelopes.push(envelope);
    const items: unknown[] = envelope ? envelope.items : [JSON.parse(payload.toString())];
    if (topic.endsWith('/setpoint/result')) results.push(...(items as ResultMessage[]));
    else if (topic.endsWith('/audit/checkpoint')) checkpoints.push(...items.map((i) => JSON.stringify(i)));
  });
  await centre.subscribeAsync([`ambulink/v1/${vehicle}/cmd/+/setpoint/result`, `ambulink/v1/${vehicle}/audit/checkpoint`], { qos: 1 });
  t.teardown(async () => {
    await centre.endAsync(true);
    await new Promise<void>((r) => broker.close(() => r()));
    await new Promise<void>((r) => server.close(() => r()));
  });
  return {
    port,
    results,
    checkpoints,
    envelopes,
    async channel(tt) {
      const client = await mqtt.connectAsync({ host: '127.0.0.1', port, protocolVersion: 4, clientId: `gw-${vehicle}-${Math.random().toString(16).slice(2)}`, clean: true, reconnectPeriod: 200 });
      tt.teardown(() => client.endAsync(true));
      const gw = new GatewayMqtt(client);
      return { commands: gw, publisher: gw };
    },
    async send(topic, payload, options = {}) {
      await centre.publishAsync(topic, typeof payload === 'string' ? payload : payload, { qos: 1, retain: options.retain ?? false });
    },
    finalOf(commandId, timeoutMs = 30_000) {
      return waitFor(() => results.find((r) => r.commandId === commandId && FINAL_STATES.has(r.state) && !r.duplicate && !r.reconciled), `a final result for ${commandId}`, timeoutMs);
    },
    statesOf(commandId) {
      return results.filter((r) => r.commandId === commandId).map((r) => (r.duplicate ? `dup:${r.state}` : r.reconciled ? `reconciled:${r.state}` : r.state));
    },
  };
}
