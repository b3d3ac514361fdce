// A destination queue in a process of its own, for the kill -9 test: `produce N` enqueues N messages (K0…K{N-1}) in
// small batches and prints the highest index once it is written; `drain` only delivers, and prints "drained" when the
// queue is empty. Usage: node <loader args> queue-child-main.ts DATA_DIR PORT produce N | drain
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { MllpTransport } from '../../src/handover/mllp-transport.js';
import { DestinationQueue } from '../../src/handover/queue.js';
import { HandoverStore } from '../../src/handover/store.js';
import { fastQueue, oru, transportOptions } from './rig.js';

const [dir, port, mode, count] = process.argv.slice(2);
const store = new HandoverStore(join(dir!, 'handover'));
await store.open();
const queue = new DestinationQueue({
  name: 'his',
  kind: 'hl7v2-mllp',
  store,
  transport: new MllpTransport(transportOptions(Number(port), { ackTimeoutMs: 1000 })),
  options: fastQueue,
  clock: systemClock,
  log: silentLogger(),
  onDeadLetter: () => undefined,
});
await queue.start();
if (mode === 'produce') {
  const n = Number(count);
  for (let i = 0; i < n; i += 5) {
    const batch = Array.from({ length: Math.min(5, n - i) }, (_, j) => oru(`K${i + j}`));
    await queue.enqueue(batch);
    process.stdout.write(`enqueued ${i + batch.length - 1}\n`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
for (;;) {
  if (queue.status().queued === 0) process.stdout.write('drained\n');
  await new Promise((r) => setTimeout(r, 50));
}
