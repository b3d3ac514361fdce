// draeger-medibus through the real daemon, against its simulator on a real pseudo-terminal (socat).
import { join } from 'node:path';
import t from 'tap';
import { CMD } from '../../../drivers/draeger-medibus/protocol.js';
import { startMedibusSimulator, type MedibusSimulator } from '../../../drivers/draeger-medibus/simulator.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../../src/control/client.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { AlarmRecord, CanonicalRecord, DeviceRecord, NumericRecord, SettingRecord, WaveformRecord } from '../../../src/schema/index.js';
import { startDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const startSim = (path: string, params: Record<string, string> = {}) =>
  startMedibusSimulator({ endpoint: { type: 'pty', path }, params, log: silentLogger() });

const ventDevice = (path: string, options: Record<string, unknown> = {}) => ({
  devices: [{ id: 'vent', driver: 'draeger-medibus', transport: { type: 'serial', path }, options: { pollIntervalMs: 500, ...options } }],
});

async function setup(t: { teardown(fn: () => void | Promise<void>): void }, params: Record<string, string> = {}, options: Record<string, unknown> = {}) {
  const dir = tempDir(t);
  const pty = join(dir, 'vent.pty');
  const sim: MedibusSimulator = await startSim(pty, params);
  t.teardown(() => sim.stop());
  const d = await startDaemon(t, ventDevice(pty, options), { dir });
  return { sim, d };
}

const after = (records: CanonicalRecord[], from: number) => records.slice(from);
const sent = (sim: MedibusSimulator, code: number) => sim.commandsReceived.get(code) ?? 0;

t.test('values, settings, alarms, mode, curves and identity arrive as canonical records', async (t) => {
  const { sim, d } = await setup(t);

  const pip = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.label === 'PIP', 'peak pressure');
  t.match(pip, { device: 'vent', driver: 'draeger-medibus', validity: 'valid', unit: { ucum: 'hPa' } });
  const expected = sim.lung.measured().ppeak * 0.980665;
  t.ok(Math.abs(pip.value! - expected) <= 1, `PIP ${pip.value} hPa from the lung model (${expected.toFixed(1)})`);
  const peep = await d.waitForRecord<SettingRecord>((r) => r.kind === 'setting' && r.label === 'PEEP', 'the PEEP setting');
  t.ok(Math.abs((peep.value as number) - 5 * 0.980665) < 0.06);
  await d.waitForRecord((r) => r.kind === 'setting' && r.metric.ref === 'MDC_VENT_MODE' && r.value === 'IPPV', 'the mode');
  for (const ref of ['MDC_PRESS_AWAY', 'MDC_FLOW_AWAY', 'MDC_VOL_AWAY', 'MDC_AWAY_CO2']) {
    const w = await d.waitForRecord<WaveformRecord>((r) => r.kind === 'waveform' && r.metric.ref === ref, `${ref} curve`);
    t.equal(w.rate, 50);
    t.ok(w.samples.length >= 1);
  }
  const identified = await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.identity?.model !== undefined, 'identity');
  t.match(identified.identity, { manufacturer: 'Dräger', model: 'EvitaXL (simulated)', firmware: '07.10', protocol: 'MEDIBUS 04.03' });
  t.equal(d.controller.devices!.supervisor('vent')!.settings(), undefined, 'MEDIBUS is read-only: no setting capability');

  // A physiological alarm: stiff lungs push the peak pressure over the limit, and back.
  sim.lung.patient.compliance = 12;
  const alarm = await d.waitForRecord<AlarmRecord>((r) => r.kind === 'alarm' && r.state === 'active', 'PAW HIGH');
  t.match(alarm, { alarmId: 'cp1-10', text: 'PAW HIGH', priority: 'high', category: 'physiological' });
  sim.lung.patient.compliance = 45;
  await d.waitForRecord((r) => r.kind === 'alarm' && r.state === 'cleared' && r.alarmId === 'cp1-10', 'PAW HIGH cleared');

  // The mode follows the device.
  sim.lung.patient.spontaneousRate = 14;
  sim.lung.settings.mode = 'CPAP';
  await d.waitForRecord((r) => r.kind === 'setting' && r.metric.ref === 'MDC_VENT_MODE' && r.value === 'CPAP', 'mode CPAP');

  // Commands from the device are echoed: one embedded in a response, and one the gateway does not know.
  sim.sendCommand(CMD.timeChanged, true);
  sim.sendCommand(0x6a);
  await waitFor(() => sim.echoesReceived.includes(CMD.timeChanged) && sim.echoesReceived.includes(0x6a), 'echoes of ESC I and ESC j');

  const devices = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.equal(devices[0]?.state, 'connected');
  t.equal(d.controller.gate!.rejected, 0, 'every record passed validation');

  await d.stop();
  t.ok(sent(sim, CMD.stop) >= 1, 'STOP sent on shutdown');
  t.equal(sim.enabledMask, 0, 'and the curves disabled first');
});

t.test('ESC V: the curves are disabled, the configuration read again and streaming resumes with what is offered', async (t) => {
  const { sim, d } = await setup(t);
  await d.waitForRecord((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_AWAY_CO2', 'the CO2 curve');
  t.equal(sent(sim, CMD.realtimeConfig), 1);
  sim.changeRealtimeConfig([0x00, 0x01, 0x03]); // the CO2 sensor is gone
  await waitFor(() => sent(sim, CMD.realtimeConfig) === 2 && sent(sim, CMD.configureRealtime) === 2 && sim.enabledMask === 0b111, 'reconfigured with three streams');
  t.same(sim.streams, [0x00, 0x01, 0x03]);
  t.ok(sim.echoesReceived.includes(CMD.realtimeConfigChanged), 'ESC V was echoed');
  const mark = d.records.length;
  await waitFor(() => after(d.records, mark).filter((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_PRESS_AWAY').length >= 4, 'the pressure curve again');
  const co2 = after(d.records, mark).filter((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_AWAY_CO2');
  t.ok(co2.length <= 1, 'no CO2 curve after the change (at most the block flushed by it)');
});

t.test('a silent device: re-ICC after 3 s, and data again when it answers', async (t) => {
  const { sim, d } = await setup(t, {}, { curves: [] });
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'PIP', 'data');
  const iccs = sent(sim, CMD.icc);
  t.equal(sent(sim, CMD.realtimeConfig), 0, 'curves: [] requests no realtime configuration');
  sim.goSilent(4500);
  await waitFor(() => sent(sim, CMD.icc) > iccs, 'the gateway starting over with ICC', 30_000);
  const mark = d.records.length;
  await waitFor(() => after(d.records, mark).some((r) => r.kind === 'numeric' && r.label === 'PIP'), 'data after the device came back', 30_000);
  t.ok(sent(sim, CMD.identify) >= 2, 'identified again after the new ICC');
});

t.test('garbage and corrupted frames on the line are counted and never published; a garbled answer is asked for again', async (t) => {
  const { sim, d } = await setup(t, { garbage: '0.3', corrupt: '0.2' });
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'PIP', 'first data');
  const iccs = sent(sim, CMD.icc);
  const status = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    const pips = d.records.filter((r) => r.kind === 'numeric' && r.label === 'PIP').length;
    const fio2s = d.records.filter((r) => r.kind === 'numeric' && r.label === 'FiO2').length;
    return s && s.counters.checksumErrors >= 3 && s.counters.bytesDropped > 0 && pips >= 5 && fio2s >= 1 ? s : undefined;
  }, 'checksum errors, skipped bytes and values (PIP and FiO2)', 60_000);
  t.ok(status.counters.framesOk > 20);
  // At least one FiO2 value arrived (waited for above), so this check cannot pass by having nothing to look at.
  for (const r of d.records.filter((r): r is NumericRecord => r.kind === 'numeric' && r.label === 'FiO2')) t.equal(r.value, 40, 'no corrupted value got through');
  t.equal(d.controller.gate!.rejected, 0);
  // A garbled answer is asked for again at once, so the conversation goes on without starting over.
  t.equal(sent(sim, CMD.icc), iccs, 'no re-initialisation for line noise');
});

t.test('idle: NOP every 2 s keeps the conversation alive between slow polls', async (t) => {
  const { sim, d } = await setup(t, {}, { pollIntervalMs: 60_000, curves: [] });
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'PIP', 'the first poll');
  await waitFor(() => sent(sim, CMD.nop) >= 3, 'NOPs while idle', 30_000);
  t.equal(sent(sim, CMD.icc), 1, 'answered NOPs keep the link: no re-initialisation');
  t.equal(sent(sim, CMD.measuredCp1), 1, 'and no poll before its interval');
});
