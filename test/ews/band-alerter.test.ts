// One alert per rise: flicker at a threshold does not flood, a settled fall re-arms, a further rise alerts at once.
import t from 'tap';
import { BandAlerter } from '../../src/ews/band-alerter.js';
import { NEWS2_BANDS } from '../../src/ews/news2.js';

const MIN = 60_000;

t.test('a value flickering at a threshold alerts once', async (t) => {
  const a = new BandAlerter(NEWS2_BANDS, 5 * MIN);
  t.equal(a.update('low', 0), undefined, 'low is where it starts: no alert');
  const rises = [];
  // NEWS2 4, 5, 4, 5 … every 10 s for 10 minutes.
  for (let i = 1; i <= 60; i++) {
    const r = a.update(i % 2 ? 'medium' : 'low', i * 10_000);
    if (r) rises.push({ at: i, ...r });
  }
  t.same(rises, [{ at: 1, from: 'low', to: 'medium' }], 'one alert, at the first rise');
});

t.test('after the band has settled below for the hold time, a new rise alerts again', async (t) => {
  const a = new BandAlerter(NEWS2_BANDS, 5 * MIN);
  t.same(a.update('medium', 0), { from: null, to: 'medium' }, 'the first band seen, if raised, alerts');
  t.equal(a.update('low', 1 * MIN), undefined);
  t.equal(a.update('low', 5 * MIN), undefined, '4 minutes low: same episode');
  t.equal(a.update('medium', 5.5 * MIN), undefined, 'back up before the hold ran out: no new alert');
  t.equal(a.update('low', 6 * MIN), undefined);
  t.equal(a.update('low', 11 * MIN), undefined, 'low for the full 5 minutes: re-armed');
  t.same(a.update('medium', 12 * MIN), { from: 'low', to: 'medium' }, 'a new rise alerts');
});

t.test('a further rise alerts at once; a partial fall re-arms at the lower band only', async (t) => {
  const a = new BandAlerter(NEWS2_BANDS, 5 * MIN);
  t.same(a.update('low-medium', 0), { from: null, to: 'low-medium' });
  t.same(a.update('medium', 1000), { from: 'low-medium', to: 'medium' });
  t.same(a.update('high', 2000), { from: 'medium', to: 'high' });
  t.equal(a.update('high', 3000), undefined, 'staying high: nothing');
  t.equal(a.update('medium', 4000), undefined);
  t.equal(a.update('medium', 4000 + 5 * MIN), undefined, 'settled at medium');
  t.same(a.update('high', 4000 + 6 * MIN), { from: 'medium', to: 'high' }, 'high again after settling at medium');
  t.equal(a.update('medium', 4000 + 7 * MIN), undefined, 'no alert for a fall');
});

t.test('a floor (an incomplete NEWS2) can rise but is never a fall: it neither re-arms nor counts toward the hold', async (t) => {
  const a = new BandAlerter(NEWS2_BANDS, 5 * MIN);
  t.same(a.update('high', 0), { from: null, to: 'high' });
  // The SpO2 probe comes off: only a floor of low–medium is known, for twice the hold time.
  for (let m = 1; m <= 10; m++) t.equal(a.update('low-medium', m * MIN, true), undefined, `floor, minute ${m}`);
  t.equal(a.update('high', 11 * MIN), undefined, 'the probe is back and the patient still high: the same episode, no second alert');
  t.equal(a.update('low', 12 * MIN), undefined);
  t.equal(a.update('low', 14 * MIN), undefined);
  t.equal(a.update('low-medium', 15 * MIN, true), undefined, 'an incomplete spell breaks the fall');
  t.equal(a.update('low', 16 * MIN), undefined);
  t.equal(a.update('low', 20 * MIN), undefined, '4 minutes low since the break: not yet re-armed');
  t.equal(a.update('high', 20.5 * MIN), undefined, 'still the same episode');
  t.same(a.update('low', 21 * MIN), undefined);
  t.same(a.update('low', 26 * MIN), undefined, 'five unbroken minutes low: re-armed');
  t.same(a.update('medium', 27 * MIN, true), { from: 'low', to: 'medium' }, 'a floor above the armed band is a rise: the patient is at least that ill');
});

t.test('an unknown band changes nothing; reset starts over; unknown band names are refused', async (t) => {
  const a = new BandAlerter(NEWS2_BANDS, 5 * MIN);
  t.same(a.update('high', 0), { from: null, to: 'high' });
  t.equal(a.update(null, 10 * MIN), undefined);
  t.equal(a.update('high', 11 * MIN), undefined, 'an incomplete spell is not a fall');
  t.equal(a.update('low', 12 * MIN), undefined);
  t.equal(a.update(null, 13 * MIN), undefined);
  t.equal(a.update('low', 17 * MIN), undefined);
  t.equal(a.update('high', 17.5 * MIN), undefined, 'nor part of one: 5.5 minutes since the first low, but broken');
  a.reset();
  t.same(a.update('high', 12 * MIN), { from: null, to: 'high' }, 'a new patient alerts afresh');
  t.throws(() => a.update('severe' as 'high', 0), /unknown band "severe"/);
});
