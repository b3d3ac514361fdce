// The poct1a driver through the real daemon: the simulated device dials the gateway's TCP port and holds the POCT1-A
// conversation with it (HEL, DST, SET_TIME, ROBS, OBS…, EOT, START_CONTINUOUS or END), over real sockets.
import net from 'node:net';
import t from 'tap';
import { Poct1Device, defaultDeviceOptions, type Poct1DeviceOptions } from '../../../drivers/poct1a/simulator.js';
import { message } from '../../../drivers/poct1a/messages.js';
import { openSimPort } from '../../../drivers/sdk/sim-port.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../../src/control/client.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { DeviceRecord, LabRecord } from '../../../src/schema/index.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { seededRandom } from '../../helpers/fuzz.js';
import { waitFor } from '../../helpers/wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

async function gateway(t: TestLike, options: Record<string, unknown> = {}): Promise<{ d: TestDaemon; port: number }> {
  const d = await startDaemon(t, {
    devices: [{ id: 'poc', driver: 'poct1a', transport: { type: 'tcp-server', host: '127.0.0.1', port: 0 }, options }],
  });
  const port = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    const m = s && /tcp-server 127\.0\.0\.1:(\d+)/.exec(s.transport);
    return m ? Number(m[1]) : undefined;
  }, 'the gateway listening');
  return { d, port };
}

async function device(t: TestLike, port: number, options: Partial<Poct1DeviceOptions>): Promise<Poct1Device> {
  const simPort = await openSimPort({ type: 'tcp-client', host: '127.0.0.1', port }, silentLogger());
  const sim = new Poct1Device(simPort, { ...defaultDeviceOptions, firstMs: 200, everyMs: 1000, ...options }, seededRandom(5));
  sim.start();
  t.teardown(() => sim.stop());
  return sim;
}

const labs = (d: TestDaemon) => d.records.filter((r): r is LabRecord => r.kind === 'lab');

t.test('continuous conversation: identity, clock set, results as measured, QC kept apart', async (t) => {
  const { d, port } = await gateway(t);
  const sim = await device(t, port, { qc: 0.4, clockOffsetMs: -3_600_000 });
  await waitFor(() => labs(d).some((r) => r.qc) && labs(d).filter((r) => !r.qc && r.test.loinc === '10839-9').length >= 2, 'patient and QC results', 60_000);
  t.ok(sim.stats.clockSet, 'the device clock was set (DTV SET_TIME)');
  t.ok(sim.stats.continuous, 'the device was asked to stay (START_CONTINUOUS)');
  t.ok((sim.stats.hostMessages['REQ.R01'] ?? 0) <= 1, 'observations requested at most once, at the start');
  t.notOk(sim.stats.hostMessages['END.R01'], 'the conversation was never ended');
  t.equal(sim.stats.conversations, 1, 'one connection throughout');
  const [status] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.same(status!.identity, { protocol: 'POCT1-A2', manufacturer: 'ambulink', model: 'CartridgeSim 300', serial: 'SIM000123', firmware: '1.0' });
  const patient = labs(d).filter((r) => !r.qc);
  const qc = labs(d).filter((r) => r.qc);
  t.ok(patient.every((r) => r.patientId === 'AMB-7781' && r.operator === 'medic12'));
  t.ok(qc.every((r) => r.patientId === undefined && r.specimen?.id === 'QC2-LOT4711'), 'QC carries its lot, no patient');
  t.ok(patient.some((r) => r.test.loinc === '2744-1'), 'pH of an arterial sample');
  t.ok(patient.some((r) => r.vendor?.code === 'PCO2' && r.test.loinc === '2019-8'), 'vendor id mapped');
  // Results measured after the clock was set carry the right time.
  const before = labs(d).length;
  await waitFor(() => labs(d).length > before + 5, 'more results');
  for (const r of labs(d).slice(before)) t.ok(Math.abs(Date.parse(r.observedAt) - Date.now()) < 120_000, `observed ${r.observedAt}`);
  t.equal(d.controller.gate!.rejected, 0);
});

t.test('END after each batch: the device hangs up and calls again with its next results', async (t) => {
  const { d, port } = await gateway(t, { continuous: false, setTime: false });
  const sim = await device(t, port, { everyMs: 1500 });
  await waitFor(() => sim.stats.conversations >= 3 && labs(d).length >= 26, 'three conversations', 60_000);
  t.ok((sim.stats.hostMessages['END.R01'] ?? 0) >= 2, 'the gateway ended conversations');
  t.notOk(sim.stats.hostMessages['DTV.R01'], 'no directive when setTime is off and continuous mode is not wanted');
  const downs = d.records.filter((r): r is DeviceRecord => r.kind === 'device' && r.state === 'disconnected');
  t.ok(downs.length >= 1, 'the hang-up is visible as a device state');
});

t.test('a device that never acknowledges loses the link; garbage on the line is counted', async (t) => {
  const { d, port } = await gateway(t, { ackTimeoutMs: 1000 });
  const socket = net.connect({ port, host: '127.0.0.1' });
  t.teardown(() => void socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  socket.write('\x00\x01garbage ');
  socket.write(message('HEL.R01', 1, Date.now(), '<DEV><DEV.device_id V="MUTE-1"/></DEV>'));
  socket.write(message('DST.R01', 2, Date.now(), '<DST><DST.new_observations_qty V="1"/></DST>'));
  const gone = await waitFor(
    () => d.records.find((r): r is DeviceRecord => r.kind === 'device' && r.state === 'disconnected' && (r.error ?? '').includes('no ACK')),
    'the link dropped for a missing ACK',
  );
  t.match(gone.error, /no ACK for DTV\.R01/);
  t.ok(gone.counters.bytesDropped >= 8, 'garbage counted');
  t.ok(gone.counters.framesOk >= 2);
});
