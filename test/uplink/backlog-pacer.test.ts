// The backlog pacer on its own: the live records' age at PUBACK steers how much the backlog may send.
import t from 'tap';
import { BacklogPacer } from '../../src/uplink/backlog-pacer.js';

t.test('old live records shrink the backlog; young ones (or none) let it grow back', async (t) => {
  const p = new BacklogPacer(65_536, 16 * 65_536);
  let now = 1000;
  p.reset(now);
  // The link's own round trip: live records acknowledged within 5 ms when nothing competes.
  p.liveAcked(now, 5);
  const start = p.rate;
  for (let i = 0; i < 10; i++) {
    now += 100;
    p.liveAcked(now, 200);
  }
  t.ok(start > 1000);
  t.equal(p.rate, 1000, `shrunk from ${start} records/s to the floor, never below: the backlog always moves`);
  t.equal(p.bytes, 65_536, 'bytes in flight down to one message');
  const low = p.rate;
  for (let i = 0; i < 10; i++) {
    now += 100;
    p.liveAcked(now, 5);
    p.backlogAcked(now);
  }
  t.ok(p.rate > low * 5, 'grows again while live data stays young');
  for (let i = 0; i < 100; i++) {
    now += 100;
    p.backlogAcked(now);
  }
  t.equal(p.rate, 1_000_000, 'without live data, as fast as the rest allows');
});

t.test('the rate is enforced with a short burst allowance; bytes in flight are capped', async (t) => {
  const p = new BacklogPacer(65_536, 4 * 65_536);
  p.reset(0);
  t.equal(p.wait(0, 0, 0), 0, 'the first message may go');
  p.sent(5000);
  const wait = p.wait(0, 0, 1);
  t.ok(wait > 500 && wait <= 1000, `then it waits for the tokens (${wait} ms at ${p.rate}/s)`);
  t.equal(p.wait(10_000, 4 * 65_536, 3), Infinity, 'bytes in flight at the cap: wait for a PUBACK');
  t.equal(p.wait(10_000, 4 * 65_536, 0), 0, 'but one message may always be in flight');
});

t.test('the budget follows the link: on a slow link live records may be older before the backlog yields', async (t) => {
  const p = new BacklogPacer(65_536, 16 * 65_536);
  let now = 0;
  p.reset(now);
  const start = p.rate;
  // A 5G link with 150 ms round trips: 150 ms is as young as live data gets, and 300 ms is within 3× of it.
  for (let i = 0; i < 10; i++) {
    now += 100;
    p.liveAcked(now, i === 0 ? 150 : 300);
  }
  t.ok(p.rate > start, 'not throttled by the latency of the link itself');
  for (let i = 0; i < 5; i++) {
    now += 100;
    p.liveAcked(now, 900);
  }
  t.ok(p.rate < start, 'throttled once the backlog makes live data wait beyond that');
});
