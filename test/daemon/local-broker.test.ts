// The embedded broker: everyone authenticates; consumers read, never publish; only the crew publishes, and only
// crew actions; records arrive on their documented topics.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import t, { type Test } from 'tap';
import type { CanonicalRecord } from '../../src/schema/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

async function daemonWithUsers(t: Test) {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'tablet.pw'), 'tablet-secret\n');
  writeFileSync(join(dir, 'crew.pw'), 'crew-secret\n');
  const d = await startDaemon(
    t,
    {
      localBroker: {
        users: [
          { username: 'tablet', passwordFile: join(dir, 'tablet.pw'), role: 'consumer' },
          { username: 'crew', passwordFile: join(dir, 'crew.pw'), role: 'crew' },
        ],
      },
    },
    { dir },
  );
  return { d, port: d.controller.local!.broker.port };
}

function connect(port: number, username?: string, password?: string) {
  return mqtt.connectAsync({ host: '127.0.0.1', port, username, password, reconnectPeriod: 0, connectTimeout: 10_000 });
}

t.test('wrong or missing credentials are refused', async (t) => {
  const { port } = await daemonWithUsers(t);
  await t.rejects(connect(port, 'tablet', 'nope'), /Bad username or password|Not authorized/i);
  await t.rejects(connect(port), /Bad username or password|Not authorized/i);
  await t.rejects(connect(port, 'mallory', 'tablet-secret'), /Bad username or password|Not authorized/i);
});

t.test('a consumer reads records and the retained status, and cannot publish anywhere', async (t) => {
  const { d, port } = await daemonWithUsers(t);
  const tablet = await connect(port, 'tablet', 'tablet-secret');
  t.teardown(() => tablet.endAsync());
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  tablet.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
  await tablet.subscribeAsync('ambulink/v1/TEST-1/#', { qos: 1 });
  const status = await waitFor(() => got.find((m) => m.topic === 'ambulink/v1/TEST-1/status'), 'retained status');
  t.ok(status.retain);
  t.match(JSON.parse(status.payload), { state: 'online', vehicle: 'TEST-1' });

  const record = {
    kind: 'event', schema: 1, vehicle: 'TEST-1', device: 'gateway', driver: 'test', event: 'crew.action',
    observedAt: '2026-11-25T10:00:00.000Z', receivedAt: '2026-11-25T10:00:00.000Z', mono: 1,
  } as CanonicalRecord;
  d.controller.gate!.ingest(record);
  const m = await waitFor(() => got.find((x) => x.topic === 'ambulink/v1/TEST-1/data/gateway/event'), 'the event on its topic');
  t.same(JSON.parse(m.payload), record);

  // A consumer's publish is refused: mqtt 3.1.1 brokers close the connection rather than answer.
  const watcher = await connect(port, 'tablet', 'tablet-secret');
  t.teardown(() => watcher.endAsync());
  const seen: string[] = [];
  watcher.on('message', (topic) => seen.push(topic));
  await watcher.subscribeAsync('ambulink/v1/TEST-1/#');
  const rogue = await connect(port, 'tablet', 'tablet-secret');
  const closed = new Promise<void>((r) => rogue.once('close', () => r()));
  rogue.publish('ambulink/v1/TEST-1/cmd/vent/setpoint', '{"evil":true}', { qos: 1 });
  rogue.publish('ambulink/v1/TEST-1/data/vent/numeric', '{"fake":true}', { qos: 1 });
  await closed;
  await rogue.endAsync(true);
  // Give the broker the chance to (wrongly) forward, then check nothing came through.
  d.controller.gate!.ingest({ ...record, event: 'crew.marker' } as CanonicalRecord);
  await waitFor(() => seen.includes('ambulink/v1/TEST-1/data/gateway/event'), 'a marker published after the rogue attempts');
  t.notOk(seen.includes('ambulink/v1/TEST-1/cmd/vent/setpoint'), 'no command injected');
  t.notOk(seen.includes('ambulink/v1/TEST-1/data/vent/numeric'), 'no data forged');
});

t.test('the crew may publish crew actions, and nothing else', async (t) => {
  const { port } = await daemonWithUsers(t);
  const tablet = await connect(port, 'tablet', 'tablet-secret');
  t.teardown(() => tablet.endAsync());
  const seen: string[] = [];
  tablet.on('message', (topic) => seen.push(topic));
  await tablet.subscribeAsync('ambulink/v1/TEST-1/#');
  const crew = await connect(port, 'crew', 'crew-secret');
  t.teardown(() => crew.endAsync(true));
  await crew.publishAsync('ambulink/v1/TEST-1/crew/confirm', '{"ok":true}', { qos: 1 });
  await waitFor(() => seen.includes('ambulink/v1/TEST-1/crew/confirm'), 'the crew action delivered');
  const closed = new Promise<void>((r) => crew.once('close', () => r()));
  crew.publish('ambulink/v1/TEST-1/cmd/vent/setpoint', '{}', { qos: 1 });
  await closed;
  t.notOk(seen.includes('ambulink/v1/TEST-1/cmd/vent/setpoint'));
});

t.test('subscriptions outside the vehicle tree are refused', async (t) => {
  const { port } = await daemonWithUsers(t);
  const tablet = await connect(port, 'tablet', 'tablet-secret');
  t.teardown(() => tablet.endAsync());
  await t.rejects(tablet.subscribeAsync('$SYS/#', { qos: 0 }), /Subscribe error/, 'SUBACK 0x80');
  await t.rejects(tablet.subscribeAsync('ambulink/v1/OTHER-VEHICLE/#', { qos: 0 }), /Subscribe error/);
  await t.resolves(tablet.subscribeAsync('ambulink/v1/TEST-1/alarm/+', { qos: 1 }));
});

t.test('with an uplink, the tablet sees each record once stored, with the seq the hospital gets for it', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'tablet.pw'), 'tablet-secret\n');
  // The hospital: a real broker (aedes) with a subscriber of its own.
  const hospital = await Aedes.createBroker();
  const server = net.createServer(hospital.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => hospital.close(() => server.close(() => r()))));
  const hospitalPort = (server.address() as net.AddressInfo).port;
  const atHospital: Array<{ stream: string; seq: string; item: Record<string, unknown> }> = [];
  const hc = await mqtt.connectAsync({ host: '127.0.0.1', port: hospitalPort, reconnectPeriod: 0 });
  t.teardown(() => hc.endAsync());
  hc.on('message', (_topic, payload) => {
    const env = JSON.parse(payload.toString()) as { stream?: string; items?: Array<Record<string, unknown> & { seq: string }> };
    for (const item of env.items ?? []) atHospital.push({ stream: env.stream!, seq: item.seq, item });
  });
  await hc.subscribeAsync('ambulink/v1/TEST-1/#', { qos: 1 });
  const d = await startDaemon(
    t,
    {
      localBroker: { users: [{ username: 'tablet', passwordFile: join(dir, 'tablet.pw'), role: 'consumer' }] },
      uplink: { url: `mqtt://127.0.0.1:${hospitalPort}`, protocolVersion: 4 },
    },
    { dir },
  );
  const tablet = await connect(d.controller.local!.broker.port, 'tablet', 'tablet-secret');
  t.teardown(() => tablet.endAsync());
  const onTablet: Array<Record<string, unknown>> = [];
  tablet.on('message', (topic, payload) => {
    if (topic.endsWith('/data/gateway/event')) onTablet.push(JSON.parse(payload.toString()) as Record<string, unknown>);
  });
  await tablet.subscribeAsync('ambulink/v1/TEST-1/#', { qos: 1 });
  for (let i = 0; i < 5; i++) {
    d.controller.gate!.ingest({
      kind: 'event', schema: 1, vehicle: 'TEST-1', device: 'gateway', driver: 'test', event: 'crew.marker',
      observedAt: `2026-11-25T10:00:0${i}.000Z`, receivedAt: '2026-11-25T10:00:00.000Z', mono: i + 1,
    } as CanonicalRecord);
  }
  await waitFor(() => {
    const h = atHospital.filter((x) => x.stream === 'gateway/event').length;
    return onTablet.length === 5 && h === 5;
  }, `five events on the tablet and at the hospital`).catch((err: Error) => {
    throw new Error(`${err.message}: tablet ${onTablet.length}, hospital ${JSON.stringify(atHospital.map((x) => x.stream))}`);
  });
  t.same(onTablet.map((r) => r.seq), ['1', '2', '3', '4', '5'], 'each with its seq, in order');
  for (const r of onTablet) {
    const h = atHospital.find((x) => x.stream === 'gateway/event' && x.seq === r.seq)!;
    const { historical: _h, ...item } = h.item;
    t.same(item, r, `seq ${r.seq}: the tablet saw exactly what the hospital got`);
  }
});
