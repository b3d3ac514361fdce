// One canonical record (or the encounter) → one FHIR R4 resource, in the shapes of the HL7 Point-of-Care Device IG:
// a Device per bedside device, a DeviceMetric per metric, an Observation per value with the MDC code (and the LOINC
// code and profile of the base vital-signs profiles for vital signs), sampled data for waveform segments, and the
// Patient and Encounter of the open encounter. Each resource carries its stable identifier (ids.ts).
import type {
  CodeableConcept,
  Coding,
  Device,
  DeviceMetric,
  Encounter as FhirEncounter,
  Identifier,
  Observation,
  ObservationComponent,
  Patient,
  Quantity,
  Reference,
  Resource,
} from 'fhir/r4.js';
import type { Encounter } from '../../encounter/encounter.js';
import type {
  DeviceIdentity,
  LabRecord,
  MdcTerm,
  NumericRecord,
  SettingRecord,
  Unit,
  Validity,
  WaveformRecord,
} from '../../schema/index.js';
import { BP_LOINC, DEVICE_TYPE, PROFILE, SYSTEM, vitalSignOf, type DeviceRole, type PressureFamily } from './codes.js';
import { eui64Of, stableId, type StableId } from './ids.js';

/** A resource with its identity and how a transaction writes it. */
export interface Prepared<R extends Resource = Resource> {
  readonly resource: R;
  readonly sid: StableId;
  /**
   * `create`: POST with ifNoneExist (Observations never change once made). `upsert`: PUT to a conditional URL, so the
   * Device gains its serial when the device tells it and the Encounter becomes finished; a resend is as harmless.
   */
  readonly write: 'create' | 'upsert';
}

export function ref(p: Prepared): Reference {
  return { reference: p.sid.urn };
}

function mdcCoding(term: MdcTerm): Coding {
  return { system: SYSTEM.mdc, code: String(term.code), display: term.ref };
}

function quantity(value: number, unit: Unit): Quantity {
  return { value, unit: unit.ucum, system: SYSTEM.ucum, code: unit.ucum };
}

function unitConcept(unit: Unit): CodeableConcept {
  return { coding: [{ system: SYSTEM.ucum, code: unit.ucum }] };
}

const VITAL_CATEGORY: CodeableConcept[] = [
  { coding: [{ system: SYSTEM.observationCategory, code: 'vital-signs', display: 'Vital Signs' }] },
];
const LAB_CATEGORY: CodeableConcept[] = [
  { coding: [{ system: SYSTEM.observationCategory, code: 'laboratory', display: 'Laboratory' }] },
];

/** The patient of an encounter: known only by the encounter (the vehicle has no hospital MRN), with the sex if given. */
export function patientResource(vehicle: string, encounter: Encounter | { id: string }): Prepared<Patient> {
  const sid = stableId(vehicle, 'patient', encounter.id);
  const sex = 'sex' in encounter ? encounter.sex : undefined;
  const resource: Patient = { resourceType: 'Patient', identifier: [sid.identifier], gender: sex ?? 'unknown' };
  return { resource, sid, write: 'upsert' };
}

/** The encounter: an emergency encounter in the ambulance, in progress until the crew closes it. */
export function encounterResource(
  vehicle: string,
  identifierSystem: string,
  encounter: { id: string; openedAt?: string },
  patient: Prepared<Patient>,
  closedAt?: string,
): Prepared<FhirEncounter> {
  const sid = stableId(vehicle, 'encounter', encounter.id);
  const own: Identifier = { system: `${identifierSystem}:encounter`, value: encounter.id };
  const period = {
    ...(encounter.openedAt ? { start: encounter.openedAt } : {}),
    ...(closedAt ? { end: closedAt } : {}),
  };
  const resource: FhirEncounter = {
    resourceType: 'Encounter',
    identifier: [sid.identifier, own],
    status: closedAt ? 'finished' : 'in-progress',
    class: { system: SYSTEM.actCode, code: 'EMER', display: 'emergency' },
    type: [{ text: `Emergency ambulance transport (vehicle ${vehicle})` }],
    subject: ref(patient),
    ...(Object.keys(period).length ? { period } : {}),
  };
  return { resource, sid, write: 'upsert' };
}

/** A bedside device (PoCD MDS): its serial, its EUI-64 when the serial is one, its model and type. */
export function deviceResource(
  vehicle: string,
  deviceId: string,
  role: DeviceRole,
  identity: DeviceIdentity | undefined,
  patient: Prepared<Patient> | undefined,
): Prepared<Device> {
  const sid = stableId(vehicle, 'device', deviceId);
  const identifier: Identifier[] = [sid.identifier];
  const eui = eui64Of(identity?.serial);
  if (eui) {
    identifier.push({
      type: { coding: [{ system: SYSTEM.continuaDeviceIdentifiers, code: 'SYSID' }] },
      system: SYSTEM.eui64,
      value: eui,
    });
  } else if (identity?.serial) {
    identifier.push({ type: { coding: [{ system: SYSTEM.identifierType, code: 'SNO' }] }, value: identity.serial });
  }
  const typeCode = role === 'monitor' || role === 'ventilator' ? DEVICE_TYPE[role] : undefined;
  const resource: Device = {
    resourceType: 'Device',
    identifier,
    status: 'active',
    ...(identity?.manufacturer ? { manufacturer: identity.manufacturer } : {}),
    ...(identity?.serial ? { serialNumber: identity.serial } : {}),
    deviceName: [
      { name: `${vehicle}/${deviceId}`, type: 'user-friendly-name' },
      ...(identity?.model ? [{ name: identity.model, type: 'model-name' as const }] : []),
    ],
    type: typeCode ? { coding: [{ system: SYSTEM.mdc, ...typeCode }], text: role } : { text: role },
    ...(identity?.firmware ? { version: [{ value: identity.firmware }] } : {}),
    ...(patient ? { patient: ref(patient) } : {}),
  };
  return { resource, sid, write: 'upsert' };
}

/** One metric of a device (PoCD DeviceMetric): what it measures or sets, in which unit. */
export function deviceMetricResource(
  vehicle: string,
  deviceId: string,
  metric: MdcTerm,
  unit: Unit | undefined,
  category: 'measurement' | 'setting',
  device: Prepared<Device>,
): Prepared<DeviceMetric> {
  const sid = stableId(vehicle, 'metric', deviceId, category, metric.ref);
  const resource: DeviceMetric = {
    resourceType: 'DeviceMetric',
    identifier: [sid.identifier],
    type: { coding: [mdcCoding(metric)] },
    ...(unit ? { unit: unitConcept(unit) } : {}),
    source: ref(device),
    operationalStatus: 'on',
    category,
  };
  return { resource, sid, write: 'upsert' };
}

/** What an Observation is about: its patient, encounter and the metric that measured it. */
export interface ObservationContext {
  readonly vehicle: string;
  readonly patient: Prepared<Patient>;
  readonly encounter: Prepared<FhirEncounter>;
}

/** A value the device could not give: dataAbsentReason instead of a number (obs-6 forbids both). */
function absentReason(validity: Validity): CodeableConcept {
  const code = validity === 'unavailable' ? 'unknown' : 'error';
  return { coding: [{ system: SYSTEM.dataAbsentReason, code }] };
}

/** Values the device marked as not fully trustworthy go as preliminary, with the device's word for it in a note. */
function statusOf(validity: Validity): { status: Observation['status']; note?: Observation['note'] } {
  if (validity === 'valid' || validity === 'invalid' || validity === 'unavailable') return { status: 'final' };
  return { status: 'preliminary', note: [{ text: `device validity: ${validity}` }] };
}

function subjectOf(ctx: ObservationContext): Pick<Observation, 'subject' | 'encounter'> {
  return { subject: ref(ctx.patient), encounter: ref(ctx.encounter) };
}

/** A numeric or a setting read back: MDC-coded; a vital sign also carries its LOINC code, category and profile. */
export function numericObservation(
  ctx: ObservationContext,
  record: NumericRecord | SettingRecord,
  metric: Prepared<DeviceMetric>,
): Prepared<Observation> {
  const sid = stableId(ctx.vehicle, 'obs', record.device, record.kind, record.metric.ref, record.observedAt);
  const vital = record.kind === 'numeric' ? vitalSignOf(record.metric) : undefined;
  const coding = [mdcCoding(record.metric), ...(vital?.loinc.map((l) => ({ system: SYSTEM.loinc, ...l })) ?? [])];
  const { status, note } = statusOf(record.validity);
  const value: Partial<Observation> =
    typeof record.value === 'number'
      ? record.unit
        ? { valueQuantity: quantity(record.value, record.unit) }
        : { valueQuantity: { value: record.value } }
      : typeof record.value === 'string'
        ? { valueString: record.value }
        : { dataAbsentReason: absentReason(record.validity) };
  const resource: Observation = {
    resourceType: 'Observation',
    ...(vital ? { meta: { profile: [vital.profile] } } : {}),
    identifier: [sid.identifier],
    status,
    ...(vital ? { category: VITAL_CATEGORY } : {}),
    code: { coding, ...(record.label ? { text: record.label } : {}) },
    ...subjectOf(ctx),
    effectiveDateTime: record.observedAt,
    ...value,
    device: ref(metric),
    ...(note ? { note } : {}),
  };
  return { resource, sid, write: 'create' };
}

/**
 * A blood pressure measurement (PoCD compound numeric): one Observation coded with the compound MDC term and the
 * LOINC panel, systolic, diastolic and mean as components, as the R4 bp profile shapes it. Built only when systolic
 * and diastolic are both numbers, as that profile requires. It declares the vitalsigns profile, not bp: @medplum/core
 * cannot evaluate bp's component slices (pattern discriminator on `code` with the pattern on code.coding) and rejects
 * even the profile's own example, and a profile the gateway cannot check is not one it claims.
 */
export function pressureObservation(
  ctx: ObservationContext,
  family: PressureFamily,
  members: { sys: NumericRecord; dia: NumericRecord; mean?: NumericRecord },
  compound: MdcTerm,
  metric: Prepared<DeviceMetric>,
): Prepared<Observation> {
  const { sys, dia, mean } = members;
  const sid = stableId(ctx.vehicle, 'obs', sys.device, 'numeric', family.compound, sys.observedAt);
  const component = (r: NumericRecord, loinc: { code: string; display: string }): ObservationComponent => ({
    code: { coding: [{ system: SYSTEM.loinc, ...loinc }, mdcCoding(r.metric)] },
    ...(typeof r.value === 'number' ? { valueQuantity: quantity(r.value, r.unit) } : { dataAbsentReason: absentReason(r.validity) }),
  });
  const worst = [sys, dia, mean].find((r) => r && r.validity !== 'valid')?.validity ?? 'valid';
  const { status, note } = statusOf(worst);
  const resource: Observation = {
    resourceType: 'Observation',
    meta: { profile: [PROFILE.vitalsigns] },
    identifier: [sid.identifier],
    status,
    category: VITAL_CATEGORY,
    code: { coding: [{ system: SYSTEM.loinc, ...BP_LOINC.panel }, mdcCoding(compound)] },
    ...subjectOf(ctx),
    effectiveDateTime: sys.observedAt,
    component: [component(sys, BP_LOINC.sys), component(dia, BP_LOINC.dia), ...(mean ? [component(mean, BP_LOINC.mean)] : [])],
    device: ref(metric),
    ...(note ? { note } : {}),
  };
  return { resource, sid, write: 'create' };
}

/** Formats a sample for SampledData.data (decimals separated by spaces; no exponent notation). */
function sampleText(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(12)));
}

/**
 * A waveform segment (PoCD sample array): the raw samples with the record's scale as origin and factor, so the
 * physical value of sample i is origin + factor × data[i], exactly as the record defines it; period in ms.
 */
export function waveformObservation(
  ctx: ObservationContext,
  segment: { first: WaveformRecord; samples: readonly number[] },
  metric: Prepared<DeviceMetric>,
): Prepared<Observation> {
  const { first, samples } = segment;
  const sid = stableId(ctx.vehicle, 'obs', first.device, 'waveform', first.metric.ref, first.observedAt);
  const { status, note } = statusOf(first.validity);
  const usable = first.validity !== 'invalid' && first.validity !== 'unavailable' && samples.length > 0;
  const endMs = Date.parse(first.observedAt) + (samples.length / first.rate) * 1000;
  const resource: Observation = {
    resourceType: 'Observation',
    identifier: [sid.identifier],
    status,
    code: { coding: [mdcCoding(first.metric)], ...(first.label ? { text: first.label } : {}) },
    ...subjectOf(ctx),
    effectivePeriod: { start: first.observedAt, end: new Date(Math.round(endMs)).toISOString() },
    ...(usable
      ? {
          valueSampledData: {
            origin: quantity(first.scale.offset, first.unit),
            period: Number((1000 / first.rate).toPrecision(12)),
            factor: first.scale.factor,
            dimensions: 1,
            data: samples.map(sampleText).join(' '),
          },
        }
      : { dataAbsentReason: absentReason(first.validity) }),
    device: ref(metric),
    ...(note ? { note } : {}),
  };
  return { resource, sid, write: 'create' };
}

const INTERPRETATIONS = new Set(['L', 'H', 'LL', 'HH', 'N', 'A', 'AA', '<', '>']);

/** A point-of-care lab result: LOINC-coded, category laboratory, with its range and the analyser's flags. */
export function labObservation(ctx: ObservationContext, record: LabRecord, device: Prepared<Device>): Prepared<Observation> {
  const sid = stableId(ctx.vehicle, 'obs', record.device, 'lab', record.test.loinc, record.specimen?.id ?? '', record.observedAt);
  const status: Observation['status'] =
    record.status === 'partial' ? 'preliminary' : record.status === 'cancelled' ? 'cancelled' : record.status;
  const value: Partial<Observation> =
    typeof record.value === 'number'
      ? { valueQuantity: record.unit ? quantity(record.value, record.unit) : { value: record.value } }
      : record.text !== undefined
        ? { valueString: record.text }
        : { dataAbsentReason: absentReason(record.validity) };
  const range = record.referenceRange;
  const flags = record.flags.filter((f) => INTERPRETATIONS.has(f));
  const notes = [...(record.notes ?? []), ...(record.validity !== 'valid' ? [`device validity: ${record.validity}`] : [])];
  const resource: Observation = {
    resourceType: 'Observation',
    identifier: [sid.identifier],
    status,
    category: LAB_CATEGORY,
    code: { coding: [{ system: SYSTEM.loinc, code: record.test.loinc, display: record.test.name }] },
    ...subjectOf(ctx),
    effectiveDateTime: record.collectedAt ?? record.observedAt,
    issued: record.observedAt,
    ...value,
    ...(flags.length
      ? { interpretation: flags.map((f) => ({ coding: [{ system: SYSTEM.interpretation, code: f }] })) }
      : {}),
    ...(range
      ? {
          referenceRange: [
            {
              ...(range.low !== undefined ? { low: record.unit ? quantity(range.low, record.unit) : { value: range.low } } : {}),
              ...(range.high !== undefined ? { high: record.unit ? quantity(range.high, record.unit) : { value: range.high } } : {}),
              text: range.text,
            },
          ],
        }
      : {}),
    device: ref(device),
    ...(notes.length ? { note: notes.map((text) => ({ text })) } : {}),
  };
  return { resource, sid, write: 'create' };
}
