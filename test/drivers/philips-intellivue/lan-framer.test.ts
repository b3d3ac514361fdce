// The LAN framer: one message per datagram, judged by the message's own lengths; and the same rules cutting a LAN
// capture (datagrams back to back) apart again, hunting past anything that does not fit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ABORT, associationAccept, associationRequest, CLIENT_PROFILE, RELEASE_RESPONSE } from '../../../drivers/philips-intellivue/association.js';
import { declaredLength, LanFramer, MAX_MESSAGE } from '../../../drivers/philips-intellivue/lan-framer.js';
import { errorResult, pollRequest } from '../../../drivers/philips-intellivue/messages.js';
import { packageRoot } from '../../../src/core/paths.js';
import { chunks, mutate, randomBytes, seededRandom } from '../../helpers/fuzz.js';

const capture = readFileSync(join(packageRoot(), 'fixtures/philips-intellivue/sim-desaturation.lan'));

function run(framer: LanFramer, inputs: Buffer[]) {
  const out: Buffer[] = [];
  for (const i of inputs) framer.push(i, (m) => out.push(Buffer.from(m)));
  return out;
}

/** The capture cut into its datagrams (by the stream framer), for use as live datagrams. */
const datagrams = run(new LanFramer(false), [capture]);

t.test('every kind of message declares its own length', async (t) => {
  for (const m of [associationRequest(), associationAccept(CLIENT_PROFILE), RELEASE_RESPONSE, ABORT, pollRequest(1, 6, 1), errorResult(5, 9)]) {
    t.equal(declaredLength(m, 0, m.length), m.length, `0x${m[0]!.toString(16)} message of ${m.length} bytes`);
  }
  t.equal(declaredLength(Buffer.from([0xe1, 0x00]), 0, 2), 0, 'a prefix of a Data Export header: need more');
  t.equal(declaredLength(Buffer.from([0xe1, 0x01]), 0, 2), -1, 'not a Data Export header');
  t.equal(declaredLength(Buffer.from([0x42]), 0, 1), -1, 'no message starts with 0x42');
});

t.test('datagram mode: whole messages pass, truncated, padded and foreign datagrams are counted and dropped', async (t) => {
  const framer = new LanFramer(true);
  const good = pollRequest(7, 6, 3);
  const out = run(framer, [good, good.subarray(0, 20), Buffer.concat([good, Buffer.from([0])]), Buffer.from('hello'), Buffer.alloc(0), good]);
  t.equal(out.length, 2);
  t.same(out[0], good);
  t.equal(framer.stats.frames, 2);
  t.equal(framer.stats.framesDropped, 3);
  t.equal(framer.stats.bytesDropped, 20 + good.length + 1 + 5);
});

t.test('stream mode: a capture splits into the datagrams it was made of, in any chunking', async (t) => {
  t.ok(datagrams.length > 150, `${datagrams.length} messages in the capture`);
  t.equal(Buffer.concat(datagrams).length, capture.length, 'every byte accounted for');
  const random = seededRandom(9);
  t.same(run(new LanFramer(false), [...chunks(capture, random, 700)]), datagrams, 'random chunks');
  const live = new LanFramer(true);
  t.same(run(live, datagrams), datagrams, 'and each is a valid datagram');
  t.equal(live.stats.framesDropped, 0);
});

t.test('stream mode hunts past garbage and cut messages', async (t) => {
  const framer = new LanFramer(false);
  const a = datagrams[10]!;
  const b = datagrams[11]!;
  const out = run(framer, [Buffer.from([0x00, 0xe1, 0x00, 0x13, 0x37]), a.subarray(0, 30), a, Buffer.from('junk'), b]);
  t.same(out, [a, b]);
  t.ok(framer.stats.bytesDropped >= 5 + 30 + 4);
});

t.test('fuzz: 100k random and mutated datagrams never crash or hang, and the next good datagram always passes', async (t) => {
  const random = seededRandom(0x1a4);
  const sentinel = pollRequest(0x4242, 0x0036, 9);
  let cases = 0;
  let resyncFailures = 0;
  let accepted = 0;
  for (; cases < 100_000; cases++) {
    const framer = new LanFramer(true);
    const d = datagrams[cases % datagrams.length]!;
    const input = cases % 2 === 0 ? randomBytes(random, 300) : mutate(d, random);
    const out = run(framer, [input, sentinel]);
    if (!out.length || !out[out.length - 1]!.equals(sentinel)) resyncFailures++;
    accepted += out.length - 1;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0, 'the datagram after a bad one always passes');
  t.ok(accepted < cases / 2, `only datagrams whose lengths add up pass (${accepted})`);
});

t.test('fuzz: stream mode resynchronises within one maximal message after 10k garbled prefixes', async (t) => {
  const random = seededRandom(0x57e);
  const sentinel = pollRequest(0x4242, 0x0036, 9);
  // Enough good messages to outlast the longest length a garbled header can claim.
  const tail = Buffer.concat(new Array<Buffer>(Math.ceil(MAX_MESSAGE / sentinel.length) + 2).fill(sentinel));
  let failures = 0;
  for (let i = 0; i < 10_000; i++) {
    const framer = new LanFramer(false);
    const d = datagrams[i % datagrams.length]!;
    const garbage = i % 2 === 0 ? randomBytes(random, 400) : mutate(d, random);
    const out = run(framer, [...chunks(Buffer.concat([garbage, tail]), random, 512)]);
    if (!out.length || !out[out.length - 1]!.equals(sentinel)) failures++;
  }
  t.equal(failures, 0, 'good messages always come through again');
});
