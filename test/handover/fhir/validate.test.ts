// The validator is @medplum/core's, on the base R4 definitions: it refuses what R4 refuses (missing required
// elements, wrong JSON types, unknown elements, broken invariants, a profile's required slices) and passes R4's own
// shapes. These cases prove the check is real, not a stub that says yes.
import type { Bundle, Observation } from 'fhir/r4.js';
import t from 'tap';
import { validateFhirBundle, validateFhirResource } from '../../../src/handover/fhir/validate.js';

const good: Observation = {
  resourceType: 'Observation',
  meta: { profile: ['http://hl7.org/fhir/StructureDefinition/heartrate'] },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2026-11-25T10:00:00.000Z',
  valueQuantity: { value: 80, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
};

t.test('a valid heart rate passes its base definition and the heartrate profile', async (t) => {
  const v = validateFhirResource(good);
  t.same(v.errors, []);
  t.ok(v.ok);
});

t.test('what R4 refuses, the validator refuses', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing code (1..1)', { ...good, meta: undefined, code: undefined }, /Observation\.code.*Missing required/],
    ['a string where a number goes', { ...good, valueQuantity: { value: '80' } }, /Invalid JSON type/],
    ['an element R4 does not have', { ...good, heartRate: 80 }, /Invalid additional property "heartRate"/],
    ['obs-6: a value and a dataAbsentReason', { ...good, meta: undefined, dataAbsentReason: { text: 'x' } }, /obs-6/],
    ['a dateTime that is not one', { ...good, effectiveDateTime: '25/11/2026' }, /Invalid dateTime/],
    ['the profile wants the LOINC code', { ...good, code: { coding: [{ system: 'http://loinc.org', code: '9279-1' }] } }, /heartrate profile: .*HeartRateCode/],
    ['the profile wants a category', { ...good, category: undefined }, /heartrate profile: .*category/],
    ['an unknown profile is not silently skipped', { ...good, meta: { profile: ['http://example.org/x'] } }, /not one this validator has/],
  ];
  for (const [name, resource, expected] of cases) {
    const v = validateFhirResource(resource as Observation);
    t.notOk(v.ok, `${name}: refused`);
    t.match(v.errors.join('\n'), expected, `${name}: says why`);
  }
});

t.test('a Bundle: its invariants, and every resource in it', async (t) => {
  const entry = { fullUrl: 'urn:uuid:0b7c2a1e-8c1f-4a0e-9c53-1f0b4b1de001', resource: good, request: { method: 'POST' as const, url: 'Observation' } };
  t.same(validateFhirBundle({ resourceType: 'Bundle', type: 'transaction', entry: [entry] }).errors, []);
  const noRequest = validateFhirBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ fullUrl: entry.fullUrl, resource: good }] });
  t.match(noRequest.errors.join('\n'), /bdl-3/, 'a transaction entry needs its request');
  const nested = validateFhirBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ ...entry, resource: { ...good, status: undefined } as unknown as Observation }] } as Bundle);
  t.match(nested.errors.join('\n'), /Bundle\.entry\[0\]\.resource\.status/, 'a nested resource is checked in place');
  const profiled = validateFhirBundle({ resourceType: 'Bundle', type: 'transaction', entry: [{ ...entry, resource: { ...good, category: undefined } }] });
  t.match(profiled.errors.join('\n'), /Bundle\.entry\[0\] as heartrate profile/, 'and against the profile it declares');
});
