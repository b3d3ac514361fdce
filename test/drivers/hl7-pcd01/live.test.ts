// The hl7-pcd01 driver through the real daemon: MLLP over real sockets, from a raw test client and from the simulator.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { Hl7Frame } from '../../../drivers/hl7-pcd01/frame.js';
import { MllpFramer, mllp } from '../../../drivers/hl7-pcd01/framer.js';
import { get } from '../../../drivers/hl7-pcd01/hl7.js';
import { startHl7Simulator } from '../../../drivers/hl7-pcd01/simulator.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../../src/control/client.js';
import { silentLogger } from '../../../src/core/logger.js';
import { packageRoot } from '../../../src/core/paths.js';
import type { AlarmRecord, NumericRecord } from '../../../src/schema/index.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { waitFor } from '../../helpers/wait.js';

const fixtures = join(packageRoot(), 'fixtures/hl7-pcd01');

async function listening(t: Parameters<typeof startDaemon>[0], maxConnections = 2): Promise<{ d: TestDaemon; port: number }> {
  const d = await startDaemon(t, {
    devices: [{ id: 'hl7mon', driver: 'hl7-pcd01', transport: { type: 'tcp-server', host: '127.0.0.1', port: 0, maxConnections } }],
  });
  const port = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    const m = s && /:(\d+)$/.exec(s.transport);
    return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
  }, 'the MLLP listener port');
  return { d, port };
}

/** A raw MLLP client: writes bytes, collects the ACKs as (code, MSA-2, ERR code). */
async function client(port: number) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const acks: Array<{ code: string; controlId: string; err: string }> = [];
  const framer = new MllpFramer();
  socket.on('data', (chunk) =>
    framer.push(chunk, (f: Hl7Frame) => {
      const p = f.parsed;
      if (!p.ok) return acks.push({ code: '?', controlId: '', err: '' });
      const m = p.message;
      const msa = m.segments.find((s) => s.id === 'MSA')!;
      const err = m.segments.find((s) => s.id === 'ERR');
      acks.push({ code: get(m, msa, 1), controlId: get(m, msa, 2), err: err ? get(m, err, 3, 1) : '' });
    }),
  );
  return { socket, acks, write: (b: Buffer | string) => socket.write(b), close: () => socket.destroy() };
}

t.test('every message gets one ACK with its control id: accepted, in error, or rejected', async (t) => {
  const { d, port } = await listening(t);
  const c = await client(port);
  t.teardown(() => c.close());

  c.write(readFileSync(join(fixtures, 'ipf-pcd01-request-nibp.mllp')));
  await waitFor(() => c.acks.length === 1, 'the first ACK');
  t.same(c.acks[0], { code: 'AA', controlId: 'MSGID1234', err: '' });
  const sys = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.metric.code === 150021, 'NIBP systolic');
  t.equal(sys.value, 120);
  t.equal(sys.device, 'hl7mon');

  // Two messages in one write, then one message a byte at a time.
  const aware = readFileSync(join(fixtures, 'ipf-pcd01-request2-awaregateway.mllp'));
  c.write(Buffer.concat([aware, readFileSync(join(fixtures, 'ipf-pcd01-request-nibp.mllp'))]));
  await waitFor(() => c.acks.length === 3, 'two more ACKs');
  t.same(c.acks.slice(1).map((a) => a.controlId), ['12d15a9:11df9e61347:-7fee:30456965', 'MSGID1234'], 'in order');
  for (let i = 0; i < aware.length; i++) c.write(aware.subarray(i, i + 1));
  await waitFor(() => c.acks.length === 4, 'the ACK of the trickled message');
  t.equal(c.acks[3]!.code, 'AA');

  // Malformed and unwanted messages.
  const cases: Array<[string, string, string, string]> = [
    ['not HL7 at all', 'THIS IS NOT HL7', 'AR', ''],
    ['unsupported type', 'MSH|^~\\&|X|Y|||20260101||ADT^A01^ADT_A01|ADT-7|P|2.5\rPID|||1', 'AR', 'ADT-7'],
    ['an ACK sent to us', readFileSync(join(fixtures, 'ipf-pcd01-ack.hl7'), 'utf8').replace(/\r?\n/g, '\r'), 'AR', 'AMSGID1234'],
    ['no control id', 'MSH|^~\\&|X|Y|||20260101||ORU^R01^ORU_R01||P|2.6', 'AR', ''],
    ['bad delimiters', 'MSH|||||||||||', 'AR', ''],
    [
      'a value that is not a number',
      'MSH|^~\\&|X|Y|||20260101||ORU^R01^ORU_R01|BAD-1|P|2.6\rOBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1|eighty|/min^/min^UCUM|||||R\rOBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|93|%^%^UCUM|||||R',
      'AE',
      'BAD-1',
    ],
  ];
  for (const [what, text, code, controlId] of cases) {
    const before = c.acks.length;
    c.write(mllp(text));
    await waitFor(() => c.acks.length === before + 1, `the ACK for ${what}`);
    t.match(c.acks[before], { code, controlId }, what);
    t.not(c.acks[before]!.err, '', `${what}: ERR says why`);
  }
  t.equal(c.acks.filter((a) => a.err === '200').length, 2, 'unsupported message types (ADT, ACK): table 0357 code 200');
  await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.metric.code === 150456 && r.value === 93, 'the good row of the AE message');
  t.equal(d.controller.gate!.rejected, 0);
});

t.test('the simulator pushes reports and alerts through the daemon, every ACK matching', async (t) => {
  const { d, port } = await listening(t);
  const sim = await startHl7Simulator({
    endpoint: { type: 'tcp-client', host: '127.0.0.1', port },
    params: { interval: '0.5', scenario: 'desaturation', pace: '60', style: 'mdil' },
    log: silentLogger(),
  });
  t.teardown(() => sim.stop());
  const spo2 = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_PULS_OXIM_SAT_O2', 'SpO2 (MDIL coded)');
  t.equal(spo2.unit.ucum, '%');
  t.equal(spo2.label, 'SpO2');
  t.same(spo2.source, { serial: '0012A5FFFE5E0D01' });
  const alarm = await d.waitForRecord<AlarmRecord>((r) => r.kind === 'alarm' && r.text === 'SpO2 LOW' && r.state === 'active', 'the SpO2 alert', 60_000);
  t.equal(alarm.priority, 'high');
  t.equal(alarm.about?.ref, 'MDC_PULS_OXIM_SAT_O2');
  await waitFor(() => sim.counts.AA >= 5, 'five accepted messages');
  t.equal(sim.counts.wrongId, 0);
  t.equal(sim.counts.AE + sim.counts.AR, 0);
  const [status] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.match(status?.identity, { protocol: /IHE PCD-01/, serial: '0012A5FFFE5E0D01' });
});

t.test('faults from the simulator: garbage, malformed messages, dropped connections', async (t) => {
  const { d, port } = await listening(t);
  const sim = await startHl7Simulator({
    endpoint: { type: 'tcp-client', host: '127.0.0.1', port },
    params: { interval: '0.2', garbage: '0.3', malformed: '0.3', disconnect: '0.15', sentinel: '0.1', 'no-alerts': 'true' },
    log: silentLogger(),
  });
  t.teardown(() => sim.stop());
  await waitFor(() => sim.counts.AR + sim.counts.AE >= 3 && sim.counts.AA >= 10, 'refused and accepted messages', 90_000);
  t.equal(sim.counts.wrongId, 0, 'every ACK names the message it answers');
  const [status] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.ok(status!.counters.bytesDropped > 0, 'garbage between frames counted');
  t.ok(d.records.some((r) => r.kind === 'numeric' && r.validity === 'invalid'), 'sentinels arrive as invalid values');
  t.equal(d.controller.gate!.rejected, 0);
});
