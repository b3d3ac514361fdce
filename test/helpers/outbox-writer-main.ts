// A process that feeds an outbox as fast as it can (numerics in bursts, an alarm now and then) and prints, for every
// record the outbox says it stored, "stream seq" (whole, before it goes on: printLine). The kill -9 test kills it at a
// random moment and checks the store.
import { printLine } from '../../scripts/lib/kill-after-ready.js';
import { makeOutbox, alarm, numeric, waveform } from '../outbox/helpers.js';

const dir = process.argv[2]!;
const { outbox } = makeOutbox(dir, {}, {
  onStored: (r) => {
    printLine(`${r.stream} ${r.seq}`);
  },
});
await outbox.start();
printLine('ready');
let i = 0;
const burst = () => {
  // Mid-burst is where a kill hurts: many records accepted and not yet written.
  for (let k = 0; k < 200; k++) {
    outbox.enqueueRecord(numeric('mon', i));
    if (i % 3 === 0) outbox.enqueueRecord(waveform('mon', 50));
    if (i % 97 === 0) outbox.enqueueRecord(alarm('mon', `a${i}`));
    i++;
  }
  setImmediate(burst);
};
burst();
