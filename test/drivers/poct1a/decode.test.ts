// `ambulink decode --driver poct1a` on the constructed device conversation (the built CLI, as an operator runs it).
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../src/core/paths.js';
import type { CanonicalRecord, LabRecord } from '../../../src/schema/index.js';
import { runCli } from '../../helpers/cli.js';

t.test('a device conversation: patient results with identity, QC apart, notes, LOINC and vendor ids', async (t) => {
  const r = await runCli(['decode', '--driver', 'poct1a', '--input', join(packageRoot(), 'fixtures/poct1a/conversation.xml'), '--received-at', '2026-01-01T00:00:00.000Z']);
  t.equal(r.code, 0, r.stderr);
  const records = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as CanonicalRecord);
  const labs = records.filter((x): x is LabRecord => x.kind === 'lab');
  t.same(
    labs.map((x) => [x.test.loinc, x.value, x.unit?.ucum, x.flags.join(','), x.qc]),
    [
      ['2744-1', 7.38, '[pH]', '', false],
      ['2019-8', 44.1, 'mm[Hg]', '', false],
      ['32693-4', 2.4, 'mmol/L', 'H', false],
      ['10839-9', 0.08, 'ng/mL', 'H', false],
      ['11558-4', 7.401, '[pH]', '', true],
    ],
  );
  const tni = labs[3]!;
  t.same(tni.vendor, { code: 'cTnI', name: 'Troponin I' }, 'vendor id mapped to LOINC, kept alongside');
  t.same(tni.notes, ['Result above the 99th percentile']);
  t.equal(tni.patientId, 'AMB-7781');
  t.equal(tni.observedAt, '2024-03-15T09:15:00.000Z', 'SVC.observation_dttm with its offset');
  t.equal(tni.instrument, 'ISTAT-0042');
  t.same(tni.source, { protocol: 'POCT1-A2', manufacturer: 'Abbott', model: 'i-STAT 1', serial: '345678', firmware: 'JAMS 140' });
  t.equal(labs[4]!.patientId, undefined, 'QC carries no patient');
  t.equal(labs[4]!.specimen?.id, 'QC2-LOT4711');
  t.match(r.stderr, /poct1a: 8 frames, 5 records, 0 frames dropped/);
});
