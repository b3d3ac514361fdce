// Connect Indication discovery over real UDP sockets: the simulator announces itself as a monitor does; the driver,
// in the real daemon, logs it, takes model and serial from it, associates with the monitor it names when no address
// is configured, and keeps the configured address when one is (logging the mismatch).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { encodeConnectIndication, parseConnectIndication } from '../../../drivers/philips-intellivue/connect-indication.js';
import { philipsIntellivue } from '../../../drivers/philips-intellivue/index.js';
import { WireError } from '../../../drivers/philips-intellivue/wire.js';
import { createLogger } from '../../../src/core/logger.js';
import { packageRoot } from '../../../src/core/paths.js';
import type { DeviceRecord, NumericRecord } from '../../../src/schema/index.js';
import { startDaemon } from '../../helpers/daemon.js';
import { waitFor } from '../../helpers/wait.js';
import dgram from 'node:dgram';

const fixture = (f: string) => readFileSync(join(packageRoot(), 'fixtures/philips-intellivue', f));

t.test('a real monitor\'s Connect Indication: model, serial, address, MAC, Data Export port', async (t) => {
  t.same(parseConnectIndication(fixture('einstein-connect-indication-m8007a.bin')), {
    port: 24105,
    mac: '00:09:fb:09:77:bd',
    address: '10.13.37.2',
    serial: 'DE22713007',
    manufacturer: 'Philips',
    model: 'M8007A',
  });
});

t.test('what is not a Connect Indication is refused with the reason', async (t) => {
  const real = fixture('einstein-connect-indication-m8007a.bin');
  t.throws(() => parseConnectIndication(real.subarray(0, 20)), /32 bytes needed/, 'too short');
  t.ok((() => { try { parseConnectIndication(real.subarray(0, 20)); } catch (e) { return e instanceof WireError; } return false; })(), 'as a WireError');
  const other = Buffer.from(real);
  other.writeUInt16BE(0x0d06, 24); // an MDS Create event
  t.throws(() => parseConnectIndication(other), /is not a Connect Indication/);
  const long = Buffer.from(real);
  long.writeUInt16BE(0xffff, 30); // attribute list longer than the datagram
  t.throws(() => parseConnectIndication(long), /AttributeList longer than its message/);
});

t.test('the simulator\'s announcement reads back as it was written', async (t) => {
  const msg = encodeConnectIndication({ manufacturer: 'Philips', model: 'M8105A', serial: 'DE00000042', address: '192.168.7.20', port: 40123 });
  t.match(parseConnectIndication(msg), { manufacturer: 'Philips', model: 'M8105A', serial: 'DE00000042', address: '192.168.7.20', port: 40123 });
});

/** A free UDP port for the Connect Indications of one test (tests share the machine: never 24005 itself). */
async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function startAnnouncingMonitor(t: { teardown(f: () => Promise<void>): void }, announcePort: number, params: Record<string, string> = {}) {
  const log = createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
  const sim = await philipsIntellivue.simulator!.start({
    endpoint: { type: 'udp', host: '127.0.0.1', port: 0 },
    params: { seed: '5', announce: `127.0.0.1:${announcePort}`, 'announce-every': '0.3', ...params },
    log,
  });
  t.teardown(() => sim.stop());
  return { sim, port: Number(/:(\d+) /.exec(sim.description)![1]) };
}

t.test('no address configured (0.0.0.0): the driver associates with the monitor its Connect Indication names', async (t) => {
  const ciPort = await freeUdpPort();
  const mon = await startAnnouncingMonitor(t, ciPort, { model: 'M8105A', serial: 'DE77700011' });
  const d = await startDaemon(t, {
    devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '0.0.0.0', port: 24105 }, options: { discovery: { port: ciPort, address: '127.0.0.1' } } }],
  });
  const hr = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE', 'heart rate from the discovered monitor');
  t.match(hr.source, { model: 'M8105A', serial: 'DE77700011' });
  const seen = d.logs.find((l) => l.msg === 'IntelliVue Connect Indication');
  t.match(seen, { model: 'M8105A', serial: 'DE77700011', address: '127.0.0.1', port: mon.port }, 'the indication is logged with model, serial, address');
  t.ok(d.logs.some((l) => l.msg === 'associating with the monitor its Connect Indication names'));
});

t.test('configured address wins; an indication from another address is logged, not followed', async (t) => {
  const ciPort = await freeUdpPort();
  const ours = await startAnnouncingMonitor(t, ciPort, { serial: 'DE00000001' });
  // A second monitor announcing a different address (as another bed on the same LAN would).
  await startAnnouncingMonitor(t, ciPort, { serial: 'DE00000002', 'announce-address': '10.1.2.3' });
  const d = await startDaemon(t, {
    devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port: ours.port }, options: { discovery: { port: ciPort, address: '127.0.0.1' } } }],
  });
  await waitFor(() => d.logs.some((l) => l.msg?.toString().startsWith('Connect Indication from a monitor at another address')), 'the mismatch is logged');
  const warn = d.logs.find((l) => l.msg?.toString().startsWith('Connect Indication from a monitor at another address'))!;
  t.match(warn, { address: '10.1.2.3', serial: 'DE00000002', configured: { host: '127.0.0.1', port: ours.port } });
  const hr = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE', 'heart rate');
  t.match(hr.source, { serial: 'DE00000001' }, 'the data come from the configured monitor');
  const dev = await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.identity?.serial === 'DE00000001', 'identity of the configured monitor');
  t.ok(dev);
});

t.test('discovery off and no address: the device says why it cannot work', async (t) => {
  const d = await startDaemon(t, {
    devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '0.0.0.0', port: 24105 }, options: { discovery: { listen: false } } }],
  });
  await waitFor(() => d.logs.some((l) => l.reason?.toString().includes('discovery.listen is false')), 'the reason is logged');
  t.pass();
});
