// The embedded broker: everyone authenticates; consumers read, never publish; only the crew publishes, and only
// crew actions; records arrive on their documented topics.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
