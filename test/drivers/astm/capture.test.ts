// ASTM captures as LIS tools keep them: no ENQ/EOT, frames from the middle of a transfer, the records alone as lines,
// the link bytes written as <STX>…<ETX> text; and the point-of-care catalogue and units on a mixed analyser log.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { astm } from '../../../drivers/astm/index.js';
import type { AnyDriver } from '../../../drivers/sdk/driver.js';
import { driverOptions } from '../../../src/cli/commands/decode.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type CanonicalRecord, type LabRecord } from '../../../src/schema/index.js';
import { runCli } from '../../helpers/cli.js';

const dir = join(packageRoot(), 'fixtures/astm');

function decode(bytes: Buffer, chunk = bytes.length, ...options: string[]) {
  const driver: AnyDriver = astm;
  const dec = driver.offline!(driverOptions(driver, ['timeZone=+01:00', ...options]), { vehicle: 'V', device: 'd', driver: 'astm' });
  const records: CanonicalRecord[] = [];
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  for (let i = 0; i < bytes.length; i += chunk) dec.push(bytes.subarray(i, i + chunk), rx, (r) => records.push(r));
  dec.end(rx, (r) => records.push(r));
  return { records, labs: records.filter((r): r is LabRecord => r.kind === 'lab'), stats: dec.stats };
}
const file = (name: string) => readFileSync(join(dir, name));
const summary = (labs: LabRecord[]) => labs.map((r) => [r.test.loinc, r.value, r.unit?.ucum, r.status, r.validity]);

const BLOOD_GAS = [
  ['2744-1', 7.382, '[pH]', 'final', 'valid'],
  ['2019-8', 44.1, 'mm[Hg]', 'final', 'valid'],
  ['2703-7', 82, 'mm[Hg]', 'final', 'valid'],
  ['32693-4', 2.4, 'mmol/L', 'final', 'valid'],
  ['10839-9', 0.02, 'ng/mL', 'final', 'valid'],
];

t.test('the reference transfer, as sent (with ENQ/EOT)', async (t) => {
  t.same(summary(decode(file('constructed-bloodgas-e1381.bin')).labs), BLOOD_GAS);
});

t.test('E1381 frames without the ENQ and EOT decode the same, checksums still checked', async (t) => {
  const { labs } = decode(file('frames-without-enq.bin'));
  t.same(summary(labs), BLOOD_GAS);
  const bad = Buffer.from(file('frames-without-enq.bin'));
  bad[bad.indexOf('7.382')] = 0x38; // 8.382: the frame's checksum no longer matches
  const broken = decode(bad);
  t.equal(broken.stats.checksumErrors, 1, 'the damaged frame is refused');
  t.notOk(broken.labs.some((r) => r.test.loinc === '2744-1'), 'and its pH is not invented');
  t.equal(broken.labs.length, 4, 'the other results still decode');
});

t.test('a capture that starts in the middle of a transfer', async (t) => {
  const { labs } = decode(file('frames-mid-transfer.bin'));
  t.same(summary(labs).map((r) => r[0]), BLOOD_GAS.map((r) => r[0]), 'no H or P record, the results all the same');
});

t.test('the link bytes written as text (<STX>…<ETX>70<CR><LF>), in any chunking', async (t) => {
  for (const chunk of [1 << 20, 3]) {
    const { labs } = decode(file('constructed-bloodgas-e1381.txt'), chunk);
    t.same(summary(labs), BLOOD_GAS, `chunks of ${chunk}`);
  }
});

t.test('the records alone as lines: LF, CR LF, CR, no final line end', async (t) => {
  const lf = file('poc-log-lf.txt').toString('latin1');
  const base = summary(decode(Buffer.from(lf, 'latin1')).labs);
  t.equal(base.length, 26);
  for (const [name, text] of [
    ['CR LF', lf.replace(/\n/g, '\r\n')],
    ['CR', lf.replace(/\n/g, '\r')],
    ['no final line end', lf.trimEnd()],
  ] as const) {
    t.same(summary(decode(Buffer.from(text, 'latin1'), 5).labs), base, name);
  }
  t.same(summary(decode(Buffer.from(lf, 'latin1'), 1 << 20, 'framing=raw').labs), base, 'framing=raw reads the same capture');
});

t.test('point-of-care catalogue and units: every result mapped to LOINC, none questionable', async (t) => {
  const { records, labs } = decode(file('poc-log-lf.txt'));
  t.ok(records.every((r) => isCanonicalRecord(r)));
  t.notOk(records.some((r) => r.kind === 'event'), 'no test id left unmapped');
  t.same(
    labs.map((r) => [r.vendor?.code, r.test.loinc, r.test.shortName, r.value ?? r.text, r.unit?.ucum, r.validity]),
    [
      ['CRP', '1988-5', 'CRP SerPl-mCnc', 12.5, 'mg/L', 'valid'],
      ['D-Dimer', '48065-7', 'D-dimer FEU PPP-mCnc', 0.62, 'mg/L{FEU}', 'valid'],
      ['NT-proBNP', '33762-6', 'NT-proBNP SerPl-mCnc', 1890, 'pg/mL', 'valid'],
      ['CK-MB', '13969-1', 'CK MB SerPl-mCnc', 4.1, 'ug/L', 'valid'],
      ['Myo', '2639-3', 'Myoglobin SerPl-mCnc', 61, 'ug/L', 'valid'],
      ['hs-cTnI', '89579-7', undefined, 35, 'ng/L', 'valid'],
      ['hCG', '2106-3', 'HCG Ur Ql', 'NEG', undefined, 'valid'],
      ['ACR', '14959-1', 'Microalbumin/Creat Ur-mRto', 45, 'mg/g', 'valid'],
      ['HbA1c', '4548-4', 'Hgb A1c MFr Bld', 7.2, '%', 'valid'],
      ['HbA1c(IFCC)', '59261-8', 'Hgb A1c MFr Bld IFCC', 55, 'mmol/mol', 'valid'],
      ['INR', '34714-6', 'INR Bld', 2.6, '{INR}', 'valid'],
      ['PT', '5902-2', 'PT Time Patient', 31.2, 's', 'valid'],
      ['Crea', '38483-4', 'Creat Bld-mCnc', 1.1, 'mg/dL', 'valid'],
      ['BUN', '6299-2', 'BUN Bld-mCnc', 18, 'mg/dL', 'valid'],
      ['Alb', '1751-7', 'Albumin SerPl-mCnc', 4.1, 'g/dL', 'valid'],
      ['Glu(Bld)', '2339-0', 'Glucose Bld-mCnc', 142, 'mg/dL', 'valid'],
      ['Lac(P)', '2524-7', 'Lactate SerPl-sCnc', 3.1, 'mmol/L', 'valid'],
      ['Hb', '718-7', 'Hgb Bld-mCnc', 13.9, 'g/dL', 'valid'],
      ['hCG-quant', '19080-1', 'HCG SerPl-aCnc', 4, 'm[IU]/mL', 'valid'],
      // European units: LOINC has one term per property, picked by the unit the result came in.
      ['UREA', '22664-7', undefined, 6.1, 'mmol/L', 'valid'],
      ['Urea', '3091-6', undefined, 36.6, 'mg/dL', 'valid'],
      ['Urea-N', '6299-2', 'BUN Bld-mCnc', 17, 'mg/dL', 'valid'],
      ['Crea', '59826-8', undefined, 88, 'umol/L', 'valid'],
      ['Crea(P)', '14682-9', 'Creat SerPl-sCnc', 91, 'umol/L', 'valid'],
      ['Glu(P)', '14749-6', 'Glucose SerPl-sCnc', 7.9, 'mmol/L', 'valid'],
      ['Glu', '2339-0', 'Glucose Bld-mCnc', 142, 'mg/dL', 'valid'],
    ],
  );
});

t.test('urea is urea, urea nitrogen is BUN: each in its own LOINC component and property', async (t) => {
  const { records, labs } = decode(file('poc-log-lf.txt'));
  t.notOk(
    records.some((r) => r.kind === 'event' && r.event === 'lab.unmapped_test'),
    'a urea result in mmol/L is no longer published as lab.unmapped_test',
  );
  const urea = labs.filter((r) => r.vendor?.code === 'UREA' || r.vendor?.code === 'Urea');
  t.same(
    urea.map((r) => [r.test.loinc, r.test.name, r.unit?.ucum]),
    [
      ['22664-7', 'Urea [Moles/volume] in Serum or Plasma', 'mmol/L'],
      ['3091-6', 'Urea [Mass/volume] in Serum or Plasma', 'mg/dL'],
    ],
  );
  const bun = labs.filter((r) => r.test.name.startsWith('Urea nitrogen'));
  t.same(bun.map((r) => r.vendor?.code), ['BUN', 'Urea-N'], 'BUN and Urea-N are urea nitrogen, not urea');
  // The unit picks the term; the same test id in another spelling of the unit gets the same code.
  const text = file('poc-log-lf.txt').toString('latin1').replace('UREA|6.1|mmol/L|', 'UREA|6.1|mmol/l|').replace('Urea|36.6|mg/dL|', 'Urea|36.6|MG/DL|');
  const spelled = decode(Buffer.from(text, 'latin1')).labs.filter((r) => r.vendor?.code === 'UREA' || r.vendor?.code === 'Urea');
  t.same(spelled.map((r) => r.test.loinc), ['22664-7', '3091-6']);
  // Urea in g/L (French laboratories) is a mass concentration too.
  const grams = decode(Buffer.from(file('poc-log-lf.txt').toString('latin1').replace('UREA|6.1|mmol/L|', 'UREA|0.37|g/L|'), 'latin1'));
  t.equal(grams.labs.find((r) => r.vendor?.code === 'UREA')?.test.loinc, '3091-6');
  // A unit without a term of its own keeps the entry's code, and a unit we cannot name leaves the value questionable.
  const odd = decode(Buffer.from(file('poc-log-lf.txt').toString('latin1').replace('UREA|6.1|mmol/L|', 'UREA|6.1|mmol per litre|'), 'latin1'));
  const oddUrea = odd.labs.find((r) => r.vendor?.code === 'UREA');
  t.same([oddUrea?.test.loinc, oddUrea?.validity], ['22664-7', 'questionable']);
});

t.test("a site's options.tests may give byUnit terms, in its analyser's unit spelling", async (t) => {
  const text = 'H|\\^&|||X\nO|1|S1||^^^CHEM|S|20260315101000\nR|1|^^^SUN|18|mg/dl|||F\nR|2|^^^SUN|6.4|mmol/L|||F\nL|1|N\n';
  const { labs } = decode(
    Buffer.from(text, 'latin1'),
    1 << 20,
    'tests={"SUN": {"loinc": "6299-2", "byUnit": {"mmol/l": "59570-2"}, "name": "Urea nitrogen (site)"}}',
  );
  t.same(labs.map((r) => [r.test.loinc, r.unit?.ucum]), [['6299-2', 'mg/dL'], ['59570-2', 'mmol/L']]);
});

t.test('a unit that is not UCUM still makes the value questionable (the check is not switched off)', async (t) => {
  const text = file('poc-log-lf.txt').toString('latin1').replace('12.5|mg/L|', '12.5|mg per litre|');
  const crp = decode(Buffer.from(text, 'latin1')).labs.find((r) => r.test.loinc === '1988-5')!;
  t.equal(crp.validity, 'questionable');
  t.equal(crp.text, '12.5 mg per litre', 'the unit text is kept');
});

t.test('lines that are not records are skipped and counted', async (t) => {
  const text = `# exported 2026-03-15\n${file('poc-log-lf.txt').toString('latin1')}garbage line\n`;
  const { labs, stats } = decode(Buffer.from(text, 'latin1'));
  t.equal(labs.length, 26);
  t.equal(stats.framesDropped, 2);
});

t.test('ambulink decode --driver astm on a plain record log (the built CLI)', async (t) => {
  const r = await runCli(['decode', '--driver', 'astm', '--input', join(dir, 'poc-log-lf.txt'), '-o', 'timeZone=+01:00']);
  t.equal(r.code, 0, r.stderr);
  const labs = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as LabRecord).filter((x) => x.kind === 'lab');
  t.equal(labs.length, 26);
  t.match(r.stderr, /astm: 33 frames, 26 records/);
});
