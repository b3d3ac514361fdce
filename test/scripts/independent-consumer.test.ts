// The chaos run's independent consumer must be able to fail: over a real broker (the embedded aedes), envelopes with a
// hole no loss record covers are counted as unannounced gaps (the failure), a hole covered by a loss record as
// announced, resent copies as duplicates, and the session persists across its own reconnect.
import mqtt from 'mqtt';
import t from 'tap';
import { startIndependentConsumer } from '../../scripts/lib/independent-consumer.js';
import { StandInBroker } from '../../src/broker/stand-in-broker.js';
import { waitFor } from '../helpers/wait.js';

const envelope = (stream: string, items: object[]) => JSON.stringify({ vehicle: 'AMB-1', stream, items });
const numerics = (seqs: number[]) => seqs.map((seq) => ({ seq, kind: 'numeric', device: 'mon', metric: 'MDC_PULS_OXIM_SAT_O2', value: 97 }));

t.test('gaps: unannounced ones counted, announced ones not, duplicates apart', async (t) => {
  const broker = new StandInBroker();
  await broker.start();
  t.teardown(() => broker.stop());
  const consumer = await startIndependentConsumer(broker.url, { clientId: 'independent-test' });
  t.teardown(() => consumer.stop());
  const gateway = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'gateway' });
  t.teardown(() => gateway.endAsync());

  const topic = 'ambulink/v1/AMB-1/mon/numeric';
  // 1..10 with 4–5 missing and announced, 8 missing and not announced; 3 sent twice (a resend).
  await gateway.publishAsync(topic, envelope('mon/numeric', numerics([1, 2, 3])), { qos: 1 });
  await gateway.publishAsync(topic, envelope('mon/numeric', numerics([3, 6, 7, 9, 10])), { qos: 1 });
  await gateway.publishAsync('ambulink/v1/AMB-1/gateway/loss', envelope('gateway/loss', [{ seq: 1, kind: 'loss', device: 'gateway', stream: 'mon/numeric', firstSeq: 4, lastSeq: 5, count: 2, reason: 'evicted' }]), { qos: 1 });
  await waitFor(() => consumer.messages() >= 3, () => `the consumer got ${consumer.messages()} of 3 messages`, 10_000);

  const report = consumer.report();
  t.equal(report.perStream['AMB-1/mon/numeric']?.max, 10);
  t.equal(report.loss_announced, 2, 'seqs 4 and 5: covered by the loss record');
  t.equal(report.gaps_unannounced, 1, 'seq 8: a hole nobody announced');
  t.same(report.sample, ['AMB-1/mon/numeric#8']);
  t.same(consumer.gaps(), [['AMB-1/mon/numeric', 8]]);
  t.equal(report.duplicates, 1, 'seq 3 twice');
  t.ok(consumer.accounted('AMB-1/mon/numeric', 4), 'an announced seq is accounted for');
  t.notOk(consumer.accounted('AMB-1/mon/numeric', 8), 'an unannounced hole is not');

  // The hole filled late (a resend after a reconnect) is no longer a gap.
  await gateway.publishAsync(topic, envelope('mon/numeric', numerics([8])), { qos: 1 });
  await waitFor(() => consumer.report().gaps_unannounced === 0, 'the late seq 8 to fill the hole', 10_000);
  t.equal(consumer.report().records, 9, 'nine distinct seqs received (4 and 5 announced lost)');
});

t.test('single records as the local broker publishes them count under {device}/{kind}', async (t) => {
  const broker = new StandInBroker();
  await broker.start();
  t.teardown(() => broker.stop());
  const consumer = await startIndependentConsumer(broker.url, { clientId: 'tablet-like' });
  t.teardown(() => consumer.stop());
  const gateway = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'local' });
  t.teardown(() => gateway.endAsync());
  for (const seq of [1, 2, 4]) await gateway.publishAsync('ambulink/v1/AMB-1/mon/numeric', JSON.stringify({ ...numerics([seq])[0], vehicle: 'AMB-1' }), { qos: 1 });
  await waitFor(() => consumer.messages() >= 3, () => `the consumer got ${consumer.messages()} of 3 messages`, 10_000);
  t.same(consumer.gaps(), [['AMB-1/mon/numeric', 3]], 'seq 3 missing, under mon/numeric');
});
