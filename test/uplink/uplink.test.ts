// The outbox and the uplink against real brokers: Debian's mosquitto (MQTT 5) and the embedded aedes (3.1.1), with
// the project's link emulator in between where the link has to misbehave.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import mqtt from 'mqtt';
import t from 'tap';
import { startHospitalConsumer } from '../../scripts/lib/hospital-consumer.js';
import { LinkEmulator } from '../../scripts/lib/link-emulator.js';
import { mosquittoAvailable, startMosquitto, type Mosquitto } from '../../scripts/lib/mosquitto.js';
import { StandInBroker } from '../../src/broker/stand-in-broker.js';
import type { InboundMessage } from '../../src/uplink/inbound.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { alarm, numeric, startLink, waveform } from '../outbox/helpers.js';

interface Teardown {
  teardown(fn: () => unknown): void;
}

const noMosquitto = mosquittoAvailable() ? false : 'mosquitto is not installed (/usr/sbin/mosquitto)';

async function mosquitto(t: Teardown, dir: string, extra: Partial<Parameters<typeof startMosquitto>[0]> = {}): Promise<Mosquitto> {
  const m = await startMosquitto({ dir: join(dir, 'mosquitto'), ...extra });
  t.teardown(() => m.stop());
  return m;
}

async function aedes(t: Teardown): Promise<StandInBroker> {
  const b = new StandInBroker();
  await b.start();
  t.teardown(() => b.stop());
  return b;
}

async function emulator(t: Teardown, port: number): Promise<LinkEmulator> {
  const link = new LinkEmulator({ host: '127.0.0.1', port });
  await link.start();
  t.teardown(() => link.stop());
  return link;
}

for (const broker of ['mosquitto', 'aedes'] as const) {
  t.test(`${broker}: every record arrives, in order per stream, with the facts in the payload`, { skip: broker === 'mosquitto' && noMosquitto }, async (t) => {
    const dir = tempDir(t);
    const url = broker === 'mosquitto' ? (await mosquitto(t, dir)).url : (await aedes(t)).url;
    const consumer = await startHospitalConsumer(url, { vehicle: 'TEST-1', protocolVersion: broker === 'mosquitto' ? 5 : 4 });
    t.teardown(() => consumer.stop());
    const props: Array<Record<string, unknown> | undefined> = [];
    consumer.client.on('message', (topic, _p, packet) => {
      if (topic.includes('/data/mon/waveform')) props.push(packet.properties as Record<string, unknown> | undefined);
    });
    const order = new Map<string, number[]>();
    consumer.onEnvelope = (e) => {
      const list = order.get(e.stream) ?? [];
      list.push(...e.items.map((i) => Number(i.seq)));
      order.set(e.stream, list);
    };
    const link = await startLink(t, dir, url);
    await waitFor(() => link.uplink.connected, 'the uplink to connect');
    t.equal(link.uplink.stats().protocol, broker === 'mosquitto' ? 5 : 4, broker === 'mosquitto' ? 'MQTT 5' : 'fell back to 3.1.1');
    for (let i = 0; i < 3000; i++) {
      link.outbox.enqueueRecord(numeric('mon', i));
      if (i % 3 === 0) link.outbox.enqueueRecord(waveform('mon', 25));
      if (i % 500 === 0) link.outbox.enqueueRecord(alarm('mon', `a${i}`));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => consumer.checker.received('mon/numeric') === 3000 && consumer.checker.received('mon/waveform') === 1000, 'everything at the hospital', 60_000);
    const report = consumer.checker.report();
    t.equal(report.missing, 0);
    t.equal(report.duplicates_after_dedupe, 0);
    for (const [stream, list] of order) t.same(list, [...list].sort((a, b) => a - b), `${stream} arrived in seq order`);
    t.equal(order.get('mon/alarm')!.length, 6);
    await waitFor(() => link.outbox.stats().records === 0, 'the outbox to empty after the PUBACKs');
    const batches = link.uplink.stats().published;
    t.ok(batches < 3000 + 1000 + 6, `records were batched per stream (${batches} messages for 4006 records)`);
    const p = props[0];
    if (broker === 'mosquitto') {
      t.match(p, { userProperties: { stream: 'mon/waveform', historical: 'false', schema: '1' }, contentType: 'application/json' }, 'MQTT 5 user properties');
      t.ok(typeof p?.messageExpiryInterval === 'number' && p.messageExpiryInterval > 3000, 'waveforms carry their class expiry');
    } else {
      t.notOk(p?.userProperties, 'no properties in 3.1.1: the payload says it all');
    }
  });
}

t.test('birth and death: retained status with bdSeq; the Will when the link dies; goodbye on a clean stop', { skip: noMosquitto }, async (t) => {
  const dir = tempDir(t);
  const m = await mosquitto(t, dir);
  const proxy = await emulator(t, m.port);
  const consumer = await startHospitalConsumer(m.url, { vehicle: 'TEST-1' });
  t.teardown(() => consumer.stop());
  const link = await startLink(t, dir, proxy.url);
  const birth = await waitFor(() => consumer.statuses.find((s) => s.state === 'online'), 'the birth');
  t.match(birth, { vehicle: 'TEST-1', epoch: link.outbox.epoch, outbox: { state: 'ok' } });
  const first = birth.bdSeq as number;
  // The link dies without a DISCONNECT: the broker publishes the Will, with that connection's bdSeq.
  proxy.reset();
  const death = await waitFor(() => consumer.statuses.find((s) => s.state === 'offline'), 'the Will');
  t.match(death, { bdSeq: first, reason: 'connection lost' });
  const rebirth = await waitFor(() => consumer.statuses.find((s) => s.state === 'online' && (s.bdSeq as number) > first), 'a new birth');
  t.ok((rebirth.bdSeq as number) > first, 'a later death for the old bdSeq can be told apart');
  await link.stop();
  const bye = await waitFor(() => consumer.statuses.find((s) => s.state === 'offline' && s.reason === 'stopped'), 'the goodbye');
  t.equal(bye.bdSeq, rebirth.bdSeq);
  // The last word stays retained for whoever subscribes later.
  const late = await mqtt.connectAsync(m.url);
  t.teardown(() => late.endAsync());
  const retained = await new Promise<Record<string, unknown>>((resolve) => {
    late.on('message', (_t, payload, packet) => packet.retain && resolve(JSON.parse(payload.toString()) as Record<string, unknown>));
    void late.subscribeAsync('ambulink/v1/TEST-1/status');
  });
  t.match(retained, { state: 'offline', reason: 'stopped' });
});

t.test('a stalled link (open, passing nothing) is torn down and rebuilt; nothing is lost', { skip: noMosquitto }, async (t) => {
  const dir = tempDir(t);
  const m = await mosquitto(t, dir);
  const proxy = await emulator(t, m.port);
  const consumer = await startHospitalConsumer(m.url, { vehicle: 'TEST-1' });
  t.teardown(() => consumer.stop());
  const link = await startLink(t, dir, proxy.url, { uplink: { stallTimeoutMs: 1500, keepaliveSeconds: 60 } });
  await waitFor(() => link.uplink.connected, 'connected');
  for (let i = 0; i < 100; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 100, 'the first hundred');
  proxy.stall();
  for (let i = 0; i < 100; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => link.uplink.stats().stalls >= 1, 'the stall to be detected', 60_000);
  // Torn down on detection, rebuilt after the reconnect backoff: wait for it rather than race it on a loaded machine.
  await waitFor(() => proxy.counts.connections >= 2, 'a new connection', 60_000);
  t.ok(proxy.counts.connections >= 2, 'a new connection was made');
  await waitFor(() => consumer.checker.received('mon/numeric') === 200, 'the rest, over the new connection', 60_000);
  t.equal(consumer.checker.report().missing, 0);
  await waitFor(() => link.outbox.stats().records === 0, 'all acknowledged and deleted');
});

t.test('broker gone and back: records wait on disk, then arrive, those made meanwhile flagged historical', { skip: noMosquitto }, async (t) => {
  const dir = tempDir(t);
  const m = await mosquitto(t, dir, { persistence: true });
  const consumer = await startHospitalConsumer(m.url, { vehicle: 'TEST-1', persistent: true, clientId: `hospital-${process.pid}` });
  t.teardown(() => consumer.stop());
  const link = await startLink(t, dir, m.url);
  await waitFor(() => link.uplink.connected, 'connected');
  for (let i = 0; i < 50; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 50, 'the first fifty');
  await m.stop();
  await waitFor(() => !link.uplink.connected, 'the uplink to notice');
  for (let i = 0; i < 500; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await link.outbox.flush();
  await waitFor(() => link.outbox.stats().records === 500, 'stored while the broker is away');
  await m.start();
  await waitFor(() => consumer.checker.received('mon/numeric') === 550, 'the backlog at the hospital', 60_000);
  t.equal(consumer.checker.report().missing, 0);
  t.ok(consumer.checker.historicalItems >= 500, 'made while the broker was away: historical');
  t.ok(link.uplink.stats().reconnects >= 1);
  await waitFor(() => link.outbox.stats().records === 0, 'deleted after the PUBACKs');
});

t.test('inbound: hospital → vehicle messages with the packet facts a safety service needs', { skip: noMosquitto }, async (t) => {
  const dir = tempDir(t);
  const m = await mosquitto(t, dir);
  const hospital = await mqtt.connectAsync(m.url, { protocolVersion: 5 });
  t.teardown(() => hospital.endAsync());
  const topic = 'ambulink/v1/TEST-1/cmd/vent/setpoint';
  // A command retained on the broker before the vehicle connects: a safety service must be able to tell it is stale.
  await hospital.publishAsync(topic, JSON.stringify({ id: 'old' }), { qos: 1, retain: true });
  const link = await startLink(t, dir, m.url);
  const got: InboundMessage[] = [];
  const unsubscribe = link.uplink.subscribe('ambulink/v1/TEST-1/cmd/+/setpoint', (msg) => got.push(msg));
  await waitFor(() => got.length === 1, 'the retained command');
  t.match(got[0], { topic, retain: true, qos: 1, protocolVersion: 5 });
  t.equal(JSON.parse(got[0]!.payload.toString()).id, 'old');
  await hospital.publishAsync(topic, JSON.stringify({ id: 'new' }), {
    qos: 1,
    properties: { userProperties: { signer: 'dr-a' }, correlationData: Buffer.from('c1'), responseTopic: `${topic}/result` },
  });
  await waitFor(() => got.length === 2, 'the live command');
  const live = got[1]!;
  t.match(live, { retain: false, dup: false, qos: 1, properties: { userProperties: { signer: 'dr-a' }, responseTopic: `${topic}/result` } });
  t.ok(typeof live.messageId === 'number', 'the message id');
  t.same(live.properties.correlationData, Buffer.from('c1'));
  unsubscribe();
  await hospital.publishAsync(topic, JSON.stringify({ id: 'after' }), { qos: 1 });
  await new Promise((r) => setTimeout(r, 500));
  t.equal(got.length, 2, 'nothing after unsubscribing');
  await hospital.publishAsync(topic, '', { qos: 1, retain: true });
});

t.test('mutual TLS: the uplink presents its client certificate; without one the broker refuses', { skip: noMosquitto }, async (t) => {
  const dir = tempDir(t);
  const pki = join(dir, 'pki');
  execFileSync('sh', [
    '-c',
    [
      `mkdir -p ${pki} && cd ${pki}`,
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca 2>/dev/null',
      'openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null',
      'printf "subjectAltName=IP:127.0.0.1\\n" > san.ext',
      'openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null',
      'openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=TEST-1 2>/dev/null',
      'openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null',
    ].join(' && '),
  ]);
  const m = await mosquitto(t, dir, { tls: { ca: join(pki, 'ca.crt'), cert: join(pki, 'server.crt'), key: join(pki, 'server.key') } });
  const tls = { ca: join(pki, 'ca.crt'), cert: join(pki, 'client.crt'), key: join(pki, 'client.key'), rejectUnauthorized: true };
  const link = await startLink(t, join(dir, 'a'), m.url, { uplink: { tls } });
  await waitFor(() => link.uplink.connected, 'connected over mutual TLS');
  t.match(link.uplink.stats(), { url: m.url, state: 'connected', protocol: 5 });
  const anonymous = await startLink(t, join(dir, 'b'), m.url, { uplink: { tls: { ca: tls.ca, rejectUnauthorized: true } } });
  await waitFor(() => anonymous.uplink.stats().lastError !== null, 'the refusal');
  t.notOk(anonymous.uplink.connected, 'no client certificate, no connection');
  const missing = await startLink(t, join(dir, 'c'), m.url, { uplink: { tls: { ...tls, key: join(pki, 'nope.key') } } });
  await waitFor(() => missing.uplink.stats().lastError, 'the error');
  t.match(missing.uplink.stats().lastError, /cannot read uplink\.tls\.key .*nope\.key \(ENOENT\)/, 'a missing file is named, its contents never');
});
