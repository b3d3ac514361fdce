// The durable queue and the MLLP transport against a real MLLP listener (the stand-in engine): what the queue does with each
// answer an interface engine can give (AA, AE, AR, an ACK for another message, a late ACK, no ACK, a dropped socket,
// a listener that goes away and comes back).
import net from 'node:net';
import t from 'tap';
import { answerFor, respond } from '../../src/handover/stand-in-listener.js';
import { waitFor } from '../helpers/wait.js';
import { oru, startRig } from './rig.js';

const drained = (rig: { queue: { status(): { queued: number } } }) => () => rig.queue.status().queued === 0;

t.test('AA: every message delivered once, in order, and removed from the queue', async (t) => {
  const rig = await startRig(t);
  const messages = Array.from({ length: 30 }, () => oru());
  await rig.queue.enqueue(messages.slice(0, 10));
  await rig.queue.enqueue(messages.slice(10));
  await waitFor(drained(rig), 'the queue drained');
  t.same(rig.listener.receivedIds, messages.map((m) => m.id), 'received once each, in the order queued');
  const status = rig.queue.status();
  t.equal(status.committed, 30);
  t.equal(status.retries, 0);
  t.ok(status.lastAckAt, 'last ACK time known');
  t.equal(status.link, 'connected');
  t.equal(status.oldestAgeMs, null, 'nothing waiting');
  t.same(await rig.store.readQueue('his', 0, 100), [], 'nothing left on disk');
});

t.test('AE: resent with the same MSH-10, then the destination is parked until released', async (t) => {
  const rig = await startRig(t, { listener: { handler: (_m, res) => res.sendResponse('AE') } });
  const [first, second] = [oru(), oru()];
  await rig.queue.enqueue([first!]);
  const parked = await waitFor(() => rig.queue.status().parked ?? undefined, 'parked');
  t.equal(parked.messageId, first!.id);
  t.match(parked.reason, /3 errors in a row, last: AE/);
  t.same(rig.listener.receivedIds, [first!.id, first!.id, first!.id], 'tried 1 + maxRetries (2) times, always the same id');
  await rig.queue.enqueue([second!]);
  t.equal(rig.queue.status().queued, 2, 'a parked destination keeps queuing');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(rig.listener.received.length, 3, 'and sends nothing while parked');

  rig.listener.handler = (_m, res) => res.sendResponse('AA');
  t.equal(await rig.queue.release(), true);
  await waitFor(drained(rig), 'drained after release');
  t.same(rig.listener.receivedIds.slice(3), [first!.id, second!.id], 'the parked message first, then the rest, in order');
  t.equal(rig.queue.status().parked, null);
  t.equal(await rig.queue.release(), false, 'nothing left to release');
});

t.test('parked survives a restart of the queue, and its status still shows the oldest message', async (t) => {
  const rig = await startRig(t, { listener: { handler: (_m, res) => res.sendResponse('AE') } });
  // Built a minute ago: the age after the restart is at least that, whatever the machine's speed.
  const first = { ...oru(), createdAt: Date.now() - 60_000 };
  await rig.queue.enqueue([first]);
  await waitFor(() => rig.queue.status().parked ?? undefined, 'parked');
  await rig.queue.enqueue([oru()]);
  await rig.queue.stop();
  await rig.store.close();
  const again = await startRig(t, { dir: rig.dir });
  const status = again.queue.status();
  t.ok(status.parked, 'still parked after the restart');
  t.equal(status.queued, 2);
  t.ok(status.oldestAgeMs !== null && status.oldestAgeMs >= 60_000, `the oldest is the parked one (age ${status.oldestAgeMs} ms)`);
  await new Promise((r) => setTimeout(r, 200));
  t.equal(again.listener.received.length, 0, 'and nothing sent');
});

t.test('AR: dead-lettered at once, announced, listed, and the queue goes on', async (t) => {
  const messages = [oru(), oru(), oru()];
  const rig = await startRig(t, {
    listener: { handler: (m, res) => res.sendResponse(m.get('MSH.10').toString() === messages[0]!.id ? 'AR' : 'AA') },
  });
  await rig.queue.enqueue(messages);
  await waitFor(drained(rig), 'drained');
  t.same(rig.listener.receivedIds, messages.map((m) => m.id), 'the rejected one is not resent');
  const status = rig.queue.status();
  t.equal(status.deadLettered, 1);
  t.equal(status.committed, 2);
  t.equal(rig.deadLetters.length, 1, 'announced once');
  t.match(rig.deadLetters[0], { message: { id: messages[0]!.id, type: 'ORU^R01' }, reason: /^AR/ });
  const listed = await rig.queue.deadLetters();
  t.equal(listed.length, 1);
  t.equal(listed[0]!.message.body, messages[0]!.body, 'kept on disk whole, for an operator');
  t.equal(listed[0]!.announced, true);
});

// Enhanced mode: an engine that answers with commit-level codes (MSH-15/16 set, or its own choice) means the same.
t.test('CA (enhanced mode): committed once, removed from the queue', async (t) => {
  const rig = await startRig(t, { listener: { handler: (_m, res) => respond(res, 'CA') } });
  const messages = [oru(), oru()];
  await rig.queue.enqueue(messages);
  await waitFor(drained(rig), 'drained');
  t.same(rig.listener.receivedIds, messages.map((m) => m.id));
  t.equal(rig.queue.status().committed, 2);
  t.equal(rig.queue.status().retries, 0);
  t.same(await rig.store.readQueue('his', 0, 100), [], 'nothing left on disk');
});

t.test('CE (enhanced mode): resent with the same MSH-10, then parked', async (t) => {
  const rig = await startRig(t, { listener: { handler: (_m, res) => respond(res, 'CE') } });
  const message = oru();
  await rig.queue.enqueue([message]);
  const parked = await waitFor(() => rig.queue.status().parked ?? undefined, 'parked');
  t.equal(parked.messageId, message.id);
  t.match(parked.reason, /3 errors in a row, last: CE/);
  t.same(rig.listener.receivedIds, [message.id, message.id, message.id]);
  t.equal(rig.queue.status().queued, 1, 'kept on disk');
  t.equal(rig.queue.status().deadLettered, 0);
});

t.test('CR (enhanced mode): dead-lettered at once, announced, and the queue goes on', async (t) => {
  const messages = [oru(), oru()];
  const rig = await startRig(t, {
    listener: { handler: (m, res) => respond(res, m.get('MSH.10').toString() === messages[0]!.id ? 'CR' : 'CA') },
  });
  await rig.queue.enqueue(messages);
  await waitFor(drained(rig), 'drained');
  t.same(rig.listener.receivedIds, messages.map((m) => m.id), 'the rejected one is not resent');
  t.equal(rig.queue.status().deadLettered, 1);
  t.equal(rig.queue.status().committed, 1);
  t.match(rig.deadLetters, [{ message: { id: messages[0]!.id }, reason: /^CR/ }]);
});

t.test('an ACK naming another MSH-10 is ignored; the right one then commits', async (t) => {
  const rig = await startRig(t, {
    listener: {
      handler: async (m, res, socket) => {
        await answerFor(socket, m, 'AA', 'SOMETHING-ELSE');
        await new Promise((r) => setTimeout(r, 100));
        await res.sendResponse('AA');
      },
    },
  });
  const message = oru();
  await rig.queue.enqueue([message]);
  await waitFor(drained(rig), 'drained');
  t.same(rig.listener.receivedIds, [message.id], 'sent once: the wrong ACK neither committed nor failed it');
  t.equal(rig.transport.ignoredAcks, 1);
  t.equal(rig.queue.status().committed, 1);
});

t.test('only wrong ACKs: the wait times out and the same MSH-10 is resent', async (t) => {
  let attempt = 0;
  const rig = await startRig(t, {
    transport: { ackTimeoutMs: 300 },
    listener: { handler: (m, res, socket) => (++attempt === 1 ? answerFor(socket, m, 'AA', 'WRONG') : res.sendResponse('AA')) },
  });
  const message = oru();
  await rig.queue.enqueue([message]);
  await waitFor(drained(rig), 'drained');
  t.same(rig.listener.receivedIds, [message.id, message.id]);
  t.equal(rig.transport.ignoredAcks, 1);
  t.equal(rig.queue.status().committed, 1);
});

t.test('a late ACK: resent after the timeout with the same MSH-10, committed once', async (t) => {
  let attempt = 0;
  const rig = await startRig(t, {
    transport: { ackTimeoutMs: 300 },
    listener: {
      handler: async (_m, res) => {
        if (++attempt === 1) await new Promise((r) => setTimeout(r, 900));
        await res.sendResponse('AA');
      },
    },
  });
  const [first, second] = [oru(), oru()];
  await rig.queue.enqueue([first!, second!]);
  await waitFor(drained(rig), 'drained');
  await waitFor(() => rig.transport.ignoredAcks === 1, 'the late ACK arrived, and was ignored');
  t.same(rig.listener.receivedIds, [first!.id, first!.id, second!.id]);
  t.equal(rig.queue.status().committed, 2, 'no duplicate commit');
  t.ok(rig.queue.status().retries >= 1);
});

t.test('no ACK at all: resent with the same MSH-10 on each timeout, never parked (a link failure)', async (t) => {
  const rig = await startRig(t, { transport: { ackTimeoutMs: 200 }, listener: { handler: () => undefined } });
  const message = oru();
  await rig.queue.enqueue([message]);
  await waitFor(() => rig.listener.received.length >= 4, 'four attempts');
  t.ok(rig.listener.receivedIds.every((id) => id === message.id), 'the same MSH-10 every time');
  const status = rig.queue.status();
  t.equal(status.parked, null, 'not parked after more than maxRetries timeouts');
  t.equal(status.queued, 1);
  t.match(status.lastError, /no ACK within 200 ms/);
  t.ok(status.inFlight && status.inFlight.attempts >= 4);
  rig.listener.handler = (_m, res) => res.sendResponse('AA');
  await waitFor(drained(rig), 'delivered once the listener answers');
});

t.test('the listener drops the socket after the whole message, before its ACK: reconnect, resend the same MSH-10 (mid-frame: mllp-framing.test.ts)', async (t) => {
  let attempt = 0;
  const rig = await startRig(t, {
    listener: { handler: (_m, res, socket) => (++attempt === 1 ? void socket.destroy() : res.sendResponse('AA')) },
  });
  const [first, second] = [oru(), oru()];
  await rig.queue.enqueue([first!, second!]);
  await waitFor(drained(rig), 'drained');
  t.same(rig.listener.receivedIds, [first!.id, first!.id, second!.id]);
  t.equal(rig.queue.status().parked, null);
  t.match(rig.queue.status().lastError, null, 'the last outcome was a commit');
});

t.test('the listener goes away and comes back on the same port: reconnects and delivers the backlog in order', async (t) => {
  const rig = await startRig(t);
  const before = oru();
  await rig.queue.enqueue([before]);
  await waitFor(drained(rig), 'first delivered');
  const port = rig.listener.port;
  await rig.listener.stop();
  const backlog = Array.from({ length: 20 }, () => oru());
  await rig.queue.enqueue(backlog);
  await waitFor(() => /^down: ECONNREFUSED/.test(rig.queue.status().link), 'link down, refused');
  t.equal(rig.queue.status().queued, 20);
  t.ok(rig.queue.status().oldestAgeMs !== null, 'the oldest has an age');

  const { StandInListener } = await import('../../src/handover/stand-in-listener.js');
  const again = new StandInListener({ port });
  await again.start();
  t.teardown(() => again.stop());
  await waitFor(drained(rig), 'backlog drained', 30_000);
  t.same(again.receivedIds, backlog.map((m) => m.id), 'in order, each once');
  t.equal(rig.queue.status().parked, null);
});

t.test('the stand-in engine listens only where it is told (node-hl7-server alone would listen on every interface)', async (t) => {
  const rig = await startRig(t, { listener: { host: '127.0.0.1' } });
  const reach = (host: string) =>
    new Promise<string>((resolve) => {
      const socket = net.connect({ host, port: rig.listener.port }, () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  t.equal(await reach('127.0.0.1'), 'connected');
  // 127.0.0.2 is loopback too (all of 127/8 is), but not the address bound: a listener on every interface accepts it.
  t.equal(await reach('127.0.0.2'), 'ECONNREFUSED', 'another address of this machine is refused');
});
