// The scores from the gateway's latest values (the real LatestValues on a real bus, a clock the test moves): which
// input each parameter uses, missing and stale inputs (never imputed), oxygen and scale 2 from the crew and the
// ventilator, device priority, and records that pass the canonical schema.
import t from 'tap';
import { parseConfig } from '../../src/config/index.js';
import { TypedBus } from '../../src/core/event-bus.js';
import type { DaemonEnv, DaemonEvents } from '../../src/daemon/context.js';
import { LatestValues } from '../../src/daemon/latest-values.js';
import { computeScores, alertBody } from '../../src/ews/scores.js';
import type { InputContext } from '../../src/ews/inputs.js';
import { isCanonicalRecord, lastRecordProblems, mdcTerm, mdcUnit, SCHEMA_VERSION, type CanonicalRecord } from '../../src/schema/index.js';

const config = parseConfig(
  `vehicle: { id: T1 }\nstorage: { dataDir: /nonexistent }\ndevices: []\n`,
  'vehicle.yaml',
).config.earlyWarning;

function rig(ewsConfig = config) {
  let mono = 1_000_000;
  const wall = Date.parse('2026-12-06T10:00:00.000Z');
  const clock = { monoMs: () => mono, wallMs: () => wall + mono };
  const bus = new TypedBus<DaemonEvents>();
  const latest = new LatestValues({ bus, clock } as unknown as DaemonEnv);
  void latest.start();
  const base = (device: string) => {
    const at = new Date(clock.wallMs()).toISOString();
    return { schema: SCHEMA_VERSION, vehicle: 'T1', device, driver: 'test', observedAt: at, receivedAt: at, mono: clock.monoMs() };
  };
  const units: Record<string, string> = { MDC_PULS_OXIM_SAT_O2: 'MDC_DIM_PERCENT', MDC_TEMP: 'MDC_DIM_DEGC', MDC_PRESS_BLD_NONINV_SYS: 'MDC_DIM_MMHG', MDC_PRESS_BLD_ART_ABP_SYS: 'MDC_DIM_MMHG' };
  const send = (r: CanonicalRecord) => {
    if (!isCanonicalRecord(r)) throw new Error(JSON.stringify(lastRecordProblems()));
    bus.emit('record', r);
  };
  const numeric = (device: string, ref: string, value: number | null, validity: 'valid' | 'invalid' = 'valid') =>
    send({ kind: 'numeric', ...base(device), metric: mdcTerm(ref), unit: mdcUnit(units[ref] ?? (ref.includes('RESP') ? 'MDC_DIM_RESP_PER_MIN' : 'MDC_DIM_BEAT_PER_MIN')), value, validity });
  const fio2 = (device: string, value: number) =>
    send({ kind: 'setting', ...base(device), metric: mdcTerm('MDC_CONC_AWAY_O2_INSP'), unit: mdcUnit('MDC_DIM_PERCENT'), value, validity: 'valid' });
  const crew = (event: string, detail: Record<string, unknown>, encounter?: string) =>
    send({ kind: 'event', ...base('gateway'), event, detail: { ...detail, by: 'cli:medic' }, ...(encounter ? { encounter } : {}) });
  const vitals = (device = 'mon', v = { rr: 16, spo2: 97, sys: 125, hr: 75, temp: 36.8 }) => {
    numeric(device, 'MDC_RESP_RATE', v.rr);
    numeric(device, 'MDC_PULS_OXIM_SAT_O2', v.spo2);
    numeric(device, 'MDC_PRESS_BLD_NONINV_SYS', v.sys);
    numeric(device, 'MDC_ECG_HEART_RATE', v.hr);
    numeric(device, 'MDC_TEMP', v.temp);
  };
  const ctx = (encounter?: string): InputContext => ({
    latest,
    config: ewsConfig,
    devices: ['mon', 'mon2', 'vent'],
    encounter,
    nowIso: new Date(clock.wallMs()).toISOString(),
  });
  const advance = (ms: number) => void (mono += ms);
  return { numeric, fio2, crew, vitals, ctx, advance, base };
}

t.test('a complete NEWS2: every input with its device, value and time; qSOFA and shock index alongside', async (t) => {
  const r = rig();
  r.vitals();
  r.crew('crew.acvpu', { level: 'A' });
  r.crew('crew.oxygen', { oxygen: 'off' });
  const s = computeScores(r.ctx());
  t.equal(s.news2.status, 'complete');
  t.equal(s.news2.value, 0);
  t.equal(s.news2.band, 'low');
  t.equal(s.news2.scale, 1);
  t.same(s.news2.missing, []);
  t.same(s.news2.stale, []);
  const spo2 = s.news2.components.find((c) => c.parameter === 'spo2')!;
  t.match(spo2, { state: 'used', points: 0, code: { code: '1104311000000102' }, input: { source: 'device', by: 'mon', value: 97, metric: { ref: 'MDC_PULS_OXIM_SAT_O2' } } });
  t.match(s.news2.components.find((c) => c.parameter === 'consciousness'), { input: { source: 'crew', by: 'cli:medic', value: 'A' } });
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { points: 0, input: { source: 'crew', by: 'cli:medic', value: 'off' } }, 'air, as the crew said');
  t.equal(s.qsofa.value, 0);
  t.equal(s.qsofa.band, 'negative');
  t.same(s.shockIndex, { score: 'shock-index', components: s.shockIndex.components, missing: [], stale: [], status: 'complete', value: 0.6, band: 'normal' });
  for (const body of [s.news2, s.qsofa, s.shockIndex]) {
    const rec = { kind: 'score', ...r.base('gateway'), driver: 'ews', ...body };
    t.ok(isCanonicalRecord(rec), `${body.score} record is canonical: ${JSON.stringify(lastRecordProblems())}`);
  }
});

t.test('missing ACVPU: incomplete, says which, with the floor the vitals already guarantee', async (t) => {
  const r = rig();
  r.vitals('mon', { rr: 26, spo2: 90, sys: 95, hr: 120, temp: 36.8 });
  r.crew('crew.oxygen', { oxygen: 'off' });
  const s = computeScores(r.ctx());
  t.equal(s.news2.status, 'incomplete');
  t.equal(s.news2.value, null);
  t.equal(s.news2.band, null);
  t.same(s.news2.missing, ['consciousness']);
  t.same(s.news2.atLeast, { value: 10, band: 'high' }, '3 + 3 + 2 + 2 + 0, air 0');
  t.match(s.news2.components.find((c) => c.parameter === 'consciousness'), { state: 'missing', reason: /has not entered ACVPU/ });
  t.equal(s.qsofa.band, 'positive', 'RR ≥ 22 and systolic ≤ 100 settle qSOFA without mentation');
  t.equal(s.qsofa.status, 'incomplete');
  t.equal(alertBody(s.news2, null, 'high').text, 'NEWS2 ≥ 10, high: emergency response; pre-alert the receiving hospital (incomplete: consciousness not known)');
});

t.test('a value older than its threshold is stale, never used; a fresh one brings the score back', async (t) => {
  const r = rig();
  r.vitals();
  r.crew('crew.acvpu', { level: 'A' });
  r.crew('crew.oxygen', { oxygen: 'off' });
  r.advance(30_000);
  r.numeric('mon', 'MDC_RESP_RATE', 16);
  r.numeric('mon', 'MDC_PRESS_BLD_NONINV_SYS', 125);
  r.numeric('mon', 'MDC_ECG_HEART_RATE', 75);
  r.advance(40_000); // SpO2 is now 70 s old (threshold 60 s); the others 40 s.
  const s = computeScores(r.ctx());
  t.equal(s.news2.status, 'incomplete');
  t.same(s.news2.stale, ['spo2']);
  t.same(s.news2.missing, []);
  t.match(s.news2.components.find((c) => c.parameter === 'spo2'), { state: 'stale', input: { value: 97, ageMs: 70_000 }, reason: /70 s old/ });
  t.notOk('points' in s.news2.components.find((c) => c.parameter === 'spo2')!, 'a stale value gets no sub-score');
  r.numeric('mon', 'MDC_PULS_OXIM_SAT_O2', 93);
  const again = computeScores(r.ctx());
  t.equal(again.news2.status, 'complete');
  t.equal(again.news2.value, 2, 'SpO2 93 % scale 1: 2');
});

t.test('an invalid marker is not a value: missing, with the reason', async (t) => {
  const r = rig();
  r.numeric('mon', 'MDC_PULS_OXIM_SAT_O2', null, 'invalid');
  const s = computeScores(r.ctx());
  t.match(s.news2.components.find((c) => c.parameter === 'spo2'), { state: 'missing', reason: 'mon reports MDC_PULS_OXIM_SAT_O2 as invalid' });
  t.match(s.news2.components.find((c) => c.parameter === 'temperature'), { state: 'missing', reason: 'no value received' });
});

t.test('oxygen: the ventilator FiO2 setting > 21 %, the crew overrides, a silent ventilator makes it stale', async (t) => {
  const r = rig();
  r.vitals();
  r.crew('crew.acvpu', { level: 'A' });
  r.fio2('vent', 21);
  t.match(computeScores(r.ctx()).news2.components.find((c) => c.parameter === 'airOrOxygen'), { points: 0, input: { by: 'vent', value: 21 } }, '21 % is air');
  r.fio2('vent', 40);
  let s = computeScores(r.ctx());
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { points: 2, input: { source: 'device', by: 'vent', value: 40 } });
  t.equal(s.news2.value, 2);
  r.crew('crew.oxygen', { oxygen: 'off' });
  s = computeScores(r.ctx());
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { points: 0, input: { source: 'crew', value: 'off' } }, 'the crew says air');
  r.crew('crew.oxygen', { oxygen: 'auto' });
  r.advance(150_000);
  r.vitals();
  r.crew('crew.acvpu', { level: 'A' });
  s = computeScores(r.ctx());
  t.same(s.news2.stale, ['airOrOxygen'], 'the ventilator went quiet: stale, not assumed air');
  r.crew('crew.oxygen', { oxygen: 'on' });
  r.advance(3600_000);
  r.vitals();
  r.crew('crew.acvpu', { level: 'A' });
  s = computeScores(r.ctx());
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { state: 'used', points: 2, input: { source: 'crew', value: 'on', ageMs: 3600_000 } }, 'a crew entry an hour old still stands: it is changed, not aged');
  t.equal(s.news2.status, 'complete');
});

t.test('no oxygen information: not assumed — missing, the score incomplete — unless the config says to assume air', async (t) => {
  const r = rig();
  r.vitals();
  r.crew('crew.acvpu', { level: 'A' });
  let s = computeScores(r.ctx());
  t.equal(s.news2.status, 'incomplete');
  t.same(s.news2.missing, ['airOrOxygen']);
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { state: 'missing', reason: /^oxygen: not entered \(ambulink crew oxygen on\|off\), and no ventilator/ });
  t.same(s.news2.atLeast, { value: 0, band: 'low' });
  r.crew('crew.oxygen', { oxygen: 'auto' });
  s = computeScores(r.ctx());
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { state: 'missing', reason: /crew set it to auto/ }, 'auto with no ventilator: still not known');

  const site = rig(parseConfig(`vehicle: { id: T1 }\nstorage: { dataDir: /nonexistent }\ndevices: []\nearlyWarning: { assumeAirWithoutOxygenEntry: true }\n`, 'vehicle.yaml').config.earlyWarning);
  site.vitals();
  site.crew('crew.acvpu', { level: 'A' });
  s = computeScores(site.ctx());
  t.equal(s.news2.status, 'complete', 'the site assumes air');
  t.match(s.news2.components.find((c) => c.parameter === 'airOrOxygen'), { state: 'used', points: 0, input: { source: 'default', by: 'gateway', value: 'air' } }, 'and the record says it was assumed');
});

t.test('scale 2 only when the crew set it for this encounter; on air and on oxygen', async (t) => {
  const r = rig();
  r.vitals('mon', { rr: 16, spo2: 97, sys: 125, hr: 75, temp: 36.8 });
  r.crew('crew.acvpu', { level: 'A' }, 'ENC-1');
  r.crew('crew.oxygen', { oxygen: 'off' }, 'ENC-1');
  r.crew('crew.spo2_scale', { scale: 2 }, 'ENC-0');
  t.equal(computeScores(r.ctx('ENC-1')).news2.scale, 1, "another encounter's scale 2 does not count");
  r.crew('crew.spo2_scale', { scale: 2 }, 'ENC-1');
  let s = computeScores(r.ctx('ENC-1'));
  t.equal(s.news2.scale, 2);
  t.match(s.news2.components.find((c) => c.parameter === 'spo2'), { points: 0, code: { code: '1104321000000108' } }, '97 % on air, scale 2: 0');
  r.crew('crew.oxygen', { oxygen: 'on' }, 'ENC-1');
  s = computeScores(r.ctx('ENC-1'));
  t.match(s.news2.components.find((c) => c.parameter === 'spo2'), { points: 3 }, '97 % on oxygen, scale 2: 3');
  t.equal(s.news2.value, 5, 'SpO2 3 + oxygen 2');
  t.equal(s.news2.band, 'medium');
  t.equal(computeScores(r.ctx('ENC-2')).news2.missing.includes('consciousness'), true, 'ACVPU from ENC-1 does not carry into ENC-2');
});

t.test('devices: the listed order wins over freshness; without a list, the better metric then the freshest device', async (t) => {
  const r = rig({ ...config, devices: ['mon2', 'mon'] });
  r.numeric('mon2', 'MDC_ECG_HEART_RATE', 100);
  r.advance(1000);
  r.numeric('mon', 'MDC_ECG_HEART_RATE', 80);
  t.match(computeScores(r.ctx()).shockIndex.components.find((c) => c.parameter === 'pulse'), { input: { by: 'mon2', value: 100 } });
  const free = rig();
  free.numeric('mon', 'MDC_RESP_RATE', 30);
  free.numeric('mon2', 'MDC_CO2_RESP_RATE', 14);
  free.advance(1000);
  free.numeric('mon', 'MDC_RESP_RATE', 31);
  t.match(computeScores(free.ctx()).news2.components.find((c) => c.parameter === 'respirationRate'), { input: { by: 'mon2', value: 14, metric: { ref: 'MDC_CO2_RESP_RATE' } } }, 'capnography first');
  free.numeric('mon2', 'MDC_ECG_HEART_RATE', 90);
  free.advance(1000);
  free.numeric('mon', 'MDC_ECG_HEART_RATE', 91);
  t.match(computeScores(free.ctx()).shockIndex.components.find((c) => c.parameter === 'pulse'), { input: { by: 'mon', value: 91 } }, 'the freshest device');
});
