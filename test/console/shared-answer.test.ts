// The status and pending-setpoint answers two consoles share: computed once per period, fresh after it, a failure
// not served again, and forgotten after a decision; a shared status still carries the time it is handed out.
import t from 'tap';
import { ConsoleState } from '../../src/console/console-state.js';
import type { Clock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { SharedAnswer } from '../../src/console/shared-answer.js';
import { ControlServer } from '../../src/control/server.js';

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

t.test("a shared status is stamped when handed out, not when computed (the page's clock skew must not include its age)", async (t) => {
  const clock = manualClock();
  // The daemon's own control methods, called in-process as the console calls them (the socket is not needed).
  const control = new ControlServer('unused.sock', undefined, silentLogger());
  let computed = 0;
  control.register('status', async () => ({ sections: { outbox: { computed: ++computed } } }));
  control.register('devices', async () => []);
  const state = new ConsoleState(clock, control, false);
  const first = await state.status();
  t.equal(first.at, new Date(clock.wallMs()).toISOString());
  clock.advance(1200);
  const second = await state.status();
  t.same(second.sections, first.sections, 'the same shared answer');
  t.equal(computed, 1, 'computed once');
  t.equal(Date.parse(second.at) - Date.parse(first.at), 1200, 'but stamped with the time it was handed out');
});
