// modbus-ventilator through the real daemon, against its simulator over a real TCP socket and a real pty (RTU):
// values, settings, alarms and mode as canonical records; writes through the setting capability read back; every
// injected fault detected and reported, never taken for success.
import { join } from 'node:path';
import t from 'tap';
import { SIMULATED_VENTILATOR_MAP } from '../../../drivers/modbus-ventilator/sim-map.js';
import { startModbusVentilatorSimulator, type ModbusVentilatorSimulator } from '../../../drivers/modbus-ventilator/simulator.js';
import { SettingWriteError, type SettingCapability } from '../../../drivers/sdk/settings.js';
import type { SimEndpoint } from '../../../drivers/sdk/simulator.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { AlarmRecord, CanonicalRecord, DeviceRecord, NumericRecord, SettingRecord } from '../../../src/schema/index.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

async function startSim(t: Teardown, endpoint: SimEndpoint, params: Record<string, string> = {}): Promise<ModbusVentilatorSimulator> {
  const sim = await startModbusVentilatorSimulator({ endpoint, params, log: silentLogger() });
  t.teardown(() => sim.stop());
  return sim;
}

/** A TCP simulator on an ephemeral port, and the daemon polling it. */
async function tcpSetup(t: Teardown, params: Record<string, string> = {}, options: Record<string, unknown> = {}) {
  const sim = await startSim(t, { type: 'tcp-server', host: '127.0.0.1', port: 0 }, params);
  const port = Number(/:(\d+) /.exec(sim.description)![1]);
  const d = await startDaemon(t, {
    devices: [
      {
        id: 'vent2',
        driver: 'modbus-ventilator',
        transport: { type: 'modbus-tcp', host: '127.0.0.1', port, timeoutMs: 4000 },
        options: { ...SIMULATED_VENTILATOR_MAP, ...options },
      },
    ],
  });
  return { sim, d };
}

const latest = <R extends CanonicalRecord>(d: TestDaemon, match: (r: CanonicalRecord) => boolean) =>
  [...d.records].reverse().find(match) as R | undefined;

async function capability(d: TestDaemon): Promise<SettingCapability> {
  return waitFor(() => d.controller.devices!.supervisor('vent2')!.settings(), 'the setting capability of a live link');
}

type Outcome = { outcome: 'confirmed' | 'mismatch'; readBack: number } | { outcome: 'failed'; reason: SettingWriteError['reason'] };

/** What the setpoint service will do: one write, then a fresh readback that must match within half a step. */
async function writeAndConfirm(cap: SettingCapability, name: string, value: number): Promise<Outcome> {
  const step = cap.list().find((s) => s.name === name)!.step;
  try {
    await cap.write(name, value);
    const readBack = await cap.readBack(name);
    return { outcome: Math.abs(readBack - value) <= step / 2 ? 'confirmed' : 'mismatch', readBack };
  } catch (err) {
    if (err instanceof SettingWriteError) return { outcome: 'failed', reason: err.reason };
    throw err;
  }
}

t.test('values, settings, mode and alarms arrive as canonical records', async (t) => {
  const { sim, d } = await tcpSetup(t);
  const m = sim.lung.measured();
  const ppeak = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.label === 'Ppeak', 'Ppeak (float32 ABCD)');
  t.match(ppeak, { metric: { ref: 'MDC_PRESS_AWAY_INSP_MAX' }, unit: { ucum: 'cm[H2O]', mdc: 266048 }, validity: 'valid', vendor: { code: '1!300001' } });
  t.ok(Math.abs(ppeak.value! - m.ppeak) < 0.001, `Ppeak ${ppeak.value} = model ${m.ppeak}`);
  const mv = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.label === 'MV', 'MV (float32 DCBA)');
  t.ok(Math.abs(mv.value! - m.mv) < 0.001);
  const pmean = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.label === 'Pmean', 'Pmean (float32 CDAB)');
  t.ok(Math.abs(pmean.value! - m.pmean) < 0.001);
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'PEEP' && r.value === 5, 'PEEP measured (float32 BADC)');
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'VTi' && r.value === 500, 'VTi (int32 CDAB, scale 0.1)');
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'RR' && r.value === 15, 'RR (uint16 × 0.1)');
  const peep = await d.waitForRecord<SettingRecord>((r) => r.kind === 'setting' && r.label === 'PEEP', 'the PEEP setting (read back)');
  t.match(peep, { value: 5, unit: { ucum: 'cm[H2O]' }, validity: 'valid', metric: { ref: 'MDC_VENT_PRESS_AWAY_END_EXP_POS' } });
  await d.waitForRecord((r) => r.kind === 'setting' && r.label === 'Ti' && r.value === 1.2, 'Ti (uint16 × 0.01)');
  await d.waitForRecord((r) => r.kind === 'setting' && r.metric.ref === 'MDC_VENT_MODE' && r.value === 'VC-CMV', 'the mode');
  t.equal(d.records.filter((r) => r.kind === 'alarm').length, 0, 'no alarm while all is well');

  // Stiff lungs: the peak pressure crosses the limit.
  sim.lung.patient.compliance = 12;
  const high = await d.waitForRecord<AlarmRecord>((r) => r.kind === 'alarm' && r.alarmId === 'paw-high', 'Airway pressure high');
  t.match(high, { state: 'active', priority: 'high', category: 'physiological', text: 'Airway pressure high' });
  sim.lung.patient.compliance = 45;
  await d.waitForRecord((r) => r.kind === 'alarm' && r.alarmId === 'paw-high' && r.state === 'cleared', 'cleared');

  // The patient is disconnected: disconnection (a status-register bit), low minute volume, then apnea.
  sim.lung.limits.apneaS = 2;
  sim.lung.disconnected = true;
  const disc = await d.waitForRecord<AlarmRecord>((r) => r.kind === 'alarm' && r.alarmId === 'disconnection', 'disconnection');
  t.match(disc, { state: 'active', category: 'technical' });
  await d.waitForRecord((r) => r.kind === 'alarm' && r.alarmId === 'mv-low' && r.state === 'active', 'MV low');
  await d.waitForRecord((r) => r.kind === 'alarm' && r.alarmId === 'apnea' && r.state === 'active', 'apnea');
  sim.lung.disconnected = false;
  for (const id of ['disconnection', 'mv-low', 'apnea']) {
    await d.waitForRecord((r) => r.kind === 'alarm' && r.alarmId === id && r.state === 'cleared', `${id} cleared`);
  }
  t.equal(d.controller.gate!.rejected, 0, 'every record passed validation');
});

t.test('a write through the setting capability is read back; values off the grid never reach the device', async (t) => {
  const { sim, d } = await tcpSetup(t);
  const cap = await capability(d);
  t.same(
    cap.list().map((s) => `${s.name} ${s.metric.ref} ${s.unit.ucum} ${s.min}–${s.max}/${s.step}`),
    [
      'vt MDC_VENT_VOL_TIDAL mL 200–800/10',
      'rr MDC_VENT_RESP_RATE /min 6–35/1',
      'peep MDC_VENT_PRESS_AWAY_END_EXP_POS cm[H2O] 0–20/1',
      'fio2 MDC_CONC_AWAY_O2_INSP % 21–100/1',
      'pinsp MDC_VENT_PRESS_AWAY_MAX cm[H2O] 5–50/1',
      'ti MDC_VENT_TIME_PD_INSP s 0.3–3/0.05',
    ],
  );
  t.same(await writeAndConfirm(cap, 'peep', 8), { outcome: 'confirmed', readBack: 8 });
  t.same(await writeAndConfirm(cap, 'ti', 1.45), { outcome: 'confirmed', readBack: 1.45 }, 'a scaled setting');
  t.same(sim.writes.map((w) => `${w.name}=${w.value}`), ['peep=8', 'ti=1.45'], 'exactly one write request each');
  t.equal(sim.lung.settings.peep, 8, 'the ventilator ventilates with it');
  await d.waitForRecord((r) => r.kind === 'setting' && r.label === 'PEEP' && r.value === 8, 'the polled PEEP setting follows');
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'PEEP' && r.value === 8, 'and so does the measured PEEP');

  for (const [name, value] of [['peep', 8.5], ['peep', 25], ['fio2', Number.NaN], ['nope', 1]] as const) {
    const err = await cap.write(name, value).then(() => undefined, (e: unknown) => e);
    t.ok(err instanceof SettingWriteError && err.reason === 'rejected', `${name}=${value} refused: ${(err as Error).message}`);
  }
  t.equal(sim.writes.length, 2, 'and none of them was sent');
});

t.test('every injected fault is detected and reported, never taken for success', async (t) => {
  const { sim, d } = await tcpSetup(t);
  let cap = await capability(d);

  sim.armFault({ kind: 'ignore-write' });
  t.same(await writeAndConfirm(cap, 'fio2', 50), { outcome: 'mismatch', readBack: 40 }, 'ignored: acknowledged, but the readback shows the old value');

  sim.armFault({ kind: 'apply-different' });
  t.same(await writeAndConfirm(cap, 'vt', 450), { outcome: 'mismatch', readBack: 470 }, 'applied differently: the readback shows what the device did');

  sim.armFault({ kind: 'apply-late', delayMs: 5000 });
  t.same(await writeAndConfirm(cap, 'rr', 20), { outcome: 'mismatch', readBack: 15 }, 'applied late: not there when read back');
  await waitFor(async () => (await cap.readBack('rr')) === 20, 'the late value arriving afterwards');

  sim.armFault({ kind: 'silent-mid-write', delayMs: 8000 });
  t.same(await writeAndConfirm(cap, 'pinsp', 25), { outcome: 'failed', reason: 'timeout' }, 'silent mid-write: no acknowledgement is a failure');
  t.match(sim.writes[sim.writes.length - 1], { name: 'pinsp', value: 25, fault: 'silent-mid-write' }, 'the request did reach the device');
  await waitFor(() => !sim.silent, 'the device answering again');
  cap = await capability(d);
  t.equal(await cap.readBack('pinsp'), 20, 'and it was not applied');

  const reconnectsBefore = d.controller.devices!.supervisor('vent2')!.status().counters.reconnects;
  sim.armFault({ kind: 'reboot', delayMs: 2000 });
  const rebooted = await writeAndConfirm(cap, 'ti', 1.5);
  t.equal(rebooted.outcome, 'failed', `reboot mid-write: ${JSON.stringify(rebooted)}`);
  await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.state === 'disconnected', 'the link lost with the reboot');
  await waitFor(() => d.controller.devices!.supervisor('vent2')!.status().counters.reconnects > reconnectsBefore && d.controller.devices!.supervisor('vent2')!.status().state === 'connected', 'reconnected', 60_000);
  cap = await capability(d);
  await waitFor(() => !sim.silent, 'the device back');
  t.equal(await cap.readBack('ti'), 1.2, 'after the reboot the device runs its boot settings, not the target');
  t.equal(await cap.readBack('peep'), 5);
  t.same(sim.writes.map((w) => w.fault), ['ignore-write', 'apply-different', 'apply-late', 'silent-mid-write', 'reboot']);
});

t.test('Modbus RTU over a pty: values, a confirmed write, a detected fault, and a silent device dropped and reopened', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'vent.pty');
  const sim = await startSim(t, { type: 'pty', path }, { peep: '6' });
  const d = await startDaemon(
    t,
    {
      devices: [
        {
          id: 'vent2',
          driver: 'modbus-ventilator',
          transport: { type: 'modbus-rtu', path, baudRate: 19200, parity: 'even', timeoutMs: 3000 },
          options: { ...SIMULATED_VENTILATOR_MAP, failAfterCycles: 1 },
        },
      ],
    },
    { dir },
  );
  await d.waitForRecord((r) => r.kind === 'setting' && r.label === 'PEEP' && r.value === 6, 'PEEP over RTU');
  const vte = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.label === 'VTe', 'VTe');
  t.equal(vte.value, 500);
  const cap = await capability(d);
  t.same(await writeAndConfirm(cap, 'peep', 7), { outcome: 'confirmed', readBack: 7 });
  sim.armFault({ kind: 'ignore-write' });
  t.same(await writeAndConfirm(cap, 'fio2', 60), { outcome: 'mismatch', readBack: 40 });

  // Silent long enough that even a heavily loaded machine sees whole poll cycles go unanswered.
  sim.goSilent(40_000);
  await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.state === 'disconnected' && /no answer/.test(r.error ?? ''), 'the driver giving up the silent link', 60_000);
  const mark = d.records.length;
  await waitFor(() => d.records.slice(mark).some((r) => r.kind === 'numeric' && r.label === 'VTe' && r.validity === 'valid'), 'values after the device answers again', 90_000);
  t.ok(d.controller.devices!.supervisor('vent2')!.status().counters.reconnects >= 1, 'the link was reopened');
});

t.test('a point the device refuses (wrong address in the map) is published unavailable; the rest flows', async (t) => {
  const bogus = { name: 'bogus', label: 'Bogus', area: 'input', address: 100, mdc: 'MDC_VOL_AWAY_TIDAL', unit: 'mL' };
  const { d } = await tcpSetup(t, {}, { points: [...SIMULATED_VENTILATOR_MAP.points, bogus] });
  const unavailable = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.label === 'Bogus', 'the bogus point');
  t.match(unavailable, { value: null, validity: 'unavailable' });
  await d.waitForRecord((r) => r.kind === 'numeric' && r.label === 'VTe' && r.value === 500, 'the others');
  await waitFor(() => d.records.filter((r) => r.kind === 'numeric' && r.label === 'Bogus').length >= 3, 'three poll cycles');
  t.equal(d.controller.devices!.supervisor('vent2')!.status().state, 'connected', 'an exception answer is an answer: the link stays');
  t.ok(d.logs.some((l) => l.msg === 'Modbus read failed' && l.reason === 'rejected'), 'and the refusal is logged');
  t.ok(latest<NumericRecord>(d, (r) => r.kind === 'numeric' && r.label === 'Bogus')!.validity === 'unavailable');
});
