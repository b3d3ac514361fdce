// Every code a driver emits is in the code tables: each driver's captures (fixtures/<driver>/captures.json) are
// decoded and every MDC term, unit and LOINC code in the records is looked up.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { drivers } from '../../drivers/index.js';
import { packageRoot } from '../../src/core/paths.js';
import { codeTables, isCanonicalRecord, lastRecordProblems, type CanonicalRecord } from '../../src/schema/index.js';
import { driverOptions } from '../../src/cli/commands/decode.js';

interface Manifest {
  captures: Array<{ file: string; options?: string[] }>;
}

for (const driver of drivers.filter((d) => d.offline)) {
  t.test(`${driver.name}: every emitted code is in the tables`, async (t) => {
    const manifestFile = join(packageRoot(), 'fixtures', driver.name, 'captures.json');
    t.ok(existsSync(manifestFile), `fixtures/${driver.name}/captures.json lists the driver's captures`);
    if (!existsSync(manifestFile)) return;
    const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Manifest;
    const records: CanonicalRecord[] = [];
    for (const capture of manifest.captures) {
      const dec = driver.offline!(driverOptions(driver, capture.options), { vehicle: 'V', device: 'd', driver: driver.name });
      const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
      dec.push(readFileSync(join(packageRoot(), 'fixtures', driver.name, capture.file)), rx, (r) => records.push(r));
      dec.end(rx, (r) => records.push(r));
    }
    t.ok(records.length > 0, `${records.length} records from ${manifest.captures.length} capture(s)`);
    const unknown = new Set<string>();
    for (const r of records) {
      if (!isCanonicalRecord(r)) t.fail(`invalid record ${JSON.stringify(lastRecordProblems())}`);
      if (r.kind === 'numeric' || r.kind === 'setting' || r.kind === 'waveform') {
        if (!codeTables.isMdcTerm(r.metric)) unknown.add(`term ${r.metric.code} ${r.metric.ref}`);
        if (r.unit && !codeTables.isUnit(r.unit)) unknown.add(`unit ${JSON.stringify(r.unit)}`);
      }
      if (r.kind === 'alarm') {
        if (r.code && !codeTables.isMdcTerm(r.code)) unknown.add(`alarm ${r.code.ref}`);
        if (r.about && !codeTables.isMdcTerm(r.about)) unknown.add(`alarm source ${r.about.ref}`);
      }
      if (r.kind === 'lab') {
        if (!codeTables.isLoinc(r.test.loinc)) unknown.add(`loinc ${r.test.loinc}`);
        if (r.unit && !codeTables.isUnit(r.unit)) unknown.add(`unit ${JSON.stringify(r.unit)}`);
      }
    }
    t.same([...unknown], [], 'no code outside the tables');
  });
}
