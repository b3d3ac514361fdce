// The console's MQTT over WebSocket, without a browser: only a logged-in session gets a WebSocket, the CONNECT must
// name that session's user, and the local broker's roles and ACLs hold (a consumer cannot publish a crew action; the
// crew can, and the daemon acts on it).
import https from 'node:https';
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import t, { type Test } from 'tap';
import { WebSocket } from 'ws';
import type { ConsoleStateMessage } from '../../src/console/api-types.js';
import { consoleSections, PASSWORDS } from '../helpers/console.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { monitorCycle } from '../handover/hl7/records.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

async function vehicle(t: Test): Promise<TestDaemon> {
  const dir = tempDir(t, 'ws-');
  return startDaemon(t, consoleSections(dir), { dir });
}

function login(d: TestDaemon, username: string, password: string): Promise<{ status: number; cookie: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port: d.controller.console!.port, path: '/api/login', method: 'POST', rejectUnauthorized: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie']?.[0]?.split(';')[0] }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify({ username, password }));
  });
}

function connect(d: TestDaemon, cookie: string, username: string) {
  return mqtt.connectAsync(`wss://127.0.0.1:${d.controller.console!.port}/mqtt`, {
    username,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    wsOptions: { headers: { cookie }, rejectUnauthorized: false },
  });
}

t.test('login answers: wrong password 401, right password a Secure HttpOnly session cookie', async (t) => {
  const d = await vehicle(t);
  t.equal((await login(d, 'crew', 'nope')).status, 401);
  t.equal((await login(d, 'mallory', PASSWORDS.crew)).status, 401);
  const ok = await login(d, 'crew', PASSWORDS.crew);
  t.equal(ok.status, 200);
  t.match(ok.cookie, /^ambulink_console=[A-Za-z0-9_-]{40,}$/);
});

t.test('the CONNECT must name the logged-in user', async (t) => {
  const d = await vehicle(t);
  const { cookie } = await login(d, 'tablet', PASSWORDS.tablet);
  await t.rejects(connect(d, cookie!, 'crew'), /Bad username or password|Not authorized/i, "a consumer's session cannot become the crew");
  const ok = await connect(d, cookie!, 'tablet');
  t.ok(ok.connected);
  await ok.endAsync();
});

t.test('roles hold over the WebSocket: a consumer cannot send a crew action, the crew can', async (t) => {
  const d = await vehicle(t);
  const actions: string[] = [];
  d.controller.local!.broker.onCrewAction((a) => actions.push(`${a.username}:${a.action}`));
  const crewAction = 'ambulink/v1/TEST-1/crew/encounter/open';

  const consumer = await connect(d, (await login(d, 'tablet', PASSWORDS.tablet)).cookie!, 'tablet');
  let dropped = false;
  consumer.on('close', () => (dropped = true));
  consumer.publish(crewAction, '{}', { qos: 1 });
  await waitFor(() => dropped, 'the broker to drop the consumer that published');

  const crew = await connect(d, (await login(d, 'crew', PASSWORDS.crew)).cookie!, 'crew');
  t.teardown(() => crew.endAsync());
  await crew.publishAsync(crewAction, '{}', { qos: 1 });
  await waitFor(() => actions.length > 0, 'the crew action');
  t.same(actions, ['crew:encounter/open'], "only the crew's action reached the daemon");
});

t.test('a PUBLISH to a console leaves as one WebSocket frame, and a burst shares frames', async (t) => {
  const d = await vehicle(t);
  const { cookie } = await login(d, 'tablet', PASSWORDS.tablet);
  // A raw WebSocket client, so the frames themselves are seen (mqtt.js would reassemble them).
  const ws = new WebSocket(`wss://127.0.0.1:${d.controller.console!.port}/mqtt`, 'mqtt', { headers: { cookie: cookie! }, rejectUnauthorized: false });
  t.teardown(() => ws.terminate());
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  const packets: mqttPacket.Packet[] = [];
  let frames = 0;
  parser.on('packet', (p: mqttPacket.Packet) => packets.push(p));
  ws.on('message', (data: Buffer) => {
    frames++;
    parser.parse(data);
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'raw-ws', keepalive: 30, username: 'tablet', password: Buffer.from(PASSWORDS.tablet) }));
  ws.send(mqttPacket.generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: 'ambulink/v1/TEST-1/probe/#', qos: 0 }] }));
  await waitFor(() => packets.some((p) => p.cmd === 'suback'), 'the SUBACK');

  const count = (cmd: string) => packets.filter((p) => p.cmd === cmd).length;
  const broker = d.controller.local!.broker;
  const before = frames;
  broker.publish('ambulink/v1/TEST-1/probe/one', JSON.stringify({ a: 'x'.repeat(300) }));
  await waitFor(() => count('publish') === 1, 'the first PUBLISH');
  t.equal(frames - before, 1, 'one PUBLISH, one frame (not one per piece mqtt-packet writes)');

  const burstFrom = frames;
  for (let i = 0; i < 50; i++) broker.publish(`ambulink/v1/TEST-1/probe/${i}`, JSON.stringify({ i }));
  await waitFor(() => count('publish') === 51, 'the burst of 50');
  t.ok(frames - burstFrom < 50, `50 PUBLISHes in ${frames - burstFrom} frame(s)`);
  const topics = packets.filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish').map((p) => p.topic);
  t.same(topics.slice(1), Array.from({ length: 50 }, (_, i) => `ambulink/v1/TEST-1/probe/${i}`), 'all of them, in order, whole');
});

t.test("the console's batched feed: every record of a tenth of a second in one message, in order, never to a tablet's #", async (t) => {
  const d = await vehicle(t);
  const topics = d.controller.env.topics;
  const cycle = monitorCycle(Date.now());
  const emitCycle = () => {
    for (const r of cycle) d.controller.env.bus.emit('record', { ...r, vehicle: 'TEST-1' });
  };
  // A tablet on the TCP listener with `#`: it gets each record on its own topic, never the feed as well.
  const tablet = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.controller.local!.broker.port}`, { username: 'tablet', password: PASSWORDS.tablet, protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => tablet.endAsync());
  const tabletTopics: string[] = [];
  tablet.on('message', (topic) => tabletTopics.push(topic));
  await tablet.subscribeAsync('#');

  emitCycle(); // no console connected: nothing is batched
  await waitFor(() => tabletTopics.filter((x) => x.includes('/data/')).length >= cycle.length, 'the records at the tablet');

  const console = await connect(d, (await login(d, 'tablet', PASSWORDS.tablet)).cookie!, 'tablet');
  t.teardown(() => console.endAsync());
  const feed: Array<{ items: Array<{ metric: { ref: string } }> }> = [];
  console.on('message', (topic, payload) => {
    if (topic === topics.consoleFeed) feed.push(JSON.parse(payload.toString()) as (typeof feed)[number]);
  });
  await console.subscribeAsync(topics.consoleFeed);
  emitCycle();
  await waitFor(() => feed.length > 0, 'a feed message');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(feed.length, 1, 'the cycle came as one message');
  t.same(feed[0]!.items.map((i) => i.metric.ref), cycle.map((r) => r.metric.ref), 'every record, in order');
  t.equal(tabletTopics.filter((x) => x === topics.consoleFeed).length, 0, "a tablet's # does not get the feed");
  const dataTopics = new Set(cycle.map((r) => topics.forRecord(r)));
  t.equal(tabletTopics.filter((x) => dataTopics.has(x)).length, 2 * cycle.length, 'the tablet got each record once per cycle, on its own topic');
});

t.test("the daemon's state pushed to open consoles: status and pending setpoints every 2 s, nothing while none is open", async (t) => {
  const d = await vehicle(t);
  const topics = d.controller.env.topics;
  // A tablet on the TCP listener subscribed to the state topic itself: it sees pushes only while a console is open.
  const tablet = await mqtt.connectAsync(`mqtt://127.0.0.1:${d.controller.local!.broker.port}`, { username: 'tablet', password: PASSWORDS.tablet, protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => tablet.endAsync());
  let atTablet = 0;
  tablet.on('message', (topic) => (topic === topics.consoleState ? atTablet++ : undefined));
  await tablet.subscribeAsync(topics.consoleState);
  await new Promise((r) => setTimeout(r, 2500));
  t.equal(atTablet, 0, 'no console open: nothing pushed');

  const console = await connect(d, (await login(d, 'crew', PASSWORDS.crew)).cookie!, 'crew');
  const pushed: ConsoleStateMessage[] = [];
  console.on('message', (topic, payload) => (topic === topics.consoleState ? pushed.push(JSON.parse(payload.toString()) as ConsoleStateMessage) : undefined));
  await console.subscribeAsync(topics.consoleState);
  await waitFor(() => pushed.length >= 2, 'two pushes', 15_000);
  const first = pushed[0]!;
  t.ok(Array.isArray(first.pending), 'the pending setpoints');
  t.same(first.status.devices.map((x) => x.id), d.controller.env.config.devices.filter((x) => x.enabled).map((x) => x.id), "the devices, as `ambulink devices` lists them");
  t.ok('outbox' in first.status.sections || 'uplink' in first.status.sections || Object.keys(first.status.sections).length > 0, 'the status sections');
  t.ok(Date.parse(pushed[1]!.status.at) > Date.parse(first.status.at), 'a fresh status each time');

  await console.endAsync();
  await waitFor(() => d.controller.console!.liveClients === 0, 'the console gone', 10_000);
  const after = atTablet;
  await new Promise((r) => setTimeout(r, 2500));
  t.equal(atTablet, after, 'the console closed: pushing stops');
});
