// `ambulink decode` of a capture times waves by the capture's own device time, as it times the numerics: decoded on
// another day (the receive time given here is years away), waves and numerics of one capture still line up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { drivers } from '../../drivers/index.js';
import { driverOptions } from '../../src/cli/commands/decode.js';
import { packageRoot } from '../../src/core/paths.js';
import type { CanonicalRecord } from '../../src/schema/index.js';

const DECODED_AT = Date.UTC(2031, 6, 1, 12, 0, 0);

function decode(driverName: string, file: string): CanonicalRecord[] {
  const driver = drivers.find((d) => d.name === driverName)!;
  const dec = driver.offline!(driverOptions(driver, []), { vehicle: 'V', device: 'd', driver: driverName });
  const records: CanonicalRecord[] = [];
  let mono = 1;
  const bytes = readFileSync(join(packageRoot(), 'fixtures', driverName, file));
  // As `ambulink decode` reads a file: in chunks, each stamped with the decoding machine's clock.
  for (let i = 0; i < bytes.length; i += 4096) dec.push(bytes.subarray(i, i + 4096), { wallMs: DECODED_AT + i, monoMs: mono++ }, (r) => records.push(r));
  dec.end({ wallMs: DECODED_AT + bytes.length, monoMs: mono }, (r) => records.push(r));
  return records;
}

function spans(records: CanonicalRecord[]) {
  const ms = (r: CanonicalRecord) => Date.parse(r.observedAt);
  const numerics = records.filter((r) => r.kind === 'numeric').map(ms);
  const waves = records.filter((r) => r.kind === 'waveform');
  const waveEnds = waves.map((w) => (w.kind === 'waveform' ? ms(w) + (w.samples.length * 1000) / w.rate : 0));
  return {
    numerics: { from: Math.min(...numerics), to: Math.max(...numerics) },
    waves: { from: Math.min(...waves.map(ms)), to: Math.max(...waveEnds) },
    count: waves.length,
  };
}

for (const [driver, file] of [
  ['ge-s5', 'sim-stemi.bin'],
  ['philips-intellivue', 'sim-desaturation.lan'],
  ['philips-intellivue', 'sim-stemi.mib'],
] as const) {
  t.test(`${driver} ${file}: wave times lie within the capture's time span, next to its numerics`, async (t) => {
    const s = spans(decode(driver, file));
    t.ok(s.count > 10, `${s.count} wave blocks`);
    t.ok(Math.abs(s.numerics.from - DECODED_AT) > 86_400_000, 'the numerics carry the capture\'s time, not the decoding day');
    // Numerics come once a second (GE: every 10 s) and waves in blocks: allow one reporting interval either side.
    const slack = driver === 'ge-s5' ? 11_000 : 2_000;
    t.ok(s.waves.from >= s.numerics.from - slack, `first wave ${new Date(s.waves.from).toISOString()} not before the numerics ${new Date(s.numerics.from).toISOString()}`);
    t.ok(s.waves.to <= s.numerics.to + slack, `last wave sample ${new Date(s.waves.to).toISOString()} not after the numerics ${new Date(s.numerics.to).toISOString()}`);
  });
}
