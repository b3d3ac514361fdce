// Fuzzing the raw E1394 line framer and the decoder behind it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { AstmDecoder } from '../../../drivers/astm/decoder.js';
import { AstmRawFramer, type AstmToken } from '../../../drivers/astm/framer.js';
import { createTestMap } from '../../../drivers/lab/test-map.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type CanonicalRecord } from '../../../src/schema/index.js';
import { chunks, mutate, randomBytes, seededRandom } from '../../helpers/fuzz.js';

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures/astm', name));
const records = (toks: AstmToken[]) => toks.flatMap((tok) => (tok.kind === 'record' ? [tok.text] : []));

const testMap = createTestMap();
function decodeAll(toks: AstmToken[], out: CanonicalRecord[]): void {
  const dec = new AstmDecoder({ vehicle: 'V', device: 'd', driver: 'astm' }, testMap, { timeZone: '+01:00' });
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  for (const tok of toks) dec.decode(tok, rx, (r) => out.push(r));
  dec.flush(rx, (r) => out.push(r));
}

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
