// The alternative a user would pick instead of the outbox: a local mosquitto with persistence, bridging to the
// hospital broker. Measured here the same way: how fast it drains a queue when the hospital returns, and what of
// its acknowledged messages survives `kill -9`.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { LinkEmulator } from '../lib/link-emulator.js';
import { startMosquitto, type Mosquitto } from '../lib/mosquitto.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Setup {
  hospital: Mosquitto;
  link: LinkEmulator;
  local: Mosquitto;
  received: () => number;
  stop(): Promise<void>;
}

/** hospital mosquitto ← link (blacked out) ← local mosquitto with a persistent bridge; a consumer on the hospital. */
async function setup(dir: string, autosave: string[]): Promise<Setup> {
  const hospital = await startMosquitto({ dir: join(dir, 'hospital') });
  const received = new Set<string>();
  const consumer = mqtt.connect(hospital.url, { protocolVersion: 4, clientId: `bridge-consumer-${process.pid}` });
  await new Promise<void>((resolve) => consumer.once('connect', () => consumer.subscribe('ambulink/#', { qos: 1 }, () => resolve())));
  consumer.on('message', (_t, payload) => received.add(payload.toString('latin1', 0, 24)));
  const link = new LinkEmulator({ host: '127.0.0.1', port: hospital.port });
  await link.start();
  link.blackout();
  const local = await startMosquitto({
    dir: join(dir, 'local'),
    persistence: true,
    extra: [
      ...autosave,
      'connection hospital',
      `address 127.0.0.1:${link.port}`,
      'topic ambulink/# out 1',
      'cleansession false',
      'bridge_protocol_version mqttv311',
      'restart_timeout 1',
      'keepalive_interval 5',
    ],
  });
  return {
    hospital,
    link,
    local,
    received: () => received.size,
    async stop() {
      await consumer.endAsync(true);
      await local.stop('SIGKILL');
      await link.stop();
      await hospital.stop();
    },
  };
}

/** Publishes numbered QoS 1 messages to the local broker; resolves with the number acknowledged. */
async function publish(url: string, count: number, stop: { now: boolean } = { now: false }): Promise<{ acked: () => number; done: Promise<void> }> {
  const client = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `bridge-producer-${process.pid}`, reconnectPeriod: 0 });
  client.on('error', () => undefined);
  let sent = 0;
  let acked = 0;
  const filler = 'x'.repeat(300);
  const done = new Promise<void>((resolve) => {
    client.once('close', () => resolve());
    const pump = () => {
      while (!stop.now && sent < count && sent - acked < 100) {
        const id = String(sent++).padStart(24, '0');
        client.publish('ambulink/v1/BENCH/data/gps0/location', `${id}${filler}`, { qos: 1 }, (err) => {
          if (err) return;
          acked++;
          if (acked === count) resolve();
          else pump();
        });
      }
    };
    pump();
  }).finally(() => client.end(true));
  return { acked: () => acked, done };
}

/** Waits for deliveries to start (up to 30 s: the bridge reconnects on its own schedule) and then to stop. */
async function settle(received: () => number, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const startBy = Date.now() + 30_000;
  while (received() === 0 && Date.now() < startBy) await sleep(100);
  let last = -1;
  let since = Date.now();
  while (Date.now() < deadline) {
    const n = received();
    if (n !== last) {
      last = n;
      since = Date.now();
    } else if (Date.now() - since > quietMs) return;
    await sleep(100);
  }
}

/** Drain rate: `count` messages queued in the local broker while the hospital is unreachable, then the link opens. */
export async function bridgeDrain(dir: string, count: number): Promise<Record<string, number>> {
  const s = await setup(dir, []);
  try {
    const pub = await publish(s.local.url, count);
    await pub.done;
    s.link.blackoutEnd();
    // Timed from the first message at the hospital: the bridge's own reconnect delay is not the drain.
    const deadline = Date.now() + 300_000;
    while (s.received() === 0 && Date.now() < deadline) await sleep(1);
    const t0 = performance.now();
    const first = s.received();
    while (s.received() < count && Date.now() < deadline) await sleep(5);
    const seconds = (performance.now() - t0) / 1000;
    return { queued: pub.acked(), delivered: s.received(), drain_msgs_per_s: Math.round((s.received() - first) / seconds) };
  } finally {
    await s.stop();
  }
}

/**
 * What survives `kill -9` of the local broker: `count` messages acknowledged by it (or, with `duringIntake`, as many as
 * were acknowledged before a kill in the middle of publishing), then the broker is killed, restarted, and the link
 * opened. `lost` = acknowledged but never delivered.
 */
export async function bridgeKill9(dir: string, count: number, autosave: string[], duringIntake: boolean): Promise<Record<string, number>> {
  const s = await setup(dir, autosave);
  try {
    const stop = { now: false };
    const pub = await publish(s.local.url, count, stop);
    if (duringIntake) {
      await sleep(1000 + Math.random() * 2000);
    } else {
      await pub.done;
      await sleep(500);
    }
    await s.local.stop('SIGKILL');
    stop.now = true;
    await pub.done;
    const acked = pub.acked();
    await s.local.start();
    s.link.blackoutEnd();
    await settle(s.received, 5000, 120_000);
    const delivered = s.received();
    return { acknowledged: acked, delivered, lost: Math.max(0, acked - delivered) };
  } finally {
    await s.stop();
  }
}
