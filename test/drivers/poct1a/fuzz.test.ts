// Fuzzing the POCT1-A framer, the XML parser and the decoder behind them (in a file of its own: it is the slow part).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { createTestMap } from '../../../drivers/lab/test-map.js';
import { Poct1Decoder } from '../../../drivers/poct1a/decoder.js';
import { Poct1Framer, type Poct1Message } from '../../../drivers/poct1a/framer.js';
import { ack } from '../../../drivers/poct1a/messages.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type CanonicalRecord } from '../../../src/schema/index.js';
import { chunks, mutate, randomBytes, seededRandom } from '../../helpers/fuzz.js';

const conversation = readFileSync(join(packageRoot(), 'fixtures/poct1a/conversation.xml'));

t.test('fuzz: 100k random and mutated inputs never crash or hang, always resync, decode only canonical records', async (t) => {
  const random = seededRandom(0x9c71);
  const sentinel = Buffer.from(ack(99, '1', 'AA', 0));
  // Mutations of one message at a time (and of the first two together, to cut across a boundary): the whole
  // conversation per case would spend the time on bytes that are not being mutated.
  const texts = conversation.toString('utf8').split('\r\n').filter(Boolean);
  const pieces = [...texts, `${texts[0]}\r\n${texts[1]}`].map((x) => Buffer.from(x));
  const decoder = new Poct1Decoder({ vehicle: 'V', device: 'd', driver: 'poct1a' }, createTestMap(), 'Z');
  let resyncFailures = 0;
  let invalid = 0;
  let cases = 0;
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  for (; cases < 100_000; cases++) {
    const framer = new Poct1Framer(64 * 1024);
    const input = cases % 2 === 0 ? randomBytes(random, 200) : mutate(pieces[cases % pieces.length]!, random);
    const ms: Poct1Message[] = [];
    for (const c of chunks(input, random, 256)) framer.push(c, (m) => ms.push(m));
    // Whatever the framer let through, the decoder turns into canonical records or nothing.
    const out: CanonicalRecord[] = [];
    for (const m of ms) decoder.decode(m, rx, (r) => out.push(r));
    if (cases % 5 === 1) for (const r of out) if (!isCanonicalRecord(r)) invalid++;
    const after: Poct1Message[] = [];
    framer.push(sentinel, (m) => after.push(m));
    if (after.at(-1)?.controlId !== '99') resyncFailures++;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0, 'a clean message after anything comes through');
  t.equal(invalid, 0, 'every decoded record is canonical');
});
