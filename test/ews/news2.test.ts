// NEWS2 against the RCP 2017 chart (the table in issue 16): every boundary value on both sides, for every parameter;
// SpO2 scale 2 on air and on oxygen; the bands; rounding to the chart's resolution; incomplete inputs.
import t, { type Test } from 'tap';
import {
  airOrOxygenScore,
  computeNews2,
  consciousnessScore,
  news2Band,
  pulseScore,
  respirationRateScore,
  spo2Scale1Score,
  spo2Scale2Score,
  systolicScore,
  temperatureScore,
  type News2Values,
} from '../../src/ews/news2.js';

type Row = [value: number, score: number];

function table(t: Test, name: string, fn: (v: number) => number | undefined, rows: Row[]): void {
  for (const [value, score] of rows) t.equal(fn(value), score, `${name} ${value} → ${score}`);
}

t.test('respiration rate: ≤8:3, 9–11:1, 12–20:0, 21–24:2, ≥25:3', async (t) => {
  table(t, 'RR', respirationRateScore, [
    [0, 3], [8, 3], [9, 1], [11, 1], [12, 0], [20, 0], [21, 2], [24, 2], [25, 3], [60, 3],
  ]);
});

t.test('SpO2 scale 1: ≤91:3, 92–93:2, 94–95:1, ≥96:0', async (t) => {
  table(t, 'SpO2 s1', spo2Scale1Score, [
    [50, 3], [91, 3], [92, 2], [93, 2], [94, 1], [95, 1], [96, 0], [100, 0],
  ]);
});

t.test('SpO2 scale 2 on air: ≤83:3, 84–85:2, 86–87:1, 88–92:0, ≥93 on air:0', async (t) => {
  table(t, 'SpO2 s2 air', (v) => spo2Scale2Score(v, false), [
    [60, 3], [83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0], [93, 0], [97, 0], [100, 0],
  ]);
});

t.test('SpO2 scale 2 on oxygen: 88–92:0, 93–94:1, 95–96:2, ≥97:3 (and the low rows as on air)', async (t) => {
  table(t, 'SpO2 s2 O2', (v) => spo2Scale2Score(v, true), [
    [83, 3], [84, 2], [85, 2], [86, 1], [87, 1], [88, 0], [92, 0], [93, 1], [94, 1], [95, 2], [96, 2], [97, 3], [100, 3],
  ]);
});

t.test('SpO2 scale 2 needs the oxygen status only at ≥ 93 %', async (t) => {
  t.equal(spo2Scale2Score(92, undefined), 0, '92 % scores 0 whatever the oxygen');
  t.equal(spo2Scale2Score(85, undefined), 2);
  t.equal(spo2Scale2Score(93, undefined), undefined, '93 % on an unknown supply cannot be scored');
});

t.test('air or oxygen: oxygen 2, air 0', async (t) => {
  t.equal(airOrOxygenScore(true), 2);
  t.equal(airOrOxygenScore(false), 0);
});

t.test('systolic: ≤90:3, 91–100:2, 101–110:1, 111–219:0, ≥220:3', async (t) => {
  table(t, 'sys', systolicScore, [
    [40, 3], [90, 3], [91, 2], [100, 2], [101, 1], [110, 1], [111, 0], [219, 0], [220, 3], [260, 3],
  ]);
});

t.test('pulse: ≤40:3, 41–50:1, 51–90:0, 91–110:1, 111–130:2, ≥131:3', async (t) => {
  table(t, 'pulse', pulseScore, [
    [20, 3], [40, 3], [41, 1], [50, 1], [51, 0], [90, 0], [91, 1], [110, 1], [111, 2], [130, 2], [131, 3], [200, 3],
  ]);
});

t.test('consciousness: A 0; new confusion, V, P, U 3', async (t) => {
  t.equal(consciousnessScore('A'), 0);
  for (const l of ['C', 'V', 'P', 'U'] as const) t.equal(consciousnessScore(l), 3, l);
});

t.test('temperature: ≤35.0:3, 35.1–36.0:1, 36.1–38.0:0, 38.1–39.0:1, ≥39.1:2', async (t) => {
  table(t, 'temp', temperatureScore, [
    [33, 3], [35.0, 3], [35.1, 1], [36.0, 1], [36.1, 0], [38.0, 0], [38.1, 1], [39.0, 1], [39.1, 2], [41, 2],
  ]);
});

t.test('values between chart rows are rounded half-up to the chart resolution first', async (t) => {
  t.equal(respirationRateScore(8.4), 3, '8.4 charts as 8');
  t.equal(respirationRateScore(8.5), 1, '8.5 charts as 9');
  t.equal(spo2Scale1Score(95.5), 0, '95.5 % charts as 96');
  t.equal(spo2Scale1Score(95.4), 1);
  t.equal(systolicScore(90.5), 2);
  t.equal(pulseScore(90.49), 0);
  t.equal(temperatureScore(35.05), 1, '35.05 °C charts as 35.1 (no binary-fraction slip)');
  t.equal(temperatureScore(35.04), 3);
  t.equal(temperatureScore(38.05), 1);
  t.equal(temperatureScore(36.05), 0);
});

t.test('bands: 0–4 low, a 3 in one parameter low–medium, 5–6 medium, ≥7 high', async (t) => {
  t.equal(news2Band(0, [0, 0]), 'low');
  t.equal(news2Band(4, [2, 2]), 'low');
  t.equal(news2Band(3, [3, 0]), 'low-medium');
  t.equal(news2Band(4, [3, 1]), 'low-medium');
  t.equal(news2Band(5, [3, 2]), 'medium', 'a 3 does not lower a medium aggregate');
  t.equal(news2Band(5, [1, 1, 1, 2]), 'medium');
  t.equal(news2Band(6, [2, 2, 2]), 'medium');
  t.equal(news2Band(7, [2, 2, 2, 1]), 'high');
  t.equal(news2Band(12, [3, 3, 3, 3]), 'high');
});

const normal: News2Values = { respirationRate: 16, spo2: 97, onOxygen: false, systolic: 125, pulse: 75, consciousness: 'A', temperature: 36.8 };

t.test('a complete score: total, band, every sub-score', async (t) => {
  const r = computeNews2(normal, 1);
  t.equal(r.total, 0);
  t.equal(r.band, 'low');
  t.same(r.unscored, []);
  t.same(r.subScores, { respirationRate: 0, spo2: 0, airOrOxygen: 0, systolic: 0, pulse: 0, consciousness: 0, temperature: 0 });

  // A worked example: RR 22 (2), SpO2 93 scale 1 (2), oxygen (2), sys 105 (1), pulse 112 (2), V (3), 38.4 (1) = 13.
  const sick = computeNews2({ respirationRate: 22, spo2: 93, onOxygen: true, systolic: 105, pulse: 112, consciousness: 'V', temperature: 38.4 }, 1);
  t.equal(sick.total, 13);
  t.equal(sick.band, 'high');
  t.same(sick.subScores, { respirationRate: 2, spo2: 2, airOrOxygen: 2, systolic: 1, pulse: 2, consciousness: 3, temperature: 1 });
});

t.test('scale 2 on air and on oxygen, in the whole score', async (t) => {
  const air = computeNews2({ ...normal, spo2: 96 }, 2);
  t.equal(air.subScores.spo2, 0, '96 % on air, scale 2: 0');
  t.equal(air.total, 0);
  const o2 = computeNews2({ ...normal, spo2: 96, onOxygen: true }, 2);
  t.equal(o2.subScores.spo2, 2, '96 % on oxygen, scale 2: 2 (overshooting the 88–92 % target)');
  t.equal(o2.subScores.airOrOxygen, 2);
  t.equal(o2.total, 4);
  const s1 = computeNews2({ ...normal, spo2: 96, onOxygen: true }, 1);
  t.equal(s1.subScores.spo2, 0, 'the same value on scale 1: 0');
  t.equal(s1.total, 2);
  const hypox = computeNews2({ ...normal, spo2: 89 }, 2);
  t.equal(hypox.subScores.spo2, 0, '89 % is on target on scale 2');
  t.equal(computeNews2({ ...normal, spo2: 89 }, 1).subScores.spo2, 3, 'and scores 3 on scale 1');
});

t.test('a 3 in one parameter: low–medium', async (t) => {
  const r = computeNews2({ ...normal, consciousness: 'C' }, 1);
  t.equal(r.total, 3);
  t.equal(r.band, 'low-medium');
});

t.test('missing inputs: incomplete, no total, a floor from what is known', async (t) => {
  const { temperature: _t, consciousness: _c, ...rest } = normal;
  const r = computeNews2(rest, 1);
  t.equal(r.total, null);
  t.equal(r.band, null);
  t.same(r.unscored, ['consciousness', 'temperature']);
  t.same(r.atLeast, { total: 0, band: 'low' });
  const worse = computeNews2({ respirationRate: 26, pulse: 135, systolic: 88 }, 1);
  t.equal(worse.total, null);
  t.same(worse.atLeast, { total: 9, band: 'high' }, 'already high whatever the missing parameters are');
  t.same(worse.unscored, ['spo2', 'airOrOxygen', 'consciousness', 'temperature']);
  const noO2 = computeNews2({ ...normal, spo2: 95, onOxygen: undefined }, 2);
  t.ok(noO2.unscored.includes('spo2') && noO2.unscored.includes('airOrOxygen'), 'scale 2 at 95 % without the oxygen status: SpO2 unscored too');
});
