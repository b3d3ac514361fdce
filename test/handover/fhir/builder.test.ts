// The FHIR builder on one encounter's records: each update cycle becomes a transaction Bundle that the base R4
// validator accepts, coded as the PoCD IG and the R4 vital-signs profiles ask, written conditionally on stable
// identifiers; what the validator refuses is reported and not sent.
import type { Bundle, BundleEntry, Observation, Resource } from 'fhir/r4.js';
import t from 'tap';
import type { HandoverMessage } from '../../../src/handover/destination.js';
import { FhirBuilder, type FhirProblem } from '../../../src/handover/fhir/builder.js';
import { inProcessValidator, validateFhirBundle } from '../../../src/handover/fhir/validate.js';
import { bloodGas, ecgBlock, ENCOUNTER, event, monitorCycle, numeric, T0, VEHICLE, ventilatorCycle } from './records.js';

const OPTIONS = { cycleMs: 5000, waveforms: true, identifierSystem: 'urn:ambulink' };

function builder(problems: FhirProblem[] = [], encounter = ENCOUNTER) {
  return new FhirBuilder(OPTIONS, { vehicle: VEHICLE, encounter: () => encounter, onInvalid: (p) => problems.push(p), validator: inProcessValidator });
}

const bundleOf = (m: HandoverMessage): Bundle => JSON.parse(m.body) as Bundle;
const resources = (b: Bundle): Resource[] => (b.entry ?? []).map((e) => e.resource!);
const observations = (b: Bundle): Observation[] => resources(b).filter((r): r is Observation => r.resourceType === 'Observation');
const byMdc = (b: Bundle, code: string): Observation | undefined =>
  observations(b).find((o) => o.code.coding?.some((c) => c.system === 'urn:iso:std:iso:11073:10101' && c.code === code));

t.test('a monitor cycle: one valid transaction, PoCD- and vital-signs-coded', async (t) => {
  const b = builder();
  const out: HandoverMessage[] = [];
  for (const r of monitorCycle(T0)) out.push(...(await b.onRecord(r, T0)));
  t.same(out, [], 'nothing until the cycle ends');
  // The next cycle's first value ends this one.
  out.push(...(await b.onRecord(monitorCycle(T0 + 5000)[0]!, T0 + 5000)));
  t.equal(out.length, 1);
  const msg = out[0]!;
  t.equal(msg.type, 'transaction');
  const bundle = bundleOf(msg);
  t.equal(bundle.id, msg.id, 'the message id is the Bundle id');
  t.same(validateFhirBundle(bundle).errors, [], 'the validator accepts the Bundle and every resource in it');

  const types = resources(bundle).map((r) => r.resourceType);
  t.ok(types.includes('Patient') && types.includes('Encounter') && types.includes('Device'), 'context resources present');
  t.equal(types.filter((x) => x === 'DeviceMetric').length, 6, 'one DeviceMetric per metric (BP is one compound metric)');

  const hr = byMdc(bundle, '147842')!;
  t.ok(hr, 'heart rate by its MDC code');
  t.ok(hr.code.coding?.some((c) => c.system === 'http://loinc.org' && c.code === '8867-4'), 'and its LOINC code');
  t.same(hr.category?.[0]?.coding?.[0]?.code, 'vital-signs');
  t.same(hr.meta?.profile, ['http://hl7.org/fhir/StructureDefinition/heartrate']);
  t.same(hr.valueQuantity, { value: 88, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' });
  t.equal(hr.effectiveDateTime, new Date(T0).toISOString());

  const bp = byMdc(bundle, '150020')!;
  t.ok(bp, 'NIBP as one compound Observation');
  t.same(bp.meta?.profile, ['http://hl7.org/fhir/StructureDefinition/vitalsigns']);
  t.same(bp.code.coding?.[0]?.code, '85354-9', 'the LOINC panel of the bp profile');
  t.same(bp.component?.map((c) => [c.code.coding?.[0]?.code, c.valueQuantity?.value]), [['8480-6', 142], ['8462-4', 86], ['8478-0', 105]]);

  const etco2 = byMdc(bundle, '151708')!;
  t.notOk(etco2.category, 'EtCO2 is not a vital sign of the R4 profile: MDC only');
  t.same(etco2.code.coding?.map((c) => c.system), ['urn:iso:std:iso:11073:10101']);

  const device = resources(bundle).find((r) => r.resourceType === 'Device') as { identifier: { system?: string; value?: string }[]; serialNumber?: string };
  t.ok(device.identifier.some((i) => i.system === 'urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680' && i.value === '00-09-FB-FF-FF-A0-F4-CA'), 'EUI-64 identifier');
  t.equal(device.serialNumber, '0009FBFFFFA0F4CA');

  // Every reference points at an entry of the same Bundle.
  const urls = new Set((bundle.entry ?? []).map((e) => e.fullUrl));
  const refs = JSON.stringify(bundle).match(/"reference":"([^"]+)"/g) ?? [];
  t.ok(refs.length > 10);
  for (const r of refs) t.ok(urls.has(r.slice(13, -1)), `${r} resolves in the Bundle`);
  // Conditional writes on the stable identifier.
  for (const e of bundle.entry as BundleEntry[]) {
    const id = (e.resource as { identifier?: { value?: string }[] | { value?: string } }).identifier;
    const value = Array.isArray(id) ? id[0]?.value : id?.value;
    t.equal(value, e.fullUrl, 'identifier value = fullUrl (urn:uuid)');
    if (e.request?.method === 'POST') t.equal(e.request.ifNoneExist, `identifier=urn:ietf:rfc:3986|${e.fullUrl}`);
    else t.equal(e.request?.url, `${e.resource!.resourceType}?identifier=urn:ietf:rfc:3986|${e.fullUrl}`);
  }
  t.ok(observations(bundle).every((o) => (bundle.entry ?? []).find((e) => e.resource === o || e.fullUrl === (o.identifier?.[0]?.value ?? ''))?.request?.method === 'POST'), 'Observations are conditional creates');
});

t.test('the same records build the same Bundle: a rebuild or resend names the same resources', async (t) => {
  const run = async () => {
    const b = builder();
    for (const r of monitorCycle(T0)) void b.onRecord(r, T0);
    return b.tick(T0 + 6000);
  };
  const [a] = await run();
  const [b] = await run();
  t.equal(a!.id, b!.id);
  t.same(bundleOf(a!).entry?.map((e) => e.fullUrl), bundleOf(b!).entry?.map((e) => e.fullUrl));
});

t.test('waveform blocks become one sampled-data segment; ventilator settings and labs', async (t) => {
  const b = builder();
  for (let i = 0; i < 4; i++) void b.onRecord(ecgBlock(T0 + i * 500), T0 + i * 500);
  for (const r of ventilatorCycle(T0)) void b.onRecord(r, T0);
  for (const r of bloodGas(T0)) void b.onRecord(r, T0);
  t.same(await b.tick(T0 + 4000), [], 'cycles last cycleMs');
  const out = await b.tick(T0 + 5000);
  t.equal(out.length, 3, 'one Bundle per device');
  for (const m of out) t.same(validateFhirBundle(bundleOf(m)).errors, []);
  const [mon, vent, bga] = out.map(bundleOf);
  const ecg = observations(mon!);
  t.equal(ecg.length, 1, 'four contiguous blocks, one segment');
  const sd = ecg[0]!.valueSampledData!;
  t.equal(sd.period, 4, '250 Hz → 4 ms');
  t.equal(sd.factor, 0.005);
  t.equal(sd.origin.value, 0);
  t.equal(sd.origin.code, 'mV');
  t.equal(sd.dimensions, 1);
  t.equal(sd.data!.split(' ').length, 500);
  t.same(ecg[0]!.effectivePeriod, { start: new Date(T0).toISOString(), end: new Date(T0 + 2000).toISOString() });

  const metrics = resources(vent!).filter((r) => r.resourceType === 'DeviceMetric') as { category: string }[];
  t.same(metrics.map((m) => m.category).sort(), ['measurement', 'setting', 'setting', 'setting', 'setting']);
  const ventDevice = resources(vent!).find((r) => r.resourceType === 'Device') as { type?: { coding?: { code?: string }[] } };
  t.equal(ventDevice.type?.coding?.[0]?.code, '70001', 'ventilator MDS type');

  const labs = observations(bga!);
  t.equal(labs.length, 3);
  const ph = labs.find((o) => o.code.coding?.[0]?.code === '2744-1')!;
  t.same(ph.category?.[0]?.coding?.[0]?.code, 'laboratory');
  t.same(ph.code.coding?.[0]?.system, 'http://loinc.org');
  t.same(ph.interpretation?.[0]?.coding?.[0]?.code, 'L');
  t.same(ph.valueQuantity?.code, '[pH]');
});

t.test('an invalid resource is caught by the validator, reported, and not sent', async (t) => {
  const problems: FhirProblem[] = [];
  const b = builder(problems);
  // An analyser comment with a control character (a stray STX from the serial line): not a FHIR string.
  const [ph, pco2] = bloodGas(T0);
  void b.onRecord({ ...ph!, notes: ['sample \u0002 haemolysed'] }, T0);
  void b.onRecord(pco2!, T0);
  const out = await b.tick(T0 + 5000);
  t.equal(problems.length, 1, 'one problem reported');
  t.match(problems[0]!.errors.join('\n'), /Observation\.note.*text/, 'names the element');
  t.equal(problems[0]!.device, 'bga');
  t.equal(out.length, 1, 'the rest of the cycle still goes');
  const obs = observations(bundleOf(out[0]!));
  t.same(obs.map((o) => o.code.coding?.[0]?.code), ['2019-8'], 'only the valid pCO2');

  // A Device the base definition refuses (its serial carries a control character): the whole cycle is held back,
  // since every Observation of it would point at that Device.
  const held: FhirProblem[] = [];
  const b2 = builder(held);
  const spo2 = numeric('mon', 'ge-s5', T0, 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 97);
  void b2.onRecord({ ...spo2, source: { serial: 'SN\u0007042' } }, T0);
  t.same(await b2.tick(T0 + 5000), [], 'nothing queued');
  t.equal(held.length, 1);
  t.equal(held[0]!.what, 'Device');
  t.match(held[0]!.errors.join(' '), /Device\.serialNumber/);

  // A value the record schema lets through but FHIR does not (hour 25): that Observation alone is refused.
  const late: FhirProblem[] = [];
  const b3 = builder(late);
  void b3.onRecord({ ...spo2, observedAt: '2026-11-25T25:00:00.000Z' }, T0);
  t.same(await b3.tick(T0 + 5000), []);
  t.match(late.map((p) => p.errors.join(' ')).join(' '), /effective/);
});

t.test('records outside an encounter and QC results are not handed over', async (t) => {
  const b = builder();
  const { encounter: _drop, ...noEncounter } = numeric('mon', 'ge-s5', T0, 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 80);
  t.same(b.onRecord(noEncounter, T0), [], 'nothing promised');
  t.same(b.onRecord({ ...bloodGas(T0)[0]!, qc: true }, T0), []);
  t.same(await b.tick(T0 + 10000), []);
});

t.test('validation off the caller: steps in turn, whatever the validator’s pace; one that cannot validate is reported', async (t) => {
  // A validator slow on its first request and quick after: without the steps in turn, the second device's Bundle
  // would come out first and the document could miss the cycles flushed before it.
  let calls = 0;
  const slowFirst = {
    validate: async (items: Parameters<typeof inProcessValidator.validate>[0]) => {
      const wait = calls++ === 0 ? 200 : 0;
      await new Promise((r) => setTimeout(r, wait));
      return inProcessValidator.validate(items);
    },
  };
  const problems: FhirProblem[] = [];
  const b = new FhirBuilder(OPTIONS, { vehicle: VEHICLE, encounter: () => ENCOUNTER, onInvalid: (p) => problems.push(p), validator: slowFirst });
  for (const r of monitorCycle(T0)) void b.onRecord(r, T0);
  for (const r of bloodGas(T0)) void b.onRecord(r, T0);
  const cycles = b.tick(T0 + 5000);
  const atArrival = b.onRecord(event('encounter.closed', T0 + 6000, { encounter: ENCOUNTER.id }), T0 + 6000);
  t.ok(cycles instanceof Promise && atArrival instanceof Promise, 'promised, not built on the caller’s turn');
  const [mon, bga, ...more] = (await cycles).map(bundleOf);
  t.same(more, [], 'one Bundle per device');
  t.ok(byMdc(mon!, '147842'), 'the monitor’s first, as its cycle began first (its validation the slow one)');
  t.ok(observations(bga!).some((o) => o.code.coding?.[0]?.code === '2744-1'), 'then the analyser’s');
  const doc = (await atArrival).find((m) => m.type === 'document');
  t.ok(doc, 'the document');
  const docText = JSON.stringify(bundleOf(doc!));
  t.match(docText, /8867-4/, 'with the heart rate of the monitor cycle flushed before it (the slow validation)');
  t.match(docText, /2744-1/, 'and the lab results');
  t.same(problems, []);

  // A validator that cannot answer (its thread ended twice on the request): nothing queued, the reason reported, and
  // the builder goes on with the next cycle.
  let fail = true;
  const flaky = {
    validate: async (items: Parameters<typeof inProcessValidator.validate>[0]) => {
      if (fail) throw new Error('the FHIR validator thread ended (exit code 1)');
      return inProcessValidator.validate(items);
    },
  };
  const lost: FhirProblem[] = [];
  const c = new FhirBuilder(OPTIONS, { vehicle: VEHICLE, encounter: () => ENCOUNTER, onInvalid: (p) => lost.push(p), validator: flaky });
  for (const r of monitorCycle(T0)) void c.onRecord(r, T0);
  t.same(await c.tick(T0 + 5000), [], 'nothing queued');
  t.match(lost, [{ what: 'messages not validated', device: 'mon', encounter: ENCOUNTER.id, errors: [/validator thread ended/] }]);
  fail = false;
  for (const r of monitorCycle(T0 + 5000)) void c.onRecord(r, T0 + 5000);
  t.equal((await c.tick(T0 + 10000)).length, 1, 'the next cycle goes');
});
