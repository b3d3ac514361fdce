// Reads the MQTT traffic the link emulator carries between the gateway and the hospital broker (with mqtt-packet, the
// parser mqtt.js itself uses) and remembers which (stream, seq) the broker acknowledged: a QoS 1 PUBLISH of an
// envelope, then its PUBACK. The chaos harness uses it to tell a gap the gateway left (never acknowledged by the
// broker, never announced) from one the broker made (acknowledged, then lost, e.g. to its own kill -9).
import mqttPacket, { type Packet } from 'mqtt-packet';
import type { LinkObserver } from './link-emulator.js';

type Parser = ReturnType<typeof mqttPacket.parser>;

interface Flow {
  /** The gateway's side; mqtt-packet's parser takes the protocol version from the CONNECT it parses. */
  up: Parser;
  /** The broker's side, made once the CONNECT says which version both speak. */
  down: Parser | undefined;
  /** messageId → the envelope's stream key and seqs, until its PUBACK. */
  unacked: Map<number, { key: string; seqs: number[] }>;
}

export class WireTap implements LinkObserver {
  /** "vehicle/stream" → seq → when (Date.now()) the broker last acknowledged a message carrying it. */
  private readonly acked = new Map<string, Map<number, number>>();
  private readonly flows = new Map<number, Flow>();
  publishes = 0;
  pubacks = 0;

  opened(connection: number): void {
    const flow: Flow = { up: mqttPacket.parser({ protocolVersion: 4 }), down: undefined, unacked: new Map() };
    flow.up.on('packet', (p: Packet) => this.fromGateway(flow, p));
    // A parse error ends what can be read of that connection; the gaps it leaves are counted as the gateway's.
    flow.up.on('error', () => undefined);
    this.flows.set(connection, flow);
  }

  data(connection: number, direction: 'up' | 'down', chunk: Buffer): void {
    const flow = this.flows.get(connection);
    if (!flow) return;
    if (direction === 'up') flow.up.parse(chunk);
    else flow.down?.parse(chunk);
  }

  closed(connection: number): void {
    this.flows.delete(connection);
  }

  /** Whether the broker acknowledged a message carrying this seq. */
  brokerAcked(key: string, seq: number): boolean {
    return this.acked.get(key)?.has(seq) === true;
  }

  /** When the broker last acknowledged a message carrying this seq (Date.now()); undefined if it never did. */
  ackedAt(key: string, seq: number): number | undefined {
    return this.acked.get(key)?.get(seq);
  }

  private fromGateway(flow: Flow, p: Packet): void {
    if (p.cmd === 'connect') {
      const down = mqttPacket.parser({ protocolVersion: p.protocolVersion ?? 4 });
      down.on('packet', (q: Packet) => this.fromBroker(flow, q));
      down.on('error', () => undefined);
      flow.down = down;
      return;
    }
    if (p.cmd !== 'publish' || p.qos !== 1 || p.messageId === undefined) return;
    let env: unknown;
    try {
      env = JSON.parse(p.payload.toString());
    } catch {
      return;
    }
    const e = env as { vehicle?: unknown; stream?: unknown; items?: Array<{ seq?: unknown }> };
    if (typeof e.vehicle !== 'string' || typeof e.stream !== 'string' || !Array.isArray(e.items)) return;
    this.publishes++;
    flow.unacked.set(p.messageId, { key: `${e.vehicle}/${e.stream}`, seqs: e.items.map((i) => Number(i.seq)) });
  }

  private fromBroker(flow: Flow, p: Packet): void {
    if (p.cmd !== 'puback' || p.messageId === undefined) return;
    const sent = flow.unacked.get(p.messageId);
    if (!sent) return;
    flow.unacked.delete(p.messageId);
    // MQTT 5: a reason code of 0x80 or more is a refusal, not an acknowledgement.
    if ((p.reasonCode ?? 0) >= 0x80) return;
    this.pubacks++;
    let seqs = this.acked.get(sent.key);
    if (!seqs) this.acked.set(sent.key, (seqs = new Map()));
    const now = Date.now();
    for (const s of sent.seqs) seqs.set(s, now);
  }
}
