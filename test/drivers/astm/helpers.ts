// What the ASTM framer and fuzz tests share: the fixtures, a framer run to tokens, the record texts among them, and
// the decoder over a whole token list.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AstmDecoder } from '../../../drivers/astm/decoder.js';
import { AstmFramer, type AstmRawFramer, type AstmToken } from '../../../drivers/astm/framer.js';
import { createTestMap } from '../../../drivers/lab/test-map.js';
import { packageRoot } from '../../../src/core/paths.js';
import type { CanonicalRecord } from '../../../src/schema/index.js';

export const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures/astm', name));

export function tokens(input: Buffer, framer: AstmFramer | AstmRawFramer = new AstmFramer()): AstmToken[] {
  const out: AstmToken[] = [];
  framer.push(input, (tok) => out.push(tok));
  return out;
}

export const records = (toks: AstmToken[]) => toks.flatMap((tok) => (tok.kind === 'record' ? [tok.text] : []));

const testMap = createTestMap();

export function decodeAll(toks: AstmToken[], out: CanonicalRecord[]): void {
  const dec = new AstmDecoder({ vehicle: 'V', device: 'd', driver: 'astm' }, testMap, { timeZone: '+01:00' });
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  for (const tok of toks) dec.decode(tok, rx, (r) => out.push(r));
  dec.flush(rx, (r) => out.push(r));
}
