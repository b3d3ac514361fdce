// Fuzzing the E1381 framer and the E1394 decoder behind it (in a file of its own: it is the slow part).
import t from 'tap';
import { ENQ_BYTE, EOT_BYTE, frame } from '../../../drivers/astm/e1381.js';
import { AstmFramer, type AstmToken } from '../../../drivers/astm/framer.js';
import { isCanonicalRecord, type CanonicalRecord } from '../../../src/schema/index.js';
import { chunks, mutate, randomBytes, seededRandom, singleEdit } from '../../helpers/fuzz.js';
import { decodeAll, fixture, records, tokens } from './helpers.js';

t.test('fuzz: 100k random and mutated inputs through framer and decoder never crash or hang, always resync, never deliver a corrupted record', async (t) => {
  const random = seededRandom(0xa57a);
  const sources = ['constructed-bloodgas-e1381.bin', 'multiframe-etb.bin', 'custom-delimiters.bin', 'retransmissions.bin'].map(fixture);
  const originals = new Set(sources.flatMap((s) => records(tokens(s))));
  const sentinel = Buffer.concat([EOT_BYTE, ENQ_BYTE, frame(1, Buffer.from('L|1|N\r'), true)]);
  let resyncFailures = 0;
  let foreign = 0;
  let invalid = 0;
  let cases = 0;
  for (; cases < 100_000; cases++) {
    const framer = new AstmFramer();
    const kind = cases % 3; // random bytes, several edits, one edit
    // retransmissions.bin already holds a corrupted frame: one more edit can cancel it out, so it is only mutated.
    const source = sources[kind === 2 ? cases % 3 : cases % sources.length]!;
    const input = kind === 0 ? randomBytes(random, 200) : kind === 1 ? mutate(source, random) : singleEdit(source, random);
    const toks: AstmToken[] = [];
    for (const c of chunks(input, random)) framer.push(c, (x) => toks.push(x));
    if (kind === 2) for (const r of records(toks)) if (!originals.has(r)) foreign++;
    // The decoder takes whatever the framer let through from the edited transfers (random bytes hardly make
    // records), without failing, and makes only canonical records.
    if (kind !== 0) {
      const out: CanonicalRecord[] = [];
      decodeAll(toks, out);
      // Validation is the costly part: every fifth case is checked against the schema.
      if (cases % 5 < 2) invalid += out.filter((r) => !isCanonicalRecord(r)).length;
    }
    const after: AstmToken[] = [];
    framer.push(sentinel, (x) => after.push(x));
    if (records(after).at(-1) !== 'L|1|N') resyncFailures++;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0, 'EOT ENQ and a good frame always come through');
  t.equal(foreign, 0, 'no single-byte corruption passed the checksum');
  t.equal(invalid, 0, 'every decoded record is canonical');
});
