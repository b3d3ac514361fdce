// The handover inside the daemon: records from the bus become HL7 messages (the real builder), queued and delivered
// to the stand-in MLLP listener; status, release and dead letters over the control socket; a refused message
// announced as a gateway event.
import t from 'tap';
import { callDaemon } from '../../src/control/client.js';
import type { HandoverReport } from '../../src/handover/extension.js';
import { StandInListener } from '../../src/handover/stand-in-listener.js';
import { renderHandover } from '../../src/cli/commands/handover.js';
import { renderOutbox } from '../../src/cli/commands/outbox.js';
import type { EventRecord } from '../../src/schema/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';
import { numeric } from './hl7/records.js';

async function rig(t: { teardown(fn: () => void | Promise<void>): void }, handler?: ConstructorParameters<typeof StandInListener>[0]) {
  const listener = new StandInListener(handler);
  await listener.start();
  t.teardown(() => listener.stop());
  const daemon = await startDaemon(t, {
    handover: {
      destinations: [
        {
          name: 'his',
          kind: 'hl7v2-mllp',
          host: '127.0.0.1',
          port: listener.port,
          receivingApplication: 'MIRTH',
          receivingFacility: 'ST-MARY-ED',
          ackTimeoutMs: 2000,
          quietMs: 200,
          maxRetries: 1,
          retryInitialMs: 20,
        },
      ],
    },
  });
  const report = () => callDaemon(daemon.socket, 'handover') as Promise<HandoverReport>;
  /** One observation cycle of the monitor: heart rate and SpO2 at the same time. */
  const cycle = (atMs: number) => {
    daemon.controller.gate!.ingest(numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 72, atMs));
    daemon.controller.gate!.ingest(numeric('mon', 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 97, atMs));
  };
  return { listener, daemon, report, cycle };
}

t.test('records → ORU^R01 → delivered; status over the control socket', async (t) => {
  const { listener, report, cycle } = await rig(t);
  const t0 = Date.now();
  cycle(t0);
  cycle(t0 + 5000); // a new cycle of the same device closes the first at once; the second closes by tick (quietMs)
  await waitFor(() => listener.received.length >= 2, 'two observation reports');
  const [first, second] = listener.received;
  t.match(first!.toString(), /^MSH\|\^~\\&\|AMBULINK\|TEST-1\|MIRTH\|ST-MARY-ED\|[^|]*\|\|ORU\^R01\^ORU_R01\|/, 'MSH from the destination config');
  t.match(first!.toString(), /OBX\|1\|NM\|147842\^MDC_ECG_HEART_RATE\^MDC/);
  t.not(first!.get('MSH.10').toString(), second!.get('MSH.10').toString(), 'one control id per message');
  const r = await waitFor(async () => {
    const x = await report();
    return x.destinations[0]!.committed === 2 ? x : undefined;
  }, 'both committed');
  t.match(r.destinations[0], { name: 'his', kind: 'hl7v2-mllp', link: 'connected', queued: 0, parked: null, deadLettered: 0 });
  t.ok(r.destinations[0]!.lastAckAt);
  t.match(renderHandover(r), /^DESTINATION\s+KIND\s+LINK\s+QUEUED\s+OLDEST\s+LAST ACK.*\nhis\s+hl7v2-mllp\s+connected\s+0\s+-\s+\d.* ago/);
});

t.test('AR: dead-lettered, announced as a gateway event, listed, and shown by `outbox` and `handover status`', async (t) => {
  const { daemon, report, cycle } = await rig(t, { handler: (_m, res) => res.sendResponse('AR') });
  cycle(Date.now());
  const event = await daemon.waitForRecord<EventRecord>((r) => r.kind === 'event' && r.event === 'handover.dead_lettered', 'the announcement');
  t.match(event, { device: 'gateway', driver: 'handover', detail: { destination: 'his', messageType: 'ORU^R01', reason: /^AR/ } });
  t.notOk(JSON.stringify(event).includes('OBX'), 'the announcement does not carry the message (PHI)');
  const letters = (await callDaemon(daemon.socket, 'handover.deadletters', { destination: 'his' })) as Array<{ id: string; body: string }>;
  t.equal(letters.length, 1);
  t.equal(letters[0]!.id, (event.detail as { messageId: string }).messageId);
  t.match(letters[0]!.body, /^MSH\|/);
  const r = await report();
  t.equal(r.destinations[0]!.deadLettered, 1);
  t.match(renderHandover(r), /his: 1 message\(s\) refused for good \(kept\): ambulink handover dead-letters his/);
  const outbox = { state: 'ok', records: 0, bytes: 0, maxBytes: 1, overQuota: false, drainRecordsPerS: 0, inflightMessages: 0, inflightRecords: 0, memoryRing: { records: 0 }, classes: [], streams: [] };
  t.match(renderOutbox(outbox as never, undefined, Date.now(), r), /handover his \(hl7v2-mllp\): 0 queued, 1 dead-lettered; link connected — ambulink handover dead-letters his/);
  await t.rejects(callDaemon(daemon.socket, 'handover.deadletters', { destination: 'nope' }), { message: /no handover destination "nope" \(configured: his\)/ });
});

t.test('AE: parked after maxRetries, then released over the control socket', async (t) => {
  const { listener, report, cycle, daemon } = await rig(t, { handler: (_m, res) => res.sendResponse('AE') });
  cycle(Date.now());
  const parked = await waitFor(async () => (await report()).destinations[0]!.parked ?? undefined, 'parked');
  t.match(parked.reason, /2 errors in a row, last: AE/);
  t.match(renderHandover(await report()), /his: parked since .* — fix the cause, then: ambulink handover release his/);
  listener.handler = (_m, res) => res.sendResponse('AA');
  t.same(await callDaemon(daemon.socket, 'handover.release', { destination: 'his' }), { released: true });
  await waitFor(async () => (await report()).destinations[0]!.queued === 0, 'delivered after release');
  t.equal((await report()).destinations[0]!.parked, null);
});
