// The ge-s5 driver through the real daemon, against its simulator on a real pseudo-terminal (socat).
import { join } from 'node:path';
import t from 'tap';
import { geS5Simulator } from '../../../drivers/ge-s5/simulator.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../../src/control/client.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { AlarmRecord, DeviceRecord, NumericRecord, WaveformRecord } from '../../../src/schema/index.js';
import { startDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const startSim = (path: string, params: Record<string, string> = {}) =>
  geS5Simulator.start({ endpoint: { type: 'pty', path }, params, log: silentLogger() });

const monitor = (path: string, options: Record<string, unknown> = {}) => ({
  devices: [
    {
      id: 'monitor',
      driver: 'ge-s5',
      transport: { type: 'serial', path, baudRate: 115200 },
      options: { intervalS: 5, ...options },
      staleAfterMs: 20_000,
    },
  ],
});

const numeric = (ref: string) => (r: { kind: string }) => r.kind === 'numeric' && (r as NumericRecord).metric.ref === ref && (r as NumericRecord).validity === 'valid';

t.test('numerics, waveforms at their true rates and differential alarms flow from the monitor', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'mon.pty');
  const sim = await startSim(pty, { scenario: 'stemi', pace: '30' });
  t.teardown(() => sim.stop());
  const d = await startDaemon(t, monitor(pty, { waves: ['ECG1', 'ECG2', 'ECG3', 'PLETH', 'CO2', 'INVP1'] }), { dir });

  const hr = await d.waitForRecord<NumericRecord>(numeric('MDC_ECG_HEART_RATE'), 'heart rate');
  t.equal(hr.metric.code, 147842);
  t.equal(hr.unit.ucum, '/min');
  t.ok(hr.value! >= 60 && hr.value! <= 140, `HR ${hr.value}`);
  t.ok(Math.abs(Date.parse(hr.observedAt) - Date.now()) < 60_000, 'stamped with the monitor clock (now)');
  const etco2 = await d.waitForRecord<NumericRecord>(numeric('MDC_CONC_AWAY_CO2_EXP'), 'etCO2');
  t.equal(etco2.unit.ucum, 'mm[Hg]', 'CO2 % converted with the ambient pressure');
  t.ok(etco2.value! > 25 && etco2.value! < 60, `etCO2 ${etco2.value} mmHg`);
  const art = await d.waitForRecord<NumericRecord>(numeric('MDC_PRESS_BLD_ART_SYS'), 'arterial systolic (site from the group label)');
  t.ok(art.value! > 60 && art.value! < 200);
  await d.waitForRecord(numeric('MDC_PULS_OXIM_SAT_O2'), 'SpO2');
  await d.waitForRecord(numeric('MDC_VOL_AWAY_TIDAL'), 'tidal volume');
  await d.waitForRecord(numeric('MDC_ECG_AMPL_ST_V2'), 'ext1 12-lead ST');
  await d.waitForRecord(numeric('MDC_RATIO_IE'), 'ext3 I:E');

  // Waves: wait for a few seconds of ECG, then check the blocks join up into a continuous 300 Hz signal.
  const ecg1 = () => d.records.filter((r): r is WaveformRecord => r.kind === 'waveform' && r.label === 'ECG1' && r.validity === 'valid');
  await waitFor(() => ecg1().reduce((n, r) => n + r.samples.length, 0) >= 1500, '5 s of ECG1');
  const blocks = ecg1();
  t.equal(blocks[0]!.rate, 300);
  t.equal(blocks[0]!.metric.ref, 'MDC_ECG_ELEC_POTL');
  t.equal(blocks[0]!.unit.ucum, 'mV');
  let joined = 0;
  for (let i = 1; i < blocks.length; i++) {
    const prevEnd = Date.parse(blocks[i - 1]!.observedAt) + (blocks[i - 1]!.samples.length * 1000) / 300;
    if (Math.abs(Date.parse(blocks[i]!.observedAt) - prevEnd) <= 2) joined++;
  }
  t.ok(joined >= (blocks.length - 1) * 0.9, `${joined} of ${blocks.length - 1} blocks continue the previous one`);
  const peak = Math.max(...blocks.flatMap((b) => b.samples)) * blocks[0]!.scale.factor;
  t.ok(peak > 0.5 && peak < 3, `R waves of ${peak.toFixed(2)} mV`);
  for (const [label, rate] of [['PLETH', 100], ['CO2', 25], ['ECG3', 300]] as const) {
    const w = await d.waitForRecord<WaveformRecord>((r) => r.kind === 'waveform' && r.label === label, label);
    t.equal(w.rate, rate, `${label} at ${rate} Hz`);
  }
  await d.waitForRecord<WaveformRecord>(
    (r) => r.kind === 'waveform' && r.label === 'INVP1' && r.metric.ref === 'MDC_PRESS_BLD_ART',
    'INVP1 named by its channel site',
  );

  const alarm = await d.waitForRecord<AlarmRecord>(
    (r) => r.kind === 'alarm' && r.text === 'ST V2-V4 ELEVATED' && r.state === 'active',
    'the ST elevation alarm',
  );
  t.equal(alarm.priority, 'medium');
  t.equal(alarm.category, 'physiological');

  const [status] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.equal(status?.state, 'connected');
  t.match(status?.identity?.protocol, /S\/5 Computer Interface/);
  t.equal(status?.counters.checksumErrors, 0);
  t.equal(d.controller.gate!.rejected, 0, 'every record was canonical');
});

t.test('garbage and corrupted frames are counted, never decoded', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'mon.pty');
  const sim = await startSim(pty, { garbage: '0.3', corrupt: '0.3' });
  t.teardown(() => sim.stop());
  const d = await startDaemon(t, monitor(pty, { waves: ['ECG1', 'PLETH'] }), { dir });
  const status = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    return s && s.counters.checksumErrors + s.counters.framesDropped >= 5 && s.counters.framesOk >= 50 ? s : undefined;
  }, 'dropped and good frames');
  t.ok(status.counters.bytesDropped > 0, 'garbage skipped');
  await d.waitForRecord(numeric('MDC_ECG_HEART_RATE'), 'heart rate despite the noise');
  const hrs = d.records.filter((r): r is NumericRecord => numeric('MDC_ECG_HEART_RATE')(r));
  for (const r of hrs) t.ok(r.value! >= 40 && r.value! <= 160, `plausible HR ${r.value}`);
  const ecgPeaks = d.records
    .filter((r): r is WaveformRecord => r.kind === 'waveform' && r.label === 'ECG1')
    .flatMap((r) => r.samples);
  t.ok(ecgPeaks.every((s) => Math.abs(s) < 500), 'no corrupted sample beyond ±5 mV');
  t.equal(d.controller.gate!.rejected, 0);
});

t.test('a monitor that forgets its requests is asked again; an unplugged one is reconnected', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'mon.pty');
  let sim = await startSim(pty, { 'silence-after': '6', 'silence-for': '3' });
  t.teardown(() => sim.stop());
  const d = await startDaemon(t, monitor(pty), { dir });
  await d.waitForRecord(numeric('MDC_ECG_HEART_RATE'), 'first numerics');
  // The monitor goes silent at 6 s and comes back having forgotten everything: only a new request revives it.
  const silentFrom = Date.now() + 6000;
  await waitFor(
    () => d.records.find((r) => numeric('MDC_ECG_HEART_RATE')(r) && Date.parse(r.observedAt) > silentFrom + 4000),
    'numerics again after the gateway asked again',
    90_000,
  );
  t.ok(d.logs.some((l) => l.msg === 'monitor silent; sending the requests again'), 'the session noticed and asked again');

  await sim.stop();
  await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.state === 'disconnected', 'disconnected when the pty vanished');
  const before = d.records.length;
  sim = await startSim(pty);
  await waitFor(() => d.records.slice(before).find(numeric('MDC_ECG_HEART_RATE')), 'numerics after the monitor returned', 90_000);
  const [status] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.ok(status!.counters.reconnects >= 1);
});
