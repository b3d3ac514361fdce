// Point-of-care results as ORU^R01 with LOINC: one message per specimen, read back with node-hl7-client.
import t from 'tap';
import { Hl7Builder } from '../../../src/handover/hl7/index.js';
import { isCanonicalRecord } from '../../../src/schema/index.js';
import { field, only, parse, repetitions, segments } from './parse.js';
import { lab, options, T0 } from './records.js';

const gas = (at: number, specimen = 'S-0042') => [
  lab('2744-1', 7.21, '[pH]', at, { referenceRange: { low: 7.35, high: 7.45, text: '7.35-7.45' }, flags: ['L'], specimen: { id: specimen, type: 'arterial blood' } }),
  lab('2019-8', 58, 'mm[Hg]', at, { referenceRange: { low: 35, high: 45, text: '' }, flags: ['H'], specimen: { id: specimen, type: 'arterial blood' } }),
  lab('32693-4', 4.8, 'mmol/L', at, { flags: ['H', 'A'], notes: ['haemolysed sample\nrepeat advised'], specimen: { id: specimen, type: 'arterial blood' } }),
];

t.test('the test results are canonical records', async (t) => {
  for (const r of gas(T0)) t.ok(isCanonicalRecord(r), r.test.loinc);
});

t.test('the results of one specimen are one ORU^R01 with LOINC, UCUM, ranges and flags', async (t) => {
  const b = new Hl7Builder(options());
  t.same(gas(T0).flatMap((r) => b.onRecord(r, T0)), [], 'held until the specimen is complete');
  const out = b.tick(T0 + 5000);
  t.equal(out.length, 1);
  const m = out[0]!;
  t.equal(m.type, 'ORU^R01');
  const msg = parse(m.body);
  const msh = only(msg, 'MSH');
  t.same([field(msh, '9.1'), field(msh, '9.2'), field(msh, '10'), field(msh, '12')], ['ORU', 'R01', m.id, '2.6']);
  t.equal(field(msh, '21'), '', 'no PCD profile claimed for lab results');
  t.equal(field(only(msg, 'PID'), '3.1'), 'EMS-2026-118734');
  const obr = only(msg, 'OBR');
  t.equal(field(obr, '2.1'), 'S-0042', 'placer: the specimen');
  t.equal(field(obr, '7'), '20261125095800+0000', 'OBR-7: when the specimen was collected');
  t.equal(field(obr, '25'), 'F');
  const obx = segments(msg, 'OBX');
  t.same(
    obx.map((o) => [field(o, '2'), field(o, '3.1'), field(o, '3.3'), field(o, '5'), field(o, '6.1'), field(o, '6.3'), field(o, '7'), field(o, '11')]),
    [
      ['NM', '2744-1', 'LN', '7.21', '[pH]', 'UCUM', '7.35-7.45', 'F'],
      ['NM', '2019-8', 'LN', '58', 'mm[Hg]', 'UCUM', '35-45', 'F'],
      ['NM', '32693-4', 'LN', '4.8', 'mmol/L', 'UCUM', '', 'F'],
    ],
  );
  t.equal(field(obx[0]!, '3.2'), 'pH of Arterial blood');
  t.same(repetitions(obx[2]!, 8), ['H', 'A'], 'every flag a repetition of OBX-8');
  t.same([field(obx[0]!, '14'), field(obx[0]!, '19')], ['20261125095800+0000', '20261125100000+0000'], 'collected, analysed');
  t.same([field(obx[0]!, '16'), field(obx[0]!, '18.1'), field(obx[0]!, '18.2')], ['crew-2', '375112', 'i-STAT 1']);
  t.same(segments(msg, 'NTE').map((n) => field(n, '3')), ['haemolysed sample', 'repeat advised'], 'one NTE per line of a note');
  t.match(m.body, /OBX\|3\|[^\r]*\rNTE\|1\|L\|haemolysed sample\rNTE\|2\|L\|repeat advised\rSPM\|/, 'notes after their OBX, specimen last');
  const spm = only(msg, 'SPM');
  t.same([field(spm, '2.1'), field(spm, '4.2')], ['S-0042', 'arterial blood']);
});

t.test('a new specimen closes the previous one; a repeated test too', async (t) => {
  const b = new Hl7Builder(options());
  gas(T0).forEach((r) => b.onRecord(r, T0));
  const out = gas(T0 + 600_000, 'S-0043').flatMap((r) => b.onRecord(r, T0 + 600_000));
  t.equal(out.length, 1);
  t.equal(field(only(parse(out[0]!.body), 'SPM'), '2.1'), 'S-0042');
  const again = b.onRecord(lab('2744-1', 7.25, '[pH]', T0 + 600_001, { specimen: { id: 'S-0043' } }), T0 + 600_001);
  t.equal(again.length, 1, 'the same test twice for one specimen is a new result set');
  t.equal(segments(parse(again[0]!.body), 'OBX').length, 3);
});

t.test('qualitative, missing and preliminary results; QC never sent', async (t) => {
  const b = new Hl7Builder(options());
  b.onRecord(lab('10839-9', null, 'ng/mL', T0, { text: '<0.02', specimen: { id: 'S-7' } }), T0);
  b.onRecord(lab('2703-7', null, 'mm[Hg]', T0, { specimen: { id: 'S-7' } }), T0);
  b.onRecord(lab('1960-4', 18, 'mmol/L', T0, { status: 'preliminary', specimen: { id: 'S-7' } }), T0);
  t.same(b.onRecord(lab('2744-1', 7.4, '[pH]', T0, { qc: true, specimen: { id: 'S-7' } }), T0), []);
  t.equal(b.skipped.get('qc'), 1);
  const msg = parse(b.tick(T0 + 3000)[0]!.body);
  const obx = segments(msg, 'OBX');
  t.same(obx.map((o) => [field(o, '2'), field(o, '5'), field(o, '11')]), [
    ['ST', '<0.02', 'F'],
    ['', '', 'X'],
    ['NM', '18', 'P'],
  ]);
  t.equal(field(only(msg, 'OBR'), '25'), 'P', 'not all final');
});
