// docs/handover-fhir-examples.md shows exactly what the builder produces: its two json blocks, in order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../src/core/paths.js';
import { buildFhirExamples } from './examples.js';

t.test('the worked examples are the builder output', async (t) => {
  const doc = readFileSync(join(packageRoot(), 'docs/handover-fhir-examples.md'), 'utf8');
  const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const e = await buildFhirExamples();
  t.equal(blocks.length, 2, 'two examples');
  t.equal(blocks[0], e.transaction, 'the transaction Bundle');
  t.equal(blocks[1], e.document, 'the abridged handover document');
});
