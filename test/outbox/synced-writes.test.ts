// Which writes are synced: a write that carries a lab result or an alarm is synced in that write (the analyser is
// acknowledged after it, the alarm is sent after it), while numerics wait for the trailing sync. Observed on the
// store's own write calls, with a sync interval long enough that no timer sync happens during the test.
import t from 'tap';
import { alarm, lab, makeOutbox, numeric } from './helpers.js';
import { tempDir } from '../helpers/tmp.js';

t.test('lab results and alarms are synced in their write; numerics are not', async (t) => {
  const { outbox } = makeOutbox(tempDir(t), { syncIntervalMs: 600_000 });
  await outbox.start();
  t.teardown(() => outbox.stop());
  const writes: boolean[] = [];
  // The outbox's store, spied on: every batch it writes, and whether that batch was synced.
  const store = (outbox as unknown as { store: { write(ops: unknown[], sync: boolean): Promise<void> } }).store;
  const write = store.write.bind(store);
  store.write = (ops, sync) => {
    writes.push(sync);
    return write(ops, sync);
  };
  const syncOf = async (enqueue: () => void): Promise<boolean> => {
    const before = writes.length;
    enqueue();
    await outbox.stored();
    t.equal(writes.length, before + 1, 'one write');
    return writes.at(-1)!;
  };
  // A stream's first write reserves seqs (synced whatever it holds): each stream is written once first.
  await syncOf(() => outbox.enqueueRecord(numeric('mon', 80)));
  await syncOf(() => outbox.enqueueRecord(lab('bga', 7.4)));
  await syncOf(() => outbox.enqueueRecord(alarm('mon', 'a1')));
  await syncOf(() => outbox.enqueueRecord(numeric('mon', 81))); // the start-up sync may still be due once
  t.equal(await syncOf(() => outbox.enqueueRecord(numeric('mon', 82))), false, 'a numeric write is not synced');
  t.equal(await syncOf(() => outbox.enqueueRecord(lab('bga', 7.35))), true, 'a lab result is synced in its write');
  t.equal(await syncOf(() => outbox.enqueueRecord(numeric('mon', 83))), false, 'the next numeric write is not');
  t.equal(await syncOf(() => outbox.enqueueRecord(alarm('mon', 'a2'))), true, 'an alarm is synced in its write');
});
