// `ambulink decode --driver astm` on the captures of fixtures/astm (the built CLI, as an operator runs it), and the
// E1394 building blocks: delimiters, escapes, reference ranges, times.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { astm } from '../../../drivers/astm/index.js';
import type { AnyDriver } from '../../../drivers/sdk/driver.js';
import { DEFAULT_DELIMITERS, E1394Record, delimitersOf, unescape } from '../../../drivers/astm/records.js';
import { parseAstmTime, parseRange } from '../../../drivers/lab/values.js';
import { driverOptions } from '../../../src/cli/commands/decode.js';
import { packageRoot } from '../../../src/core/paths.js';
import type { CanonicalRecord, EventRecord, LabRecord } from '../../../src/schema/index.js';
import { runCli } from '../../helpers/cli.js';

/** Through the built CLI, as an operator runs it. */
async function decodeCli(file: string, ...options: string[]): Promise<{ records: CanonicalRecord[]; stderr: string; code: number | null }> {
  const args = ['decode', '--driver', 'astm', '--input', join(packageRoot(), 'fixtures/astm', file), '--received-at', '2026-01-01T00:00:00.000Z', '-o', 'timeZone=+01:00'];
  for (const o of options) args.push('-o', o);
  const r = await runCli(args);
  return { records: r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CanonicalRecord), stderr: r.stderr, code: r.code };
}

/** The same framer and decoder in-process (what the CLI runs), so a loaded machine does not pay a node start each. */
async function decode(file: string, ...options: string[]): Promise<{ records: CanonicalRecord[]; checksumErrors: number }> {
  // As the CLI does: options checked against the driver's schema at run time, so typed as any driver's.
  const driver: AnyDriver = astm;
  const dec = driver.offline!(driverOptions(driver, ['timeZone=+01:00', ...options]), { vehicle: 'V', device: 'd', driver: 'astm' });
  const records: CanonicalRecord[] = [];
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  dec.push(readFileSync(join(packageRoot(), 'fixtures/astm', file)), rx, (r) => records.push(r));
  dec.end(rx, (r) => records.push(r));
  return { records, checksumErrors: dec.stats.checksumErrors };
}
const labs = (rs: CanonicalRecord[]) => rs.filter((r): r is LabRecord => r.kind === 'lab');

t.test('the constructed blood-gas transfer of the design documents', async (t) => {
  const { records, code, stderr } = await decodeCli('constructed-bloodgas-e1381.bin');
  t.equal(code, 0, stderr);
  const results = labs(records);
  t.same(
    results.map((r) => [r.vendor?.code, r.test.loinc, r.value, r.unit?.ucum, r.flags.join(','), r.status]),
    [
      ['pH', '2744-1', 7.382, '[pH]', 'N', 'final'],
      ['pCO2', '2019-8', 44.1, 'mm[Hg]', 'N', 'final'],
      ['pO2', '2703-7', 82, 'mm[Hg]', 'N', 'final'],
      ['cLac', '32693-4', 2.4, 'mmol/L', 'H', 'final'],
      ['cTnI', '10839-9', 0.02, 'ng/mL', 'N', 'final'],
    ],
  );
  const lac = results[3]!;
  t.same(lac.referenceRange, { low: 0.5, high: 1.6, text: '0.5^1.6' }, 'range as the vendor wrote it, with its bounds');
  t.same(lac.specimen, { id: 'SAMPLE0042', type: 'Arterial' }, 'specimen id kept as given');
  t.equal(lac.patientId, 'MRN12345', 'patient id kept as given');
  t.equal(lac.instrument, 'ABL800^Radiometer^5.40');
  t.equal(lac.observedAt, '2024-03-15T09:15:00.000Z', 'R-13 completion time, read at +01:00');
  t.equal(lac.qc, false);
  t.notOk(JSON.stringify(records).includes('DOE'), 'the patient name is not carried');
  t.match(stderr, /9 frames, 5 records, 0 frames dropped/);
});

t.test('a record over several ETB frames; the comment becomes a note on its result; venous codes', async (t) => {
  const results = labs((await decode('multiframe-etb.bin')).records);
  t.same(results.map((r) => r.test.loinc), ['2746-6', '2021-4', '32693-4'], 'venous LOINC for pH and pCO2');
  t.equal(results[2]!.notes?.length, 1);
  t.match(results[2]!.notes![0]!, /^Sample drawn during transport; .*end of note$/);
  t.equal(results[2]!.notes![0]!.length > 400, true, 'the comment spanned three frames');
  t.notOk(results[0]!.notes, 'other results have no note');
  t.equal(results[2]!.operator, 'medic12');
});

t.test('custom delimiters, escapes and repeated flags', async (t) => {
  const results = labs((await decode('custom-delimiters.bin')).records);
  t.equal(results.length, 2);
  t.same(results[0]!.flags, ['H', 'A']);
  t.equal(results[0]!.value, 6.4);
  t.same(results[0]!.referenceRange, { low: 3.5, high: 5, text: '3.5^5.0' });
  t.same(results[0]!.notes, ['Haemolysis index ! 2 !'], '%F% and %X21% unescaped');
  t.equal(results[0]!.instrument, 'GEM5000^Werfen^7.1');
  t.equal(results[1]!.test.loinc, '2947-0');
});

t.test('an interrupted transfer reports its results as partial, never final', async (t) => {
  const { records, code } = await decodeCli('interrupted.bin');
  t.equal(code, 0);
  const results = labs(records);
  t.equal(results.length, 2, 'the two results that arrived');
  t.ok(results.every((r) => r.status === 'partial'));
});

t.test('a retransmitted and a repeated frame give each result once', async (t) => {
  const { records, checksumErrors } = await decode('retransmissions.bin');
  t.same(labs(records).map((r) => r.vendor?.code), ['pH', 'cHCO3-']);
  t.equal(checksumErrors, 1);
});

t.test('QC is marked and has no patient; a training-mode message is marked demo', async (t) => {
  const results = labs((await decode('qc-and-training.bin')).records);
  const qc = results.filter((r) => r.qc);
  t.equal(qc.length, 2);
  t.ok(qc.every((r) => r.patientId === undefined && r.specimen?.id === 'QC2-LOT4711'));
  const training = results.filter((r) => !r.qc);
  t.equal(training.length, 1);
  t.equal(training[0]!.validity, 'demo');
});

t.test('raw E1394: kPa kept, unmapped test reported as an event, cancelled result carries no number', async (t) => {
  const { records, code } = await decodeCli('raw-records.txt', 'framing=raw');
  t.equal(code, 0);
  const results = labs(records);
  t.same(results.map((r) => [r.test.loinc, r.value, r.unit?.ucum, r.status, r.validity]), [
    ['2745-8', 7.351, '[pH]', 'final', 'valid'],
    ['11557-6', 6.1, 'kPa', 'final', 'valid'],
    ['15074-8', null, undefined, 'cancelled', 'unavailable'],
  ]);
  const unmapped = records.filter((r): r is EventRecord => r.kind === 'event');
  t.equal(unmapped.length, 1);
  t.equal(unmapped[0]!.event, 'lab.unmapped_test');
  t.equal(unmapped[0]!.detail?.test, 'FO2Hb');
});

t.test('a site maps its own test ids in options.tests', async (t) => {
  const { records } = await decode('raw-records.txt', 'framing=raw', 'tests={"FO2Hb":{"loinc":"2714-4","name":"Oxyhemoglobin"}}');
  const fo2hb = labs(records).find((r) => r.vendor?.code === 'FO2Hb');
  t.same(fo2hb?.test, { loinc: '2714-4', name: 'Oxyhemoglobin' });
  t.equal(records.filter((r) => r.kind === 'event').length, 0);
  const bad = await runCli(['decode', '--driver', 'astm', '-o', 'framing=zigzag', '--input', '/dev/null']);
  t.equal(bad.code, 2, 'an invalid option is a usage error');
});

t.test('E1394 delimiters, fields, components, repeats and escapes', async (t) => {
  t.same(delimitersOf('H|\\^&|||x'), DEFAULT_DELIMITERS);
  t.same(delimitersOf('H!~@%'), { field: '!', repeat: '~', component: '@', escape: '%' });
  t.equal(delimitersOf('H||||'), undefined, 'repeated delimiter characters are unusable');
  t.equal(delimitersOf('Habcd'), undefined);
  const d = DEFAULT_DELIMITERS;
  t.equal(unescape('a&F&b&S&c&R&d&E&e&X41&&H&bold&N&', d), 'a|b^c\\d&eAbold');
  t.equal(unescape('100&unknown&', d), '100&unknown&', 'an unknown escape stays as written');
  const r = new E1394Record('R|1|^^^pH^extra|7.4||7.35^7.45|H\\A||F||op1^op2', d);
  t.equal(r.type, 'R');
  t.equal(r.component(3, 4), 'pH');
  t.same(r.repeats(7), ['H', 'A']);
  t.equal(r.text(6), '7.35^7.45');
  t.equal(r.component(11, 2), 'op2');
  t.equal(r.text(99), '', 'a missing field is empty');
});

t.test('reference ranges in the syntaxes vendors use', async (t) => {
  t.same(parseRange('7.350^7.450'), { low: 7.35, high: 7.45, text: '7.350^7.450' });
  t.same(parseRange('-2.0-3.0'), { low: -2, high: 3, text: '-2.0-3.0' });
  t.same(parseRange('35 to 45'), { low: 35, high: 45, text: '35 to 45' });
  t.same(parseRange('[0.5;1.6]'), { low: 0.5, high: 1.6, text: '[0.5;1.6]' });
  t.same(parseRange('<0.04'), { high: 0.04, text: '<0.04' });
  t.same(parseRange('>60'), { low: 60, text: '>60' });
  t.same(parseRange('negative'), { text: 'negative' });
  t.equal(parseRange(''), undefined);
});

t.test('E1394 times: zone option, explicit offsets, and impossible dates', async (t) => {
  t.equal(parseAstmTime('20240315101500', '+01:00'), Date.UTC(2024, 2, 15, 9, 15));
  t.equal(parseAstmTime('20240315101500', 'Z'), Date.UTC(2024, 2, 15, 10, 15));
  t.equal(parseAstmTime('20240315101500+0530', 'Z'), Date.UTC(2024, 2, 15, 4, 45), 'an offset in the value wins');
  t.equal(parseAstmTime('202403151015', 'Z'), Date.UTC(2024, 2, 15, 10, 15), 'seconds may be absent');
  t.equal(parseAstmTime('20240231101500', 'Z'), undefined, '31 February');
  t.equal(parseAstmTime('2024031', 'Z'), undefined);
  t.equal(parseAstmTime('20240315101500', 'local'), new Date(2024, 2, 15, 10, 15).getTime());
});
