// At arrival (the encounter closed, or the care timeline's arrival milestone) the builder sends what is still open,
// a transaction marking the Encounter finished, and the handover document: a valid document Bundle whose Composition
// reads in ATMIST order, then the IPS sections that apply, with every referenced resource inside the Bundle.
import type { Bundle, Composition, Encounter } from 'fhir/r4.js';
import t from 'tap';
import type { HandoverMessage } from '../../../src/handover/destination.js';
import { FhirBuilder, type FhirProblem } from '../../../src/handover/fhir/builder.js';
import { ATMIST_TITLES } from '../../../src/handover/fhir/document.js';
import { inProcessValidator, validateFhirBundle } from '../../../src/handover/fhir/validate.js';
import { alarm, bloodGas, ENCOUNTER, event, milestone, monitorCycle, news2, news2Alert, T0, VEHICLE, ventilatorCycle } from './records.js';

t.test('encounter closed → open cycles, finished Encounter, ATMIST document', async (t) => {
  const problems: FhirProblem[] = [];
  let open: typeof ENCOUNTER | undefined = ENCOUNTER;
  const b = new FhirBuilder(
    { cycleMs: 5000, waveforms: true, identifierSystem: 'urn:ambulink' },
    { vehicle: VEHICLE, encounter: () => open, onInvalid: (p) => problems.push(p), validator: inProcessValidator },
  );
  const sent: HandoverMessage[] = [];
  for (const r of monitorCycle(T0, 120)) sent.push(...(await b.onRecord(r, T0)));
  for (const r of monitorCycle(T0 + 5000, 96)) sent.push(...(await b.onRecord(r, T0 + 5000)));
  for (const r of ventilatorCycle(T0)) sent.push(...(await b.onRecord(r, T0)));
  for (const r of bloodGas(T0)) sent.push(...(await b.onRecord(r, T0)));
  sent.push(...(await b.tick(T0 + 5000)));
  sent.push(
    ...(await b.onRecord(
      event('setpoint.state', T0 + 6000, { state: 'Fin', target: { param: 'MDC_CONC_AWAY_O2_INSP', value: 50, unit: '%' }, actual: 50, at: new Date(T0 + 6000).toISOString(), source: { id: 'dr-wang', keyId: 'k1', origin: 'clinician' } }, 'vent'),
      T0 + 6000,
    )),
  );
  open = undefined; // the service forgets the encounter as it closes it; the handover must not
  const closedAt = T0 + 8000;
  const atArrival = await b.onRecord(event('encounter.closed', closedAt, { encounter: ENCOUNTER.id }), closedAt);
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
  t.match(text(1), /Encounter opened by crew:medic1: 2026-11-25T09:55:00.000Z.*Handover: 2026-11-25T10:00:08.000Z/);
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

  t.same((await b.onRecord(event('encounter.closed', closedAt + 1, { encounter: ENCOUNTER.id }), closedAt + 1)).filter((m) => m.type === 'document'), [], 'one document per encounter');
});

t.test('arrival milestone → document with the timeline, the complaint, findings and scores', async (t) => {
  const problems: FhirProblem[] = [];
  const b = new FhirBuilder(
    { cycleMs: 5000, waveforms: false, identifierSystem: 'urn:ambulink' },
    { vehicle: VEHICLE, encounter: () => ENCOUNTER, onInvalid: (p) => problems.push(p), validator: inProcessValidator },
  );
  const contact = T0 - 20 * 60_000;
  void b.onRecord(milestone('first-medical-contact', contact), contact);
  void b.onRecord(milestone('pre-arrival-alert', T0 - 60_000, { preArrival: 'stemi' }), T0 - 60_000);
  for (const r of monitorCycle(T0)) void b.onRecord(r, T0);
  void b.onRecord(news2(T0, 4, 'low'), T0);
  void b.onRecord(news2(T0 + 1000, 7, 'high'), T0 + 1000);
  void b.onRecord(news2Alert(T0 + 1000, 'low', 'high'), T0 + 1000);
  void b.onRecord(alarm(T0 + 1500, 'mon-vt', 'V-TACH <script>'), T0 + 1500);
  void b.onRecord(alarm(T0 + 2500, 'mon-vt', 'V-TACH <script>'), T0 + 2500);
  void b.onRecord(alarm(T0 + 1600, 'mon-spo2lo', 'SpO2 low', 'medium'), T0 + 1600);
  const arrived = T0 + 3000;
  const out = await b.onRecord(
    milestone('arrived-hospital', arrived, { origin: 'gps', by: 'fence-er', intervals: [{ name: 'contact-to-arrival', ms: arrived - contact }] }),
    arrived,
  );
  t.same(problems, []);
  t.same(out.map((m) => m.type), ['transaction', 'transaction', 'document']);
  const doc = JSON.parse(out[2]!.body) as Bundle;
  t.same(validateFhirBundle(doc).errors, []);
  const composition = doc.entry?.[0]?.resource as Composition;
  const text = (i: number): string => composition.section?.[i]?.text?.div ?? '';
  t.match(text(1), /first medical contact: 2026-11-25T09:40:00.000Z \(crew medic1\).*arrived hospital: 2026-11-25T10:00:03.000Z \(gps fence-er\).*contact to arrival: 20 min/);
  t.match(text(2), /Pre-arrival alert: STEMI/);
  t.match(text(3), /NEWS2 rose from low to high/);
  t.match(text(3), /mon alarm: V-TACH &lt;script&gt;/, 'escaped');
  t.equal(text(3).split('V-TACH').length, 2, 'an alarm repeating while active is one finding');
  t.notMatch(text(3), /SpO2 low/, 'medium-priority alarms are not findings');
  t.match(text(4), /NEWS2: 7 \(high\)/, 'the latest score');
  t.notMatch(text(4), /NEWS2: 4/);
  t.same(await b.onRecord(event('encounter.closed', arrived + 60_000, { encounter: ENCOUNTER.id }), arrived + 60_000), [], 'closing after arrival sends no second document');
});

t.test("the crew's ETA, mechanism and incident time in their ATMIST sections; the latest ETA counts", async (t) => {
  const problems: FhirProblem[] = [];
  const b = new FhirBuilder(
    { cycleMs: 5000, waveforms: false, identifierSystem: 'urn:ambulink' },
    { vehicle: VEHICLE, encounter: () => ENCOUNTER, onInvalid: (p) => problems.push(p), validator: inProcessValidator },
  );
  for (const r of monitorCycle(T0)) void b.onRecord(r, T0);
  const incidentAt = new Date(T0 - 40 * 60_000).toISOString();
  void b.onRecord(event('crew.mechanism', T0 + 100, { text: 'Fall from 3 m <ladder>', incidentAt, by: 'crew:medic1' }), T0 + 100);
  void b.onRecord(event('crew.mechanism', T0 + 150, { text: 'chest pain since the fall', by: 'crew:medic1' }), T0 + 150);
  void b.onRecord(event('crew.eta', T0 + 200, { eta: '2026-11-25T10:20:00.000Z', by: 'crew:medic1' }), T0 + 200);
  void b.onRecord(event('crew.eta', T0 + 300, { eta: '2026-11-25T10:25:00.000Z', by: 'cli:driver' }), T0 + 300);
  const out = await b.onRecord(milestone('arrived-hospital', T0 + 3000, { origin: 'gps', by: 'fence-er' }), T0 + 3000);
  t.same(problems, []);
  const doc = JSON.parse(out.find((m) => m.type === 'document')!.body) as Bundle;
  t.same(validateFhirBundle(doc).errors, [], 'the document validates');
  const composition = doc.entry?.[0]?.resource as Composition;
  const text = (i: number): string => composition.section?.[i]?.text?.div ?? '';
  t.match(text(1), `Time of incident: ${incidentAt} (crew crew:medic1)`, 'the incident time first among the times');
  t.match(text(2), /Fall from 3 m &lt;ladder&gt; \(crew crew:medic1, 2026-11-25T10:00:00.100Z\).*chest pain since the fall/, 'the mechanism, escaped, in order');
  t.match(text(6), /ETA given by the crew: 2026-11-25T10:25:00.000Z \(crew cli:driver, entered 2026-11-25T10:00:00.300Z\).*Arrived at hospital: 2026-11-25T10:00:03.000Z/);
  t.notMatch(text(6), /10:20:00/, 'an earlier ETA is replaced');
});
