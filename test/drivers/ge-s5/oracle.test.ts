// The decoder against a real AS/3 capture and VSCapture's own decoding of it (fixtures/ge-s5/AS3DataExport.csv).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { geS5 } from '../../../drivers/ge-s5/index.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type CanonicalRecord, type NumericRecord } from '../../../src/schema/index.js';

const dir = join(packageRoot(), 'fixtures/ge-s5');

function decode(input: Buffer): CanonicalRecord[] {
  const out: CanonicalRecord[] = [];
  const dec = geS5.offline!({ intervalS: 10, classes: ['ext1', 'ext3'], waves: [], alarms: true, driLevel: 0 }, { vehicle: 'V', device: 'mon', driver: 'ge-s5' });
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  dec.push(input, rx, (r) => out.push(r));
  dec.end(rx, (r) => out.push(r));
  return out;
}

/** CSV column → our vendor code (DRI class.group.field). TV_Insp has no standard term and is not emitted. */
const COLUMNS: Record<string, string> = {
  ECG_HR: 'basic.ecg.hr',
  NIBP_Systolic: 'basic.nibp.sys',
  NIBP_Diastolic: 'basic.nibp.dia',
  NIBP_Mean: 'basic.nibp.mean',
  SpO2: 'basic.spo2.spo2',
  ET_CO2: 'basic.co2.et',
  AA_ET: 'basic.aa.et',
  AA_FI: 'basic.aa.fi',
  O2_FI: 'basic.o2.fi',
  N2O_FI: 'basic.n2o.fi',
  N2O_ET: 'basic.n2o.et',
  CO2_RR: 'basic.co2.rr',
  T1_Temp: 'basic.t1.temp',
  T2_Temp: 'basic.t2.temp',
  P1_HR: 'basic.p1.hr',
  P1_Systolic: 'basic.p1.sys',
  P1_Disatolic: 'basic.p1.dia',
  P1_Mean: 'basic.p1.mean',
  P2_HR: 'basic.p2.hr',
  P2_Systolic: 'basic.p2.sys',
  P2_Diastolic: 'basic.p2.dia',
  P2_Mean: 'basic.p2.mean',
  PPeak: 'basic.flow_vol.ppeak',
  PPlat: 'basic.flow_vol.pplat',
  TV_Exp: 'basic.flow_vol.tv_exp',
  PEEP: 'basic.flow_vol.peep',
  MV_Exp: 'basic.flow_vol.mv_exp',
  Compliance: 'basic.flow_vol.compliance',
  RR: 'basic.flow_vol.rr',
  ST_II: 'basic.ecg.st1',
  ST_V5: 'basic.ecg.st2',
  ST_aVL: 'basic.ecg.st3',
};

function oracleRows(): Array<{ iso: string; cells: Record<string, string> }> {
  const lines = readFileSync(join(dir, 'AS3DataExport.csv'), 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]!.split(',');
  return lines
    .filter((l) => /^\d\d\/\d\d\/\d{4} /.test(l))
    .map((l) => {
      const f = l.split(',');
      const [mm, dd, yyyy, hh, mi, ss] = f[0]!.split(/[/ :]/).map(Number) as [number, number, number, number, number, number];
      return { iso: new Date(Date.UTC(yyyy, mm - 1, dd, hh, mi, ss)).toISOString(), cells: Object.fromEntries(header.map((h, i) => [h, f[i]!])) };
    });
}

t.test("the AS/3 capture decodes to what VSCapture read from it, field by field", async (t) => {
  const records = decode(readFileSync(join(dir, 'AS3Rawoutput1.raw')));
  t.ok(records.every((r) => isCanonicalRecord(r)), 'every record is canonical');
  const numerics = records.filter((r): r is NumericRecord => r.kind === 'numeric');
  const byTime = new Map<string, Map<string, NumericRecord>>();
  for (const r of numerics) {
    let m = byTime.get(r.observedAt);
    if (!m) byTime.set(r.observedAt, (m = new Map()));
    m.set(r.vendor!.code as string, r);
  }
  t.equal(byTime.size, 123, 'one displayed-values record per valid frame, each with its own time');
  const rows = oracleRows();
  t.equal(rows.length, 107);
  let compared = 0;
  let mismatches = 0;
  for (const row of rows) {
    const ours = byTime.get(row.iso);
    if (!ours) {
      t.fail(`no record of ours at ${row.iso}`);
      continue;
    }
    for (const [column, code] of Object.entries(COLUMNS)) {
      const cell = row.cells[column];
      const r = ours.get(code);
      compared++;
      if (cell === '-') {
        if (r && r.value !== null) {
          mismatches++;
          t.fail(`${row.iso} ${column}: VSCapture says invalid, we say ${r.value}`);
        }
      } else {
        const expected = Number(cell);
        if (!r || r.value === null || Math.abs(r.value - expected) > 0.005) {
          mismatches++;
          t.fail(`${row.iso} ${column}: expected ${cell}, got ${r ? r.value : 'nothing'}`);
        }
      }
    }
    if (row.cells.Agent_AA === 'None') t.match(ours.get('basic.aa.et')?.label, /\(none\)/);
  }
  t.equal(mismatches, 0);
  t.ok(compared >= 107 * 30, `${compared} values compared`);
});

t.test('invalid markers are never numbers; the flag is named', async (t) => {
  const numerics = decode(readFileSync(join(dir, 'AS3Rawoutput1.raw'))).filter((r): r is NumericRecord => r.kind === 'numeric');
  const flagged = numerics.filter((r) => r.value === null);
  t.ok(flagged.length > 1000);
  const badly = flagged.filter(
    (r) =>
      !(r.validity === 'invalid' || r.validity === 'unavailable') ||
      !/^(DATA_INVALID|NOT_UPDATED|DISCONTINUITY|UNDER_RANGE|OVER_RANGE|NOT_CALIBRATED)$/.test(r.vendor?.name ?? ''),
  );
  t.same(badly, [], 'every flagged value is invalid or unavailable, with the flag named');
  t.ok(flagged.some((r) => r.validity === 'unavailable' && r.vendor?.name === 'NOT_UPDATED'));
  t.ok(numerics.every((r) => r.value === null || r.value > -320), 'no raw flag leaked as a value');
});

t.test('the class comes from the subrecord, not its position', async (t) => {
  const raw = readFileSync(join(dir, 'AS3Rawoutput1.raw'));
  const { GeS5Framer, encodeFrame } = await import('../../../drivers/ge-s5/framer.js');
  const records: Buffer[] = [];
  new GeS5Framer().push(raw, (f) => records.push(f));
  const rec = Buffer.from(records[0]!);
  // Swap the descriptors of the ext1 and ext3 subrecords: positions change, the subrecords themselves do not.
  const d1 = rec.subarray(16 + 3, 16 + 6);
  const d2 = Buffer.from(rec.subarray(16 + 6, 16 + 9));
  rec.set(Buffer.from(d1), 16 + 6);
  rec.set(d2, 16 + 3);
  const key = (r: CanonicalRecord) => `${(r as NumericRecord).vendor?.code}=${(r as NumericRecord).value}`;
  const original = decode(encodeFrame(records[0]!)).map(key).sort();
  const swapped = decode(encodeFrame(rec)).map(key).sort();
  t.same(swapped, original);
  t.ok(original.some((k) => k.startsWith('ext3.flow_vol2.')), 'ext3 decoded');
  t.ok(original.some((k) => k.startsWith('ext1.ecg12.st_ii=-0.01')), 'ext1 12-lead ST decoded');
});
