// At arrival (the encounter closed, or the care timeline's arrival milestone) the builder sends what is still open,
// a transaction marking the Encounter finished, and the handover document: a valid document Bundle whose Composition
// reads in ATMIST order, then the IPS sections that apply, with every referenced resource inside the Bundle.
import type { Bundle, Composition, Encounter } from 'fhir/r4.js';
import t from 'tap';
import type { HandoverMessage } from '../../../src/handover/destination.js';
import { FhirBuilder, type FhirProblem } from '../../../src/handover/fhir/builder.js';
import { ATMIST_TITLES } from '../../../src/handover/fhir/document.js';
import { validateFhirBundle } from '../../../src/handover/fhir/validate.js';
import { bloodGas, ENCOUNTER, event, monitorCycle, T0, VEHICLE, ventilatorCycle } from './records.js';

t.test('encounter closed → open cycles, finished Encounter, ATMIST document', async (t) => {
  const problems: FhirProblem[] = [];
  let open: typeof ENCOUNTER | undefined = ENCOUNTER;
  const b = new FhirBuilder(
    { cycleMs: 5000, waveforms: true, identifierSystem: 'urn:ambulink' },
    { vehicle: VEHICLE, encounter: () => open, onInvalid: (p) => problems.push(p) },
  );
  const sent: HandoverMessage[] = [];
  for (const r of monitorCycle(T0, 120)) sent.push(...b.onRecord(r, T0));
  for (const r of monitorCycle(T0 + 5000, 96)) sent.push(...b.onRecord(r, T0 + 5000));
  for (const r of ventilatorCycle(T0)) sent.push(...b.onRecord(r, T0));
  for (const r of bloodGas(T0)) sent.push(...b.onRecord(r, T0));
  sent.push(...b.tick(T0 + 5000));
  sent.push(
    ...b.onRecord(
      event('setpoint.state', T0 + 6000, { state: 'Fin', target: { param: 'MDC_CONC_AWAY_O2_INSP', value: 50, unit: '%' }, actual: 50, at: new Date(T0 + 6000).toISOString(), source: { id: 'dr-wang', keyId: 'k1', origin: 'clinician' } }, 'vent'),
      T0 + 6000,
    ),
  );
  open = undefined; // the service forgets the encounter as it closes it; the handover must not
  const closedAt = T0 + 8000;
  const atArrival = b.onRecord(event('encounter.closed', closedAt, { encounter: ENCOUNTER.id }), closedAt);
  t.same(problems, [], 'nothing refused');
  t.same(atArrival.map((m) => m.type), ['transaction', 'transaction', 'document'], 'the open monitor cycle, the closing transaction, the document');

  const closing = JSON.parse(atArrival[1]!.body) as Bundle;
  const enc = closing.entry?.find((e) => e.resource?.resourceType === 'Encounter')?.resource as Encounter;
  t.equal(enc.status, 'finished');
  t.equal(enc.period?.end, new Date(closedAt).toISOString());
  t.equal(closing.entry?.find((e) => e.resource === enc || e.resource?.resourceType === 'Encounter')?.request?.method, 'PUT', 'a conditional update');

  const doc = JSON.parse(atArrival[2]!.body) as Bundle;
  t.same(validateFhirBundle(doc).errors, [], 'the document validates');
  t.equal(doc.type, 'document');
  t.ok(doc.identifier?.value, 'a document has its identifier');
  const composition = doc.entry?.[0]?.resource as Composition;
  t.equal(composition.resourceType, 'Composition', 'the Composition comes first');
  t.same(composition.type.coding?.[0], { system: 'http://loinc.org', code: '34133-9', display: 'Summary of episode note' });
  const titles = composition.section?.map((s) => s.title);
  t.same(titles?.slice(0, 7), [...ATMIST_TITLES], 'ATMIST order');
  t.same(titles?.slice(7), ['Vital signs', 'Results', 'Medical devices'], 'then the IPS sections that apply');
  const text = (i: number): string => composition.section?.[i]?.text?.div ?? '';
  t.match(text(0), /Sex: male.*Age band: older-adult.*Weight: 82 kg/);
  t.match(text(1), /First contact.*2026-11-25T09:55:00.000Z.*Handover: 2026-11-25T10:00:08.000Z/);
  t.match(text(4), /Heart rate: 96 \/min/, 'the latest heart rate, not the first');
  t.notMatch(text(4), /Heart rate: 120/);
  t.match(text(4), /Blood pressure panel.*142\/86 \(105\) mm\[Hg\]/);
  t.match(text(5), /Ventilator setting .*MDC_VENT_VOL_TIDAL: 480 mL/);
  t.match(text(5), /Setpoint applied on vent: MDC_CONC_AWAY_O2_INSP 50 %, read back 50 \(Fin\).*requested by dr-wang/);
  t.match(text(6), /Arrived at hospital: 2026-11-25T10:00:08.000Z/);
  t.match(composition.section?.[7]?.code?.coding?.[0]?.code ?? '', '8716-3');
  t.equal(composition.section?.[8]?.entry?.length, 3, 'three lab results');

  const urls = new Set(doc.entry?.map((e) => e.fullUrl));
  const refs = [...JSON.stringify(doc).matchAll(/"reference":"([^"]+)"/g)].map((m) => m[1]!);
  t.ok(refs.length > 10);
  t.same(refs.filter((r) => !urls.has(r)), [], 'every reference resolves inside the document');

  t.same(b.onRecord(event('encounter.closed', closedAt + 1, { encounter: ENCOUNTER.id }), closedAt + 1).filter((m) => m.type === 'document'), [], 'one document per encounter');
});
