// The E1381 link session on its own, fed by the real framer, with short timers: the gateway as sender (its answer to
// a host query): ENQ, frames, NAK → the same frame again up to 6 times, then EOT; busy analyser; silence.
import t from 'tap';
import { ACK, ENQ, EOT, ENQ_BYTE, EOT_BYTE, NAK, framesOf } from '../../../drivers/astm/e1381.js';
import { AstmFramer, type AstmToken } from '../../../drivers/astm/framer.js';
import { AstmSession, type AstmLinkTimers } from '../../../drivers/astm/session.js';
import type { SessionIo } from '../../../drivers/sdk/driver.js';
import { rxNow, systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import { waitFor } from '../../helpers/wait.js';

// Short enough to keep the test quick, long enough that a loaded machine does not fire them between two steps.
const timers: AstmLinkTimers = { replyTimeoutMs: 3000, receiveTimeoutMs: 1500, busyRetryMs: 100, contentionRetryMs: 300, maxRetries: 6 };

function link(t: { teardown(fn: () => void): void }) {
  const written: Buffer[] = [];
  const decoded: AstmToken[] = [];
  const io: SessionIo<AstmToken> = {
    clock: systemClock,
    log: silentLogger(),
    write: (b) => written.push(Buffer.from(b)),
    decode: (tok) => decoded.push(tok),
    emit: () => undefined,
    stored: () => Promise.resolve(),
    setIdentity: () => undefined,
    fail: () => undefined,
  };
  const session = new AstmSession(io, { framing: 'e1381', answerQueries: true, timers });
  const framer = new AstmFramer();
  t.teardown(() => session.stop());
  const feed = (bytes: Buffer | number[]) => framer.push(Buffer.from(bytes), (tok) => session.onFrame(tok, rxNow()));
  /** The analyser sends a query and ends its transfer: the gateway has an answer to send. */
  const query = () => feed(Buffer.concat([ENQ_BYTE, ...framesOf(['H|\\^&', 'Q|1|^S1||^^^ALL', 'L|1|N']), EOT_BYTE]));
  const kinds = () => written.map((b) => (b.length === 1 ? ({ [ACK]: 'ACK', [NAK]: 'NAK', [ENQ]: 'ENQ', [EOT]: 'EOT' } as Record<number, string>)[b[0]!] : `F${String.fromCharCode(b[1]!)}`));
  /** ACKs leave once the results are stored (here: at once, a tick later). */
  const settled = () => new Promise((r) => setImmediate(r));
  return { written, decoded, feed, query, kinds, session, settled };
}

t.test('as receiver: ACK to ENQ and good frames, records decoded, then the answer to the query is sent', async (t) => {
  const l = link(t);
  l.query();
  await l.settled();
  t.same(l.kinds().slice(0, 4), ['ACK', 'ACK', 'ACK', 'ACK']);
  t.same(l.decoded.filter((x) => x.kind === 'record').length, 3);
  await waitFor(() => l.kinds()[4] === 'ENQ', 'the gateway bids for the line');
  l.feed([ACK]);
  t.equal(l.kinds()[5], 'F1');
  l.feed([ACK]);
  t.equal(l.kinds()[6], 'F2');
  t.match(l.written[6]!.toString('latin1'), /L\|1\|I\r\x03/, 'L-3 I: no information');
  l.feed([ACK]);
  t.equal(l.kinds()[7], 'EOT');
});

t.test('a NAKed frame is sent again, at most 6 times; the 7th NAK ends the transfer', async (t) => {
  const l = link(t);
  l.query();
  await waitFor(() => l.kinds().includes('ENQ'), 'bid');
  l.feed([ACK]);
  const first = l.written.length - 1;
  for (let i = 0; i < 6; i++) l.feed([NAK]);
  const sent = l.written.slice(first);
  t.equal(sent.length, 7, 'the frame and six retransmissions');
  t.ok(sent.every((b) => b.equals(sent[0]!)), 'always the same frame, same number');
  l.feed([NAK]);
  t.equal(l.kinds().at(-1), 'EOT', 'given up after the 6th retransmission was refused');
});

t.test('no reply to a frame within the timeout: EOT, then a fresh bid with frame 1 again', async (t) => {
  const l = link(t);
  l.query();
  await waitFor(() => l.kinds().includes('ENQ'), 'bid');
  l.feed([ACK]);
  await waitFor(() => l.kinds().at(-1) === 'EOT', 'EOT after the reply timeout');
  await waitFor(() => l.kinds().at(-1) === 'ENQ', 'a new bid after the busy wait');
  l.feed([ACK]);
  t.equal(l.kinds().at(-1), 'F1', 'the message starts over');
});

t.test('a busy analyser (NAK to ENQ) is asked again later', async (t) => {
  const l = link(t);
  l.query();
  await waitFor(() => l.kinds().filter((k) => k === 'ENQ').length === 1, 'first bid');
  l.feed([NAK]);
  await waitFor(() => l.kinds().filter((k) => k === 'ENQ').length === 2, 'second bid after the busy wait');
});

t.test('contention: the gateway does not answer the contending ENQ, answers the next, and bids again later', async (t) => {
  const l = link(t);
  l.query();
  await waitFor(() => l.kinds().includes('ENQ'), 'bid');
  const before = l.written.length;
  l.feed([ENQ]); // the analyser bid at the same time
  t.equal(l.written.length, before, 'nothing written: the analyser has priority and will bid again');
  l.feed(Buffer.concat([ENQ_BYTE, ...framesOf(['H|\\^&', 'L|1|N']), EOT_BYTE]));
  await l.settled();
  t.same(l.kinds().slice(before, before + 3), ['ACK', 'ACK', 'ACK'], "the analyser's transfer is taken");
  await waitFor(() => l.kinds().at(-1) === 'ENQ', 'the gateway bids again after the contention wait');
});

t.test('as receiver: silence mid-transfer aborts it after the receive timeout', async (t) => {
  const l = link(t);
  l.feed(Buffer.concat([ENQ_BYTE, ...framesOf(['H|\\^&', 'R|1|^^^pH|7.4'])]));
  await waitFor(() => l.decoded.some((x) => x.kind === 'abort'), 'abort');
  const before = l.written.length;
  l.feed(framesOf(['L|1|N'], 240, 3)[0]!);
  t.equal(l.written.length, before, 'a late frame after the timeout is not answered');
});
