import t from 'tap';
import { BitrateController, judge } from '../../src/video/bitrate-controller.js';

const good = { rttMs: 20, sendBufferMs: 5, lossRatio: 0, source: 'test' };
const congested = { rttMs: 500, sendBufferMs: 700, lossRatio: 0.15, source: 'test' };
const strained = { rttMs: 300, sendBufferMs: 50, lossRatio: 0.01, source: 'test' };

t.test('verdicts relative to the latency budget', async (t) => {
  t.equal(judge(good, 1200), 'good');
  t.equal(judge(congested, 1200), 'congested');
  t.equal(judge(strained, 1200), 'strained');
  t.equal(judge({ rttMs: 200, source: 't' }, 1200), 'fair');
});

t.test('down fast, never below the floor; up slowly after a sustained good spell', async (t) => {
  const c = new BitrateController({ minKbps: 300, maxKbps: 2500, latencyMs: 1200 });
  let now = 0;
  t.equal(c.observe(congested, now), 1250, 'one congested sample halves the rate at once');
  t.equal(c.observe(congested, (now += 1000)), undefined, 'held while the change takes effect');
  t.equal(c.observe(congested, (now += 3000)), 650);
  t.equal(c.observe(congested, (now += 3000)), 350);
  t.equal(c.observe(congested, (now += 3000)), 300);
  t.equal(c.observe(congested, (now += 3000)), undefined, 'floor reached');
  t.equal(c.kbps, 300);
  // Good again: nothing for 15 s, then one step, then another 15 s.
  for (let i = 0; i < 15; i++) t.equal(c.observe(good, (now += 1000)), undefined);
  t.equal(c.observe(good, (now += 1000)), 350, 'first step up once 15 s of good samples have passed');
  t.equal(c.observe(good, (now += 1000)), undefined, 'the next step needs another full spell');
  now += 20_000;
  t.equal(c.observe(good, now), 400);
});

t.test('a bad sample resets the good spell (hysteresis)', async (t) => {
  const c = new BitrateController({ minKbps: 300, maxKbps: 1000, latencyMs: 1200 });
  let now = 0;
  c.observe(congested, now);
  t.equal(c.kbps, 500);
  for (let i = 0; i < 10; i++) c.observe(good, (now += 1000));
  c.observe({ rttMs: 200, source: 't' }, (now += 1000)); // fair: not good
  for (let i = 0; i < 10; i++) t.equal(c.observe(good, (now += 1000)), undefined, 'the spell restarted');
  for (let i = 0; i < 6; i++) c.observe(good, (now += 1000));
  t.equal(c.kbps, 550);
});

t.test('never above the ceiling', async (t) => {
  const c = new BitrateController({ minKbps: 300, maxKbps: 1000, latencyMs: 1200 });
  for (let now = 0; now < 120_000; now += 1000) c.observe(good, now);
  t.equal(c.kbps, 1000);
});
