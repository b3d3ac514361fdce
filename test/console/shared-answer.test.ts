// The status and pending-setpoint answers two consoles share: computed once per period, fresh after it, a failure
// not served again, and forgotten after a decision.
import t from 'tap';
import type { Clock } from '../../src/core/clock.js';
import { SharedAnswer } from '../../src/console/shared-answer.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let mono = 1000;
  return { wallMs: () => 1_700_000_000_000 + mono, monoMs: () => mono, advance: (ms) => void (mono += ms) };
}

t.test('one computation serves every asker within the period, a new one after it', async (t) => {
  const clock = manualClock();
  let computed = 0;
  const shared = new SharedAnswer(clock, 1000, async () => ++computed);
  t.same(await Promise.all([shared.get(), shared.get()]), [1, 1], 'two consoles at once: one computation');
  clock.advance(999);
  t.equal(await shared.get(), 1, 'still inside the period');
  clock.advance(1);
  t.equal(await shared.get(), 2, 'the period is over: computed again');
  shared.forget();
  t.equal(await shared.get(), 3, 'forgotten: computed again at once');
});

t.test('a failed answer is not served to the next asker', async (t) => {
  const clock = manualClock();
  let calls = 0;
  const shared = new SharedAnswer(clock, 1000, async () => {
    calls++;
    if (calls === 1) throw new Error('daemon busy');
    return 'ok';
  });
  await t.rejects(shared.get(), /daemon busy/);
  t.equal(await shared.get(), 'ok', 'the next asker gets a fresh try inside the period');
  t.equal(calls, 2);
});
