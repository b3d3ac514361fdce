// Fuzzing the raw E1394 line framer and the decoder behind it.
import t from 'tap';
import { AstmRawFramer, type AstmToken } from '../../../drivers/astm/framer.js';
import { isCanonicalRecord, type CanonicalRecord } from '../../../src/schema/index.js';
import { chunks, mutate, randomBytes, seededRandom } from '../../helpers/fuzz.js';
import { decodeAll, fixture, records } from './helpers.js';

t.test('fuzz: 100k random and mutated raw-mode inputs through framer and decoder', async (t) => {
  const random = seededRandom(0x7a11);
  const source = fixture('raw-records.txt');
  let invalid = 0;
  let resyncFailures = 0;
  for (let i = 0; i < 100_000; i++) {
    const framer = new AstmRawFramer();
    const input = i % 2 === 0 ? randomBytes(random, 200) : mutate(source, random);
    const toks: AstmToken[] = [];
    for (const c of chunks(input, random)) framer.push(c, (x) => toks.push(x));
    const out: CanonicalRecord[] = [];
    decodeAll(toks, out);
    if (i % 10 === 1) invalid += out.filter((r) => !isCanonicalRecord(r)).length;
    const after: AstmToken[] = [];
    framer.push(Buffer.from('\r\nL|1|N\r\n'), (x) => after.push(x));
    if (records(after).at(-1) !== 'L|1|N') resyncFailures++;
  }
  t.equal(invalid, 0);
  t.equal(resyncFailures, 0);
});
