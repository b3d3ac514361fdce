// docs/handover-hl7-examples.md shows exactly what the builder produces: its three hl7 blocks, in order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../src/core/paths.js';
import { buildExamples } from './examples.js';

t.test('the worked examples are the builder output', async (t) => {
  const doc = readFileSync(join(packageRoot(), 'docs/handover-hl7-examples.md'), 'utf8');
  const blocks = [...doc.matchAll(/```hl7\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const e = buildExamples();
  t.equal(blocks.length, 3, 'three examples');
  t.equal(blocks[0], e.r01.replace(/\r/g, '\n'), 'ORU^R01 observation report');
  t.equal(blocks[1], e.r40.replace(/\r/g, '\n'), 'ORU^R40 alert report');
  t.equal(blocks[2], e.lab.replace(/\r/g, '\n'), 'ORU^R01 lab report');
});
