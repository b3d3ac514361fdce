import t from 'tap';
import { isCanonicalRecord, lastRecordProblems, mdcTerm, mdcUnit, ucumUnit, loincTest, RECORD_KINDS } from '../../src/schema/index.js';

const base = {
  schema: 1,
  vehicle: 'AMB-1',
  device: 'mon',
  driver: 'x',
  observedAt: '2026-11-25T10:00:00.000Z',
  receivedAt: '2026-11-25T10:00:00.120Z',
  mono: 12345.5,
};
const hr = { ...base, kind: 'numeric', metric: mdcTerm('MDC_ECG_HEART_RATE'), unit: mdcUnit('MDC_DIM_BEAT_PER_MIN'), value: 72, validity: 'valid' };

t.test("the eight kinds of architecture.md, the outbox's loss accounting, and the gateway's scores, alerts and milestones are defined", async (t) => {
  t.same([...RECORD_KINDS].sort(), ['alarm', 'alert', 'device', 'event', 'lab', 'location', 'loss', 'milestone', 'numeric', 'score', 'setting', 'waveform']);
});

t.test('a numeric record with MDC term and UCUM unit is valid', async (t) => {
  t.ok(isCanonicalRecord(hr), JSON.stringify(lastRecordProblems()));
  t.same(hr.metric, { code: 147842, ref: 'MDC_ECG_HEART_RATE' });
  t.same(hr.unit, { ucum: '/min', mdc: 264864 });
});

t.test('an invalid value never travels as a number', async (t) => {
  t.notOk(isCanonicalRecord({ ...hr, value: -32767, validity: 'invalid' }));
  t.ok(isCanonicalRecord({ ...hr, value: null, validity: 'invalid' }));
  t.notOk(isCanonicalRecord({ ...hr, value: null, validity: 'valid' }), 'a valid value must be a number');
  t.ok(isCanonicalRecord({ ...hr, value: null, validity: 'unavailable' }));
});

t.test('unknown fields, bad times and unknown kinds are rejected', async (t) => {
  t.notOk(isCanonicalRecord({ ...hr, colour: 'red' }));
  t.notOk(isCanonicalRecord({ ...hr, observedAt: '2026-11-25 10:00:00' }));
  t.notOk(isCanonicalRecord({ ...hr, observedAt: '2026-11-25T10:00:00Z' }), 'milliseconds are required');
  t.notOk(isCanonicalRecord({ ...hr, kind: 'gossip' }));
  t.notOk(isCanonicalRecord({ ...hr, seq: '-1' }));
  t.ok(isCanonicalRecord({ ...hr, seq: '18446744073709551615', historical: true }), '64-bit seq as a string');
});

t.test('each kind has a valid example', async (t) => {
  const examples = [
    { ...base, kind: 'waveform', metric: mdcTerm('MDC_PULS_OXIM_SAT_O2'), unit: ucumUnit('1'), rate: 100, scale: { factor: 0.01, offset: 0 }, samples: [1, 2, 3], validity: 'valid' },
    { ...base, kind: 'alarm', alarmId: 'hr-high', text: 'HR HIGH', priority: 'high', category: 'physiological', state: 'active', about: mdcTerm('MDC_ECG_HEART_RATE') },
    { ...base, kind: 'setting', metric: mdcTerm('MDC_VENT_PRESS_AWAY_END_EXP_POS'), value: 5, unit: mdcUnit('MDC_DIM_CM_H2O'), validity: 'valid' },
    { ...base, kind: 'lab', test: loincTest('2744-1'), value: 7.38, unit: ucumUnit('[pH]'), flags: [], status: 'final', validity: 'valid', qc: false },
    { ...base, kind: 'location', fix: '3d', lat: 55.8, lon: 23.6, speed: 10, course: 221.5, validity: 'valid' },
    { ...base, kind: 'device', state: 'connected', transport: 'serial /dev/x', counters: { framesOk: 1, framesDropped: 0, bytesDropped: 0, checksumErrors: 0, records: 1, reconnects: 0 } },
    { ...base, kind: 'event', event: 'encounter.opened', detail: { encounter: 'E1' } },
    { ...base, device: 'gateway', kind: 'loss', stream: 'mon/waveform', firstSeq: '10', lastSeq: '19', count: 10, reason: 'evicted', class: 'waveform', firstAt: base.observedAt, lastAt: base.receivedAt },
  ];
  for (const e of examples) t.ok(isCanonicalRecord(e), `${e.kind}: ${JSON.stringify(lastRecordProblems())}`);
});

t.test('location bounds are enforced', async (t) => {
  const loc = { ...base, kind: 'location', fix: '3d', validity: 'valid' };
  t.notOk(isCanonicalRecord({ ...loc, lat: 91, lon: 0 }));
  t.notOk(isCanonicalRecord({ ...loc, lat: 0, lon: 0, course: 360 }));
  t.notOk(isCanonicalRecord({ ...loc, lat: 0, lon: 0, speed: -1 }));
});

t.test('a code missing from the tables cannot be used by a driver', async (t) => {
  t.throws(() => mdcTerm('MDC_NOT_A_THING'), /is not in src\/schema\/codes/);
  t.throws(() => mdcUnit('MDC_DIM_FURLONG'), /is not in src\/schema\/codes/);
  t.throws(() => ucumUnit('furlong'), /is not in src\/schema\/codes/);
  t.throws(() => loincTest('0000-0'), /is not in src\/schema\/codes/);
});

t.test('the code tables name each code once and each reference id once', async (t) => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { packageRoot } = await import('../../src/core/paths.js');
  const read = (f: string) => JSON.parse(readFileSync(join(packageRoot(), 'src/schema/codes', f), 'utf8')) as Record<string, Array<{ code: string | number; ref?: string }>>;
  const dupes = (xs: Array<string | number>) => xs.filter((x, i) => xs.indexOf(x) !== i);
  const mdc = read('mdc.json');
  t.same(dupes(mdc.terms!.map((e) => e.code)), [], 'MDC term codes unique');
  t.same(dupes(mdc.terms!.map((e) => e.ref!)), [], 'MDC term reference ids unique');
  t.same(dupes(mdc.units!.map((e) => e.code)), [], 'MDC unit codes unique');
  t.same(dupes(mdc.units!.map((e) => e.ref!)), [], 'MDC unit reference ids unique');
  t.same(dupes(read('ucum.json').units!.map((e) => e.code)), [], 'UCUM codes unique');
  t.same(dupes(read('loinc.json').codes!.map((e) => e.code)), [], 'LOINC codes unique');
});

t.test('a loss record names a stream, a seq range, a count and one of the known reasons', async (t) => {
  const loss = { ...base, device: 'gateway', kind: 'loss', stream: 'mon/waveform', firstSeq: '10', lastSeq: '19', count: 10, reason: 'expired', class: 'waveform' };
  t.ok(isCanonicalRecord(loss), JSON.stringify(lastRecordProblems()));
  t.notOk(isCanonicalRecord({ ...loss, reason: 'misplaced' }), 'unknown reason');
  t.notOk(isCanonicalRecord({ ...loss, count: 0 }), 'a loss of nothing is not a loss');
  t.notOk(isCanonicalRecord({ ...loss, firstSeq: 10 }), 'seq travels as a decimal string');
  const { stream: _s, ...noStream } = loss;
  t.notOk(isCanonicalRecord(noStream), 'the stream is required');
});
