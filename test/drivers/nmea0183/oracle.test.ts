// The decoder against gpsd's decoding of the logs the simulator and the demo replay (fixtures/nmea0183/PROVENANCE.md):
// every fix equal to gpsd's in time, position, altitude, speed, track and mode (tolerances in gpsd-oracle.ts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord } from '../../../src/schema/index.js';
import { compareWithGpsd, decodeLog, gpsdFixes } from './gpsd-oracle.js';

const dir = join(packageRoot(), 'fixtures/nmea0183');
const decode = (log: string) => decodeLog(readFileSync(join(dir, log)));

const cases: Array<[string, string]> = [
  ['bt451.log', 'bt451.log.chk'],
  ['neo-m8n.log', 'neo-m8n.gpsd.jsonl'],
  ['quectel-eg25-g-2.log', 'quectel-eg25-g-2.gpsd.jsonl'],
  ['bu353s4.log', 'bu353s4.gpsd.jsonl'],
];

for (const [log, chk] of cases) {
  t.test(`${log} reproduces gpsd's fixes`, async (t) => {
    const records = decode(log);
    t.ok(records.every((r) => isCanonicalRecord(r)), 'every record is canonical');
    const c = compareWithGpsd(records, gpsdFixes(join(dir, chk)));
    t.ok(c.total >= 3, `${c.total} gpsd fixes to compare`);
    t.same(c.differences, [], 'no fix differs');
    t.equal(c.matched, c.total);
  });
}

t.test('no-fix epochs carry no numbers', async (t) => {
  const noFix = decode('bt451.log').filter((r) => r.fix === 'none');
  t.ok(noFix.length >= 4);
  for (const r of noFix) {
    t.equal(r.validity, 'invalid');
    t.notOk('lat' in r || 'lon' in r || 'speed' in r || 'altitude' in r, 'no position on a void fix');
  }
});
