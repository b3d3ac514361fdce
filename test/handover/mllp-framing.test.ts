// MLLP framing checked by parts that are not the gateway's: a byte-level listener (byte-listener.ts, its own frame
// cutting and hand-written ACKs) that sees exactly what went on the wire, and node-hl7-server's own connection
// handling, unmodified. And a listener that hangs up partway through a frame: the message is resent whole on the
// next connection and reaches the listener exactly once, in order.
import t from 'tap';
import { Server } from 'node-hl7-server';
import { waitFor } from '../helpers/wait.js';
import { ByteListener, framed } from './byte-listener.js';
import { oru, startQueue } from './rig.js';

/** A long ACK wait: a slow ACK on the loaded machine must not add a connection the assertions do not expect. */
const transport = { ackTimeoutMs: 15_000 };

t.test('every message on the wire is VT, the message, FS CR: nothing more, nothing less', async (t) => {
  const listener = new ByteListener();
  await listener.start();
  t.teardown(() => listener.stop());
  const rig = await startQueue(t, listener.port, { transport });
  const messages = Array.from({ length: 5 }, () => oru());
  await rig.queue.enqueue(messages);
  await waitFor(() => rig.queue.status().queued === 0, 'drained');
  t.equal(listener.connections.length, 1);
  t.ok(listener.connections[0]!.bytes.equals(framed(messages.map((m) => m.body))), 'the bytes received are exactly the five frames');
  t.same(listener.frames, messages.map((m) => m.body));
});

// Where the listener hangs up in the second message's frame: right after its start byte, in the middle, and with all
// of it but the final CR (the engine has FS but not the end of the frame, so it must not take the message).
for (const where of ['start byte only', 'middle', 'all but the final CR'] as const) {
  t.test(`the listener hangs up partway through a frame (${where}): resent whole, delivered exactly once, in order`, async (t) => {
    const messages = Array.from({ length: 4 }, () => oru());
    const second = framed([messages[1]!.body]).length;
    const cutAfter = where === 'start byte only' ? 1 : where === 'middle' ? Math.floor(second / 2) : second - 1;
    const listener = new ByteListener((connection, frame) => (connection === 0 && frame === 1 ? cutAfter : undefined));
    await listener.start();
    t.teardown(() => listener.stop());
    const rig = await startQueue(t, listener.port, { transport });
    await rig.queue.enqueue(messages);
    await waitFor(() => rig.queue.status().queued === 0, 'drained');

    t.same(listener.frames, messages.map((m) => m.body), 'each message whole once, in order: the cut frame was not taken');
    t.equal(listener.connections.length, 2, 'one reconnect');
    const [cut, next] = listener.connections;
    t.equal(cut!.cut, true);
    const expectedCut = Buffer.concat([framed([messages[0]!.body]), framed([messages[1]!.body]).subarray(0, cutAfter)]);
    t.ok(cut!.bytes.equals(expectedCut), 'the first connection: the first frame, then the start of the second');
    t.ok(next!.bytes.equals(framed(messages.slice(1).map((m) => m.body))), 'the next: the cut message from its first byte, then the rest');
    t.equal(rig.queue.status().committed, 4);
  });
}

// node-hl7-server 2.5 keeps one receive buffer per connection and never empties it (why the stand-in listener serves
// connections itself), so only the first message on a connection is answered correctly here: one message is enough to
// show that its framing and the gateway's agree.
t.test("node-hl7-server's own connection handling, unmodified: the message arrives as sent and its ACK commits it", async (t) => {
  const server = new Server({ bindAddress: '127.0.0.1' });
  const ids: string[] = [];
  const raw: string[] = [];
  const inbound = server.createInbound({ port: 0, name: 'unmodified' }, async (req, res) => {
    ids.push(req.getMessage().get('MSH.10').toString());
    await res.sendResponse('AA');
  });
  inbound.on('data.raw', (text: string) => raw.push(text));
  await new Promise<void>((resolve) => inbound.once('listen', () => resolve()));
  t.teardown(() => inbound.close());
  const address = (inbound as unknown as { _socket: { address(): { port: number } } })._socket.address();
  const rig = await startQueue(t, address.port, { transport });
  const message = oru();
  await rig.queue.enqueue([message]);
  await waitFor(() => rig.queue.status().queued === 0, 'committed on the ACK of the unmodified server');
  t.same(ids, [message.id], 'its handler saw the message once');
  t.same(raw, [message.body], 'with VT and FS CR removed, what it read is the message, byte for byte');
  t.equal(rig.transport.ignoredAcks, 0, 'its ACK named the message');
});
