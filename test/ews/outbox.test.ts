// Scores, alerts and milestones reach the hospital like any record: through the outbox, sequenced in their own
// streams, in their priority classes (scores with the numerics, milestones and alerts with the alarms). While the
// hospital is unreachable they wait in the outbox; when it is back, they arrive.
import t from 'tap';
import { startHospitalConsumer } from '../../scripts/lib/hospital-consumer.js';
import { StandInBroker } from '../../src/broker/stand-in-broker.js';
import { callDaemon } from '../../src/control/client.js';
import type { Envelope } from '../../src/outbox/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

t.test('score and milestone records go through the outbox to the hospital, in their classes', async (t) => {
  const hospital = new StandInBroker();
  await hospital.start();
  let hospitalUp = true;
  t.teardown(() => (hospitalUp ? hospital.stop() : undefined));
  const consumer = await startHospitalConsumer(hospital.url, { vehicle: 'TEST-1' });
  t.teardown(() => consumer.stop());
  const envelopes: Envelope[] = [];
  consumer.onEnvelope = (e) => envelopes.push(e);
  const d = await startDaemon(t, { uplink: { url: hospital.url, reconnectInitialMs: 100, reconnectMaxMs: 1000 } });

  await callDaemon(d.socket, 'encounter.open', { id: 'ENC-O-1' });
  await callDaemon(d.socket, 'crew.enter', { action: 'acvpu', value: 'V', user: 'medic' });
  await waitFor(() => consumer.checker.received('gateway/milestone') >= 1 && consumer.checker.received('gateway/score') >= 3, 'milestones and scores at the hospital', 60_000);
  const score = envelopes.find((e) => e.stream === 'gateway/score')!;
  t.equal(score.class, 'numeric');
  t.match(score.items[0], { kind: 'score', encounter: 'ENC-O-1', seq: '1' }, 'no score before there is anything to score: the first comes with the ACVPU entry');
  t.equal(envelopes.find((e) => e.stream === 'gateway/milestone')!.class, 'alarm');
  t.match(envelopes.find((e) => e.stream === 'gateway/milestone')!.items[0], { kind: 'milestone', milestone: 'first-medical-contact' });

  // Consciousness V is a 3: with nothing else known, NEWS2 is at least low–medium — an alert, at alarm priority.
  await waitFor(() => consumer.checker.received('gateway/alert') >= 1, 'the alert at the hospital', 60_000);
  const alert = envelopes.find((e) => e.stream === 'gateway/alert')!;
  t.equal(alert.class, 'alarm');
  t.match(alert.items[0], { kind: 'alert', score: 'news2', to: 'low-medium', status: 'incomplete' });

  // The hospital goes away: a pre-arrival alert waits in the outbox (alarm class), and leaves it — acknowledged by the
  // hospital's broker — once the broker is back.
  const port = hospital.port;
  await hospital.stop();
  hospitalUp = false;
  await callDaemon(d.socket, 'crew.enter', { action: 'pre-arrival-alert', value: 'stroke', user: 'medic' });
  type Report = { records: number; streams: Array<{ stream: string; lastSeq: string }>; classes: Array<{ class: string; records: number }> };
  const outbox = async () => (await callDaemon(d.socket, 'outbox')) as Report;
  await waitFor(async () => {
    const o = await outbox();
    return o.streams.some((s) => s.stream === 'gateway/milestone' && Number(s.lastSeq) >= 2) && o.classes.find((c) => c.class === 'alarm')!.records >= 1;
  }, 'the milestone stored in the outbox, held in the alarm class while the hospital is away');
  t.notOk(envelopes.some((e) => e.items.some((i) => (i as { milestone?: string }).milestone === 'pre-arrival-alert')), 'not delivered yet');
  const back = new StandInBroker('127.0.0.1', port);
  await back.start();
  t.teardown(() => back.stop());
  await waitFor(async () => (await outbox()).records === 0, 'the outbox drained to the hospital', 90_000);
});
