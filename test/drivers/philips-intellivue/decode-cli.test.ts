// `ambulink decode` on the IntelliVue fixtures: codes, units, values, validity, wave continuity and rates, alarms,
// line faults. Runs the built CLI (npm run build first).
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../src/core/paths.js';
import type { AlarmRecord, CanonicalRecord, NumericRecord, WaveformRecord } from '../../../src/schema/index.js';
import { runCli } from '../../helpers/cli.js';

const fixture = (name: string) => join(packageRoot(), 'fixtures/philips-intellivue', name);

async function decode(file: string, ...options: string[]) {
  const res = await runCli(['decode', '--driver', 'philips-intellivue', '--input', file, '--received-at', '2026-01-01T00:00:00.000Z', ...options.flatMap((o) => ['--option', o])]);
  const records = res.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CanonicalRecord);
  return { ...res, records };
}

t.test('the reference capture decodes the same from its MIB and LAN forms, with the right codes, units, values and validity', async (t) => {
  const mib = await decode(fixture('reference-numerics.mib'));
  const lan = await decode(fixture('reference-numerics.lan'));
  t.equal(mib.code, 0, mib.stderr);
  t.match(mib.stderr, /1 frames, 17 records, 0 frames dropped/);
  t.same(lan.records.map((r) => ({ ...r, mono: 0 })), mib.records.map((r) => ({ ...r, mono: 0 })), 'LAN and MIB give the same records');
  const byLabel = new Map((mib.records as NumericRecord[]).map((r) => [r.label, r]));
  const expect: Array<[string, number, string, number | null, string]> = [
    ['HR', 147842, '/min', 72, 'valid'],
    ['SpO2', 150456, '%', 98, 'valid'],
    ['Temp', 150344, 'Cel', 36.8, 'valid'],
    ['Tesoph', 150372, 'Cel', 38.1, 'valid'],
    ['pH', 159748, '[pH]', 7.4, 'valid'],
    ['RR', 151562, '/min', null, 'invalid'],
    ['etCO2', 151728, 'mm[Hg]', null, 'invalid'],
    ['PAP', 150047, 'mm[Hg]', null, 'invalid'],
    ['CVP', 150087, 'mm[Hg]', null, 'invalid'],
    ['Pulse', 149538, '/min', 72, 'questionable'],
    ['Tcore', 150368, 'Cel', null, 'unavailable'],
    ['ST-II', 131842, 'mm', 0.2, 'calibrating'],
    ['awRR', 151570, '/min', 14, 'demo'],
    ['Tskin', 150388, 'Cel', null, 'invalid'],
    ['NBP sys', 150021, 'mm[Hg]', 120, 'valid'],
    ['NBP dia', 150022, 'mm[Hg]', 80, 'valid'],
    ['NBP mean', 150023, 'mm[Hg]', 93, 'valid'],
  ];
  for (const [label, code, ucum, value, validity] of expect) {
    t.match(byLabel.get(label), { metric: { code }, unit: { ucum }, value, validity }, label);
  }
});

t.test('simulator captures: waves continuous at their rates across the clock wrap and a poll renewal; alarms; line faults', async (t) => {
  const lan = await decode(fixture('sim-desaturation.lan'));
  t.equal(lan.code, 0, lan.stderr);
  for (const [ref, rate] of [['MDC_ECG_ELEC_POTL_II', 500], ['MDC_PULS_OXIM_PLETH', 125], ['MDC_AWAY_CO2', 62.5]] as const) {
    const w = lan.records.filter((r): r is WaveformRecord => r.kind === 'waveform' && r.metric.ref === ref);
    const samples = w.reduce((n, r) => n + r.samples.length, 0);
    const spanMs = Date.parse(w[w.length - 1]!.observedAt) - Date.parse(w[0]!.observedAt) + (w[w.length - 1]!.samples.length * 1000) / rate;
    t.ok(w.every((r) => r.rate === rate), `${ref} at ${rate} Hz`);
    t.ok(Math.abs(samples - (spanMs * rate) / 1000) < 1, `${ref}: ${samples} samples over ${spanMs} ms`);
    t.ok(samples > 29 * rate, `${ref}: ~30 s of samples`);
  }
  const spo2 = lan.records.filter((r): r is NumericRecord => r.kind === 'numeric' && r.metric.ref === 'MDC_PULS_OXIM_SAT_O2').map((r) => r.value!);
  t.ok(spo2[0]! >= 95 && spo2[spo2.length - 1]! < 91, `SpO2 falls ${spo2[0]} → ${spo2[spo2.length - 1]}`);
  t.ok(lan.records.some((r) => r.kind === 'alarm' && r.about?.ref === 'MDC_PULS_OXIM_SAT_O2' && r.state === 'active'), 'an SpO2 alarm');

  const faults = await decode(fixture('sim-leads-off-line-faults.mib'));
  t.equal(faults.code, 0);
  t.match(faults.stderr, /6 frames dropped \(6 checksum errors\)/);
  const ecg = faults.records.filter((r): r is WaveformRecord => r.kind === 'waveform' && r.metric.ref === 'MDC_ECG_ELEC_POTL_II');
  t.ok(ecg.length > 0 && ecg.every((r) => r.validity === 'invalid' && r.samples.length === 0), 'leads off: the ECG is invalid, with no samples');
  t.ok(faults.records.some((r): r is AlarmRecord => r.kind === 'alarm' && r.category === 'technical' && r.code?.ref === 'MDC_EVT_LEADS_OFF'));
  t.ok((faults.records as NumericRecord[]).filter((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE').every((r) => r.value === null && r.validity === 'invalid'));

  const stemi = await decode(fixture('sim-stemi.mib'), 'demographics=identifying');
  const demo = stemi.records.find((r) => r.kind === 'event' && r.event === 'patient.demographics');
  t.match(demo, { detail: { patientId: 'SIM-000042', givenName: 'Simulated', familyName: 'Patient', birthDate: '1961-03-14', age: { value: 64, unit: 'a' } } });
});
