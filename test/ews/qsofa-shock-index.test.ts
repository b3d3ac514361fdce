// qSOFA and the shock index at their thresholds, and what an incomplete qSOFA can and cannot settle.
import t from 'tap';
import { computeQsofa } from '../../src/ews/qsofa.js';
import { computeShockIndex, shockIndexBand } from '../../src/ews/shock-index.js';

t.test('qSOFA: RR ≥ 22, altered mentation, systolic ≤ 100; positive at ≥ 2', async (t) => {
  t.same(computeQsofa({ respirationRate: 21, consciousness: 'A', systolic: 101 }).points, { respirationRate: 0, mentation: 0, systolic: 0 });
  t.same(computeQsofa({ respirationRate: 22, consciousness: 'C', systolic: 100 }).points, { respirationRate: 1, mentation: 1, systolic: 1 });
  t.equal(computeQsofa({ respirationRate: 21.4, consciousness: 'A', systolic: 100.4 }).total, 1, 'rounded like the NEWS2 chart');
  const one = computeQsofa({ respirationRate: 22, consciousness: 'A', systolic: 101 });
  t.equal(one.total, 1);
  t.equal(one.band, 'negative');
  const two = computeQsofa({ respirationRate: 22, consciousness: 'A', systolic: 100 });
  t.equal(two.total, 2);
  t.equal(two.band, 'positive');
  t.equal(computeQsofa({ respirationRate: 30, consciousness: 'U', systolic: 70 }).total, 3);
});

t.test('qSOFA incomplete: settled when the missing criteria cannot change it', async (t) => {
  const pos = computeQsofa({ respirationRate: 25, systolic: 90 });
  t.equal(pos.total, null, 'no total without mentation');
  t.equal(pos.band, 'positive', 'two points already');
  t.same(pos.unscored, ['mentation']);
  const neg = computeQsofa({ respirationRate: 14, systolic: 130 });
  t.equal(neg.band, 'negative', 'cannot reach two with one criterion missing');
  const open = computeQsofa({ respirationRate: 25, systolic: 130 });
  t.equal(open.band, null, 'one point and one missing criterion: could be either');
  t.same(open.atLeast, { total: 1 });
  t.equal(computeQsofa({}).band, null);
});

t.test('shock index: HR / systolic, < 0.7 normal, 0.7–0.99 elevated, ≥ 1.0 high', async (t) => {
  t.equal(shockIndexBand(0.69), 'normal');
  t.equal(shockIndexBand(0.7), 'elevated');
  t.equal(shockIndexBand(0.99), 'elevated');
  t.equal(shockIndexBand(1), 'high');
  t.same(computeShockIndex(80, 120), { value: 0.67, band: 'normal' });
  t.same(computeShockIndex(84, 120), { value: 0.7, band: 'elevated' });
  t.same(computeShockIndex(119, 120), { value: 0.99, band: 'elevated' });
  t.same(computeShockIndex(120, 120), { value: 1, band: 'high' });
  t.same(computeShockIndex(83.5, 120), { value: 0.7, band: 'elevated' }, '0.6958 shows as 0.70 and is banded as shown');
  t.same(computeShockIndex(undefined, 120), { value: null, band: null });
  t.same(computeShockIndex(80, undefined), { value: null, band: null });
  t.same(computeShockIndex(80, 0), { value: null, band: null }, 'no division by a zero pressure');
});
