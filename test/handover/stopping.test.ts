// Stopping a destination must end, whatever the queue was doing: the daemon's shutdown (and systemd's stop) waits for
// it. A stop that came while the queue was reading its head from disk used to hand the transport an already-aborted
// signal, whose 'abort' never fires again: with the engine unreachable, the send then waited forever for a connection.
import t from 'tap';
import { freePort } from '../../scripts/lib/free-port.js';
import { silentLogger } from '../../src/core/logger.js';
import { MllpTransport } from '../../src/handover/mllp-transport.js';
import { tempDir } from '../helpers/tmp.js';
import { oru, startQueue, transportOptions } from './rig.js';

/** The promise's value, or 'still waiting' once ms have passed (a deadline for a hang, not a timing assertion). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

t.test('send with an already-aborted signal and no connection: answers "stopping" at once', async (t) => {
  const transport = new MllpTransport(transportOptions(await freePort(), { log: silentLogger() }));
  await transport.start();
  t.teardown(() => transport.stop());
  const signal = AbortSignal.abort();
  const outcome = await within(transport.send(oru(), signal), 10_000);
  t.same(outcome, { kind: 'retry', reason: 'stopping', linkFailure: true });
});

t.test('stop right after an enqueue, the engine unreachable: the queue stops and the message stays queued', async (t) => {
  const port = await freePort();
  // The stop lands at a different point of the loop each time (idle, reading the head, waiting for a connection).
  for (let i = 0; i < 20; i++) {
    // Stopped and closed here, by the test: what is under test.
    const rig = await startQueue({ teardown: () => undefined }, port, { dir: tempDir(t, 'al-hs-') });
    await rig.queue.enqueue([oru()]);
    if (i % 4 === 1) await new Promise((r) => setImmediate(r));
    if (i % 4 === 2) await new Promise((r) => setTimeout(r, i));
    const stopped = await within(rig.queue.stop().then(() => 'stopped' as const), 10_000);
    t.equal(stopped, 'stopped', `stop ${i + 1} ended`);
    t.equal(rig.queue.status().queued, 1, 'the message is still queued');
    await rig.store.close();
  }
});
