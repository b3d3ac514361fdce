// The worked examples of docs/handover-fhir-examples.md, built by the real builder from the test records: a monitor
// cycle (heart rate and NIBP) as a transaction Bundle, and the handover document at arrival, abridged to its
// Composition and the types of the other entries. examples.test.ts keeps the document equal to this output.
import type { Bundle } from 'fhir/r4.js';
import { FhirBuilder } from '../../../src/handover/fhir/builder.js';
import { inProcessValidator } from '../../../src/handover/fhir/validate.js';
import { ENCOUNTER, milestone, monitorCycle, news2, T0, VEHICLE, ventilatorCycle } from './records.js';

const EXAMPLE_METRICS = new Set(['MDC_ECG_HEART_RATE', 'MDC_PRESS_BLD_NONINV_SYS', 'MDC_PRESS_BLD_NONINV_DIA', 'MDC_PRESS_BLD_NONINV_MEAN']);

export async function buildFhirExamples(): Promise<{ transaction: string; document: string }> {
  const b = new FhirBuilder(
    { cycleMs: 5000, waveforms: true, identifierSystem: 'urn:ambulink' },
    {
      vehicle: VEHICLE,
      encounter: () => ENCOUNTER,
      onInvalid: (p) => {
        throw new Error(`example refused: ${JSON.stringify(p)}`);
      },
      validator: inProcessValidator,
    },
  );
  for (const r of monitorCycle(T0)) if ('metric' in r && EXAMPLE_METRICS.has(r.metric.ref)) void b.onRecord(r, T0);
  const [tx] = await b.tick(T0 + 5000);
  for (const r of ventilatorCycle(T0 + 6000)) void b.onRecord(r, T0 + 6000);
  void b.onRecord(news2(T0 + 6000, 5, 'medium'), T0 + 6000);
  void b.onRecord(milestone('pre-arrival-alert', T0 + 6000, { preArrival: 'stemi' }), T0 + 6000);
  const out = await b.onRecord(milestone('arrived-hospital', T0 + 9000, { origin: 'gps', by: 'fence-er' }), T0 + 9000);
  const doc = JSON.parse(out.find((m) => m.type === 'document')!.body) as Bundle;
  const [composition, ...rest] = doc.entry ?? [];
  const abridged = {
    ...doc,
    entry: [composition, ...rest.map((e) => ({ fullUrl: e.fullUrl, resource: { resourceType: e.resource!.resourceType, '…': 'as in the transaction above' } }))],
  };
  return { transaction: `${JSON.stringify(JSON.parse(tx!.body), null, 2)}\n`, document: `${JSON.stringify(abridged, null, 2)}\n` };
}
