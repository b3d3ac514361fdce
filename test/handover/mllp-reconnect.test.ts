// Reconnecting to the interface engine: the delays the MLLP destination uses (its defaults, from the kind's schema)
// stay within the backoff's bounds and are spread by the jitter, and one transport keeps coming back across several
// restarts of a real listener on the same port, delivering what queued meanwhile, in order.
import t from 'tap';
import { Backoff } from '../../src/core/backoff.js';
import { hl7v2Mllp } from '../../src/handover/hl7-kind.js';
import { RECONNECT_JITTER, reconnectBackoff } from '../../src/handover/mllp-transport.js';
import { StandInListener } from '../../src/handover/stand-in-listener.js';
import { waitFor } from '../helpers/wait.js';
import { oru, startRig } from './rig.js';

t.test('reconnect delays with the default settings: within [initial·(1−j), max·(1+j)], capped near max, not in step', async (t) => {
  const props = hl7v2Mllp.optionsSchema.properties as Record<string, { default?: number }>;
  const initial = props.reconnectInitialMs!.default!;
  const max = props.reconnectMaxMs!.default!;
  t.equal(initial, 500, 'the documented default first delay');
  t.equal(max, 30_000, 'the documented default cap');
  const j = RECONNECT_JITTER;
  t.equal(j, 0.3);

  const backoff = new Backoff(reconnectBackoff(initial, max));
  const delays = Array.from({ length: 400 }, () => backoff.next());
  t.ok(delays.every((d) => d >= initial * (1 - j) && d <= max * (1 + j)), 'every delay within the bounds');
  t.ok(delays[0]! >= initial * (1 - j) && delays[0]! <= initial * (1 + j), `the first near the initial delay (${delays[0]} ms)`);
  // From the 7th attempt on, 500·2⁶ > 30 000: every delay is the cap with its jitter.
  const capped = delays.slice(6);
  t.ok(capped.every((d) => d >= max * (1 - j) && d <= max * (1 + j)), 'capped: within max ± jitter');
  t.ok(new Set(capped).size > capped.length / 2, `spread by the jitter (${new Set(capped).size} distinct of ${capped.length})`);
  t.ok(Math.min(...capped) < max * (1 - j / 2) && Math.max(...capped) > max * (1 + j / 2), 'over most of the jitter range, both sides');

  // A fleet: the first delays of many vehicles differ too.
  const firsts = Array.from({ length: 50 }, () => new Backoff(reconnectBackoff(initial, max)).next());
  t.ok(new Set(firsts).size > 1, 'vehicles do not reconnect in step');
});

t.test('one transport keeps reconnecting across several listener restarts, delivering each backlog in order', async (t) => {
  const rig = await startRig(t, { transport: { reconnect: reconnectBackoff(50, 400) } });
  const port = rig.listener.port;
  const first = oru();
  await rig.queue.enqueue([first]);
  await waitFor(() => rig.queue.status().queued === 0, 'first delivered');
  await rig.listener.stop();

  for (let round = 1; round <= 3; round++) {
    const backlog = Array.from({ length: 5 }, () => oru());
    await rig.queue.enqueue(backlog);
    await waitFor(() => /^down: /.test(rig.queue.status().link), `round ${round}: the link down`);
    t.equal(rig.queue.status().queued, 5, `round ${round}: the backlog kept while the listener is away`);
    const listener = new StandInListener({ port });
    await listener.start();
    await waitFor(() => rig.queue.status().queued === 0, `round ${round}: backlog drained after the restart`);
    t.same(listener.receivedIds, backlog.map((m) => m.id), `round ${round}: each once, in order`);
    await listener.stop();
  }
  t.equal(rig.queue.status().parked, null, 'an outage never parks');
});
