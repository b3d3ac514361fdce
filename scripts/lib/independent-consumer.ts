// A consumer that knows nothing of the outbox: a plain mqtt.js subscriber with a persistent session, as a hospital's
// own integration would be written from the README alone. It reads every JSON message under ambulink/v1/, takes each
// item that carries a "seq" (an envelope's items, or a single record as the local broker publishes them), and counts
// (vehicle, stream, seq). Loss records announce ranges of one stream. At the end every seq from 1 to the highest seen
// is either received, or covered by a received loss record, or a gap nobody announced — the one thing that must
// never happen.
import mqtt, { type MqttClient } from 'mqtt';

interface SeenStream {
  seqs: Set<number>;
  max: number;
  duplicates: number;
}

export interface IndependentReport {
  streams: number;
  /** Distinct (vehicle, stream, seq). */
  records: number;
  /** Copies received more than once (at-least-once resends). */
  duplicates: number;
  /** Seqs in [1, highest seen] not received but covered by a received loss record. */
  loss_announced: number;
  /** Seqs in [1, highest seen] neither received nor announced. */
  gaps_unannounced: number;
  /** Per stream (vehicle/stream): distinct, highest, unannounced gaps. */
  perStream: Record<string, { distinct: number; max: number; unannounced: number; announced: number }>;
  /** A few unannounced gaps, "vehicle/stream#seq". */
  sample: string[];
}

export interface IndependentConsumer {
  readonly client: MqttClient;
  /** Messages received. */
  readonly messages: () => number;
  report(): IndependentReport;
  /** Every (vehicle/stream, seq) received. */
  seen(): ReadonlyMap<string, ReadonlySet<number>>;
  /** Every seq in [1, highest seen] neither received nor announced: [vehicle/stream, seq]. */
  gaps(): Array<[string, number]>;
  /** Whether this seq was received, or announced as lost by a loss record received. */
  accounted(key: string, seq: number): boolean;
  stop(): Promise<void>;
}

type Item = { seq?: unknown; kind?: unknown; stream?: unknown; firstSeq?: unknown; lastSeq?: unknown; device?: unknown };

/**
 * `streamOf(topic, item)` names the stream a single record belongs to when it does not arrive in an envelope (the local
 * broker's records): default "{device}/{kind}".
 */
export async function startIndependentConsumer(
  url: string,
  options: { clientId: string; filter?: string; username?: string; password?: string },
): Promise<IndependentConsumer> {
  const streams = new Map<string, SeenStream>();
  const lost = new Map<string, Array<[number, number]>>();
  let messages = 0;
  const stream = (key: string) => {
    let s = streams.get(key);
    if (!s) streams.set(key, (s = { seqs: new Set(), max: 0, duplicates: 0 }));
    return s;
  };
  const item = (vehicle: string, streamName: string, it: Item) => {
    if (typeof it.seq !== 'string' && typeof it.seq !== 'number') return;
    const seq = Number(it.seq);
    const s = stream(`${vehicle}/${streamName}`);
    if (s.seqs.has(seq)) s.duplicates++;
    else s.seqs.add(seq);
    if (seq > s.max) s.max = seq;
    if (it.kind === 'loss' && typeof it.stream === 'string') {
      const key = `${vehicle}/${it.stream}`;
      const ranges = lost.get(key) ?? [];
      ranges.push([Number(it.firstSeq), Number(it.lastSeq)]);
      lost.set(key, ranges);
    }
  };
  const client = mqtt.connect(url, {
    protocolVersion: 4,
    clientId: options.clientId,
    clean: false,
    reconnectPeriod: 250,
    connectTimeout: 5000,
    ...(options.username ? { username: options.username, password: options.password } : {}),
  });
  client.on('error', () => undefined);
  client.on('message', (topic, payload) => {
    let v: unknown;
    try {
      v = JSON.parse(payload.toString());
    } catch {
      return;
    }
    if (!v || typeof v !== 'object') return;
    messages++;
    const o = v as { vehicle?: unknown; stream?: unknown; items?: unknown } & Item;
    const vehicle = typeof o.vehicle === 'string' ? o.vehicle : topic.split('/')[2] ?? '?';
    if (Array.isArray(o.items) && typeof o.stream === 'string') {
      for (const it of o.items as Item[]) if (it && typeof it === 'object') item(vehicle, o.stream, it);
    } else if (typeof o.kind === 'string' && typeof o.device === 'string') {
      item(vehicle, o.kind === 'loss' ? 'gateway/loss' : `${o.device}/${o.kind}`, o);
    }
  });
  const filter = options.filter ?? 'ambulink/v1/#';
  await new Promise<void>((resolve, reject) => {
    const fail = (err: Error) => reject(err);
    client.once('error', fail);
    client.on('connect', (connack) => {
      client.off('error', fail);
      if (connack.sessionPresent) return resolve();
      client.subscribe(filter, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  });
  return {
    client,
    messages: () => messages,
    seen: () => new Map([...streams].map(([k, s]) => [k, s.seqs])),
    gaps() {
      const out: Array<[string, number]> = [];
      for (const [key, s] of streams) {
        const ranges = lost.get(key) ?? [];
        for (let seq = 1; seq <= s.max; seq++) {
          if (!s.seqs.has(seq) && !ranges.some(([f, l]) => seq >= f && seq <= l)) out.push([key, seq]);
        }
      }
      return out;
    },
    accounted: (key, seq) => streams.get(key)?.seqs.has(seq) === true || (lost.get(key) ?? []).some(([f, l]) => seq >= f && seq <= l),
    report() {
      let records = 0;
      let duplicates = 0;
      let announced = 0;
      let unannounced = 0;
      const sample: string[] = [];
      const perStream: IndependentReport['perStream'] = {};
      for (const [key, s] of streams) {
        records += s.seqs.size;
        duplicates += s.duplicates;
        const ranges = lost.get(key) ?? [];
        let a = 0;
        let u = 0;
        for (let seq = 1; seq <= s.max; seq++) {
          if (s.seqs.has(seq)) continue;
          if (ranges.some(([f, l]) => seq >= f && seq <= l)) a++;
          else {
            u++;
            if (sample.length < 20) sample.push(`${key}#${seq}`);
          }
        }
        announced += a;
        unannounced += u;
        perStream[key] = { distinct: s.seqs.size, max: s.max, unannounced: u, announced: a };
      }
      return { streams: streams.size, records, duplicates, loss_announced: announced, gaps_unannounced: unannounced, perStream, sample };
    },
    async stop() {
      await client.endAsync(true).catch(() => undefined);
    },
  };
}
