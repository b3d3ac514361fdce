// The page's waveform playout (src/console/playout.ts): samples revealed at the wave's own rate a batch behind their
// arrival, never past what arrived, and a jump rather than a slow catch-up when far behind.
import t from 'tap';
import { FEED_MS } from '../../src/broker/feed-period.js';
import { PLAYOUT_LAG_S, PLAYOUT_MAX_LAG_S, playoutPosition } from '../../src/console/playout.js';

const rate = 500;

t.test('first drawing: one lag behind what arrived (from 0 when less arrived)', async (t) => {
  t.equal(playoutPosition(undefined, 1000, rate, 0), 1000 - PLAYOUT_LAG_S * rate);
  t.equal(playoutPosition(undefined, 50, rate, 0), 0);
});

t.test('batches as the feed sends them, drawn at 60 frames a second: even steps, never past the arrived samples, never stalled', async (t) => {
  const batchMs = FEED_MS;
  const frameMs = 1000 / 60;
  let written = rate; // a second arrived before the page opened
  let shown = playoutPosition(undefined, written, rate, 0);
  let nextBatch = batchMs;
  const steps: number[] = [];
  let stalls = 0;
  let past = 0;
  for (let now = frameMs; now < 20_000; now += frameMs) {
    while (now >= nextBatch) {
      written += (rate * batchMs) / 1000;
      nextBatch += batchMs;
    }
    const next = playoutPosition(shown, written, rate, frameMs);
    if (next > written) past++;
    steps.push(next - shown);
    if (next === shown) stalls++;
    shown = next;
  }
  const expected = (rate * frameMs) / 1000;
  t.equal(past, 0, 'never past what arrived');
  t.equal(stalls, 0, 'never waits for a batch (it is drawn a batch behind)');
  t.ok(steps.every((s) => Math.abs(s - expected) < 1e-6), `every frame advances by the same ${expected.toFixed(2)} samples`);
  const lagS = (written - shown) / rate;
  t.ok(lagS >= 0 && lagS <= PLAYOUT_LAG_S + batchMs / 1000, `stays about a batch behind (${lagS.toFixed(3)} s)`);
});

t.test('far behind (a hidden tab, a stall then a burst): jumps to one lag behind instead of crawling', async (t) => {
  const written = 10 * rate;
  const shown = written - (PLAYOUT_MAX_LAG_S + 1) * rate;
  t.equal(playoutPosition(shown, written, rate, 16), written - PLAYOUT_LAG_S * rate);
  const near = written - PLAYOUT_LAG_S * rate;
  t.equal(playoutPosition(near, written, rate, 100), near + 50, 'within the limit: advanced at the rate');
  t.equal(playoutPosition(written - 2, written, rate, 100), written, 'capped at what arrived');
  t.equal(playoutPosition(near, written, rate, -5), near, 'a clock going back moves nothing');
});
