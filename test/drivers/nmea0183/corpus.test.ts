// The decoder against gpsd's own decoding of its regression corpus: every NMEA receiver log with positions in gpsd
// 3.22's test/daemon (fixtures/nmea0183/gpsd/README.md), compared fix by fix with gpsd's TPV reports.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord } from '../../../src/schema/index.js';
import { compareWithGpsd, decodeLog, gpsdFixes, TOLERANCE } from './gpsd-oracle.js';

const dir = join(packageRoot(), 'fixtures/nmea0183/gpsd');
const logs = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();

/**
 * The figure as measured (README, nmea0183): the test fails if a change loses a matching fix. The differences left
 * are explained there by cause; raise the floors when a change makes more fixes match.
 */
const FLOOR = { fixes: 1792, logs: 62 };

t.test(`gpsd's regression corpus: ${logs.length} real receiver logs`, async (t) => {
  t.ok(logs.length >= 89, 'the whole NMEA part of the corpus is there');
  let total = 0;
  let matched = 0;
  let whole = 0;
  const report: string[] = [];
  for (const log of logs) {
    const records = decodeLog(readFileSync(join(dir, log)));
    const bad = records.find((r) => !isCanonicalRecord(r));
    t.notOk(bad, `${log}: every record is canonical`);
    const c = compareWithGpsd(records, gpsdFixes(join(dir, `${log}.chk`)));
    total += c.total;
    matched += c.matched;
    if (c.matched === c.total) whole++;
    else report.push(`${log}: ${c.matched}/${c.total}; first difference at ${c.differences[0]!.time}: ${c.differences[0]!.what}`);
  }
  t.comment(`tolerances: ${JSON.stringify(TOLERANCE)}`);
  for (const line of report) t.comment(line);
  t.comment(`fixes matching gpsd: ${matched}/${total}; logs matching in every fix: ${whole}/${logs.length}`);
  t.ok(total >= 2000, `${total} gpsd fixes compared`);
  t.ok(matched >= FLOOR.fixes, `fixes matching gpsd: ${matched}/${total} (at least ${FLOOR.fixes})`);
  t.ok(whole >= FLOOR.logs, `logs matching in every fix: ${whole}/${logs.length} (at least ${FLOOR.logs})`);
});

t.test('a GLL-only receiver (depth sounder, gpsd cannot date it) yields every position gpsd has', async (t) => {
  const records = decodeLog(readFileSync(join(dir, 'sounder.log')));
  const c = compareWithGpsd(records, gpsdFixes(join(dir, 'sounder.log.chk')));
  t.ok(c.total >= 3);
  t.equal(c.matched, c.total);
  const fixes = records.filter((r) => r.fix !== 'none');
  t.ok(fixes.length >= 100, `${fixes.length} positions`);
  t.ok(fixes.every((r) => r.timeSource === 'receiver-time-of-day'), 'and each says its date is not the receiver’s');
});

t.test('two talkers in one cycle (GNRMC + GPGGA + GLGGA): every cycle matches', async (t) => {
  for (const log of ['sirfstarv-nmea.log', 'bu353-glonass.log', 'nmea-rtk.log']) {
    const c = compareWithGpsd(decodeLog(readFileSync(join(dir, log))), gpsdFixes(join(dir, `${log}.chk`)));
    t.equal(c.matched, c.total, `${log}: ${c.matched}/${c.total}`);
  }
});

t.test('a difference is found when there is one', async (t) => {
  const records = decodeLog(readFileSync(join(dir, 'neo-m8n.log')));
  const expected = gpsdFixes(join(dir, 'neo-m8n.log.chk'));
  const [ms, first] = [...expected.timed][0]!;
  expected.timed.set(ms, { ...first, lat: first.lat! + 2 * TOLERANCE.deg });
  const c = compareWithGpsd(records, expected);
  t.equal(c.matched, c.total - 1);
  t.match(c.differences[0]!.what, /^lat /);
});
