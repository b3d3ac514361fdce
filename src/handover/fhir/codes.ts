// The code systems a FHIR handover uses, and the one table this folder adds: which MDC terms are vital signs, with the
// LOINC code the base R4 vital-signs profiles require. MDC terms and units themselves come from src/schema/codes.
import type { MdcTerm } from '../../schema/index.js';

export const SYSTEM = {
  mdc: 'urn:iso:std:iso:11073:10101',
  loinc: 'http://loinc.org',
  ucum: 'http://unitsofmeasure.org',
  /** RFC 3986 URIs as identifiers: the value is a urn:uuid. */
  uri: 'urn:ietf:rfc:3986',
  /** IEEE EUI-64 (as PoCD and PHD identify a device's system id). */
  eui64: 'urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  interpretation: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation',
  dataAbsentReason: 'http://terminology.hl7.org/CodeSystem/data-absent-reason',
  identifierType: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  continuaDeviceIdentifiers: 'http://hl7.org/fhir/uv/phd/CodeSystem/ContinuaDeviceIdentifiers',
} as const;

/** Base R4 profiles (hl7.org/fhir/R4/observation-vitalsigns.html) an Observation can declare and be checked against. */
export const PROFILE = {
  vitalsigns: 'http://hl7.org/fhir/StructureDefinition/vitalsigns',
  heartrate: 'http://hl7.org/fhir/StructureDefinition/heartrate',
  resprate: 'http://hl7.org/fhir/StructureDefinition/resprate',
  oxygensat: 'http://hl7.org/fhir/StructureDefinition/oxygensat',
  bodytemp: 'http://hl7.org/fhir/StructureDefinition/bodytemp',
} as const;
export type ProfileUrl = (typeof PROFILE)[keyof typeof PROFILE];

export interface LoincCode {
  readonly code: string;
  readonly display: string;
}

export interface VitalSign {
  /** The LOINC codes the profile's code slice asks for (SpO2 carries the pulse-oximetry code as well). */
  readonly loinc: readonly LoincCode[];
  readonly profile: ProfileUrl;
}

const HEART_RATE: VitalSign = { loinc: [{ code: '8867-4', display: 'Heart rate' }], profile: PROFILE.heartrate };
const RESP_RATE: VitalSign = { loinc: [{ code: '9279-1', display: 'Respiratory rate' }], profile: PROFILE.resprate };
const SPO2: VitalSign = {
  loinc: [
    { code: '2708-6', display: 'Oxygen saturation in Arterial blood' },
    { code: '59408-5', display: 'Oxygen saturation in Arterial blood by Pulse oximetry' },
  ],
  profile: PROFILE.oxygensat,
};
const BODY_TEMP: VitalSign = { loinc: [{ code: '8310-5', display: 'Body temperature' }], profile: PROFILE.bodytemp };

/**
 * MDC term → vital sign. Skin temperature is not body temperature and a ventilator's set or delivered rate is not the
 * patient's respiratory rate, so neither is here: they go as MDC-coded device observations only.
 */
const VITALS = new Map<string, VitalSign>([
  ['MDC_ECG_HEART_RATE', HEART_RATE],
  ['MDC_PULS_OXIM_PULS_RATE', HEART_RATE],
  ['MDC_PULS_RATE', HEART_RATE],
  ['MDC_PLETH_PULS_RATE', HEART_RATE],
  ['MDC_PULS_RATE_NON_INV', HEART_RATE],
  ['MDC_BLD_PULS_RATE_INV', HEART_RATE],
  ['MDC_RESP_RATE', RESP_RATE],
  ['MDC_AWAY_RESP_RATE', RESP_RATE],
  ['MDC_CO2_RESP_RATE', RESP_RATE],
  ['MDC_PULS_OXIM_SAT_O2', SPO2],
  ['MDC_TEMP', BODY_TEMP],
  ['MDC_TEMP_CORE', BODY_TEMP],
  ['MDC_TEMP_ESOPH', BODY_TEMP],
  ['MDC_TEMP_TYMP', BODY_TEMP],
]);

export function vitalSignOf(metric: MdcTerm): VitalSign | undefined {
  return VITALS.get(metric.ref);
}

/** A blood pressure family: the compound MDC term (PoCD's compound numeric) and its members. */
export interface PressureFamily {
  readonly compound: string;
  readonly sys: string;
  readonly dia: string;
  readonly mean: string;
}

export const PRESSURE_FAMILIES: readonly PressureFamily[] = [
  { compound: 'MDC_PRESS_BLD_NONINV', sys: 'MDC_PRESS_BLD_NONINV_SYS', dia: 'MDC_PRESS_BLD_NONINV_DIA', mean: 'MDC_PRESS_BLD_NONINV_MEAN' },
  { compound: 'MDC_PRESS_BLD_ART_ABP', sys: 'MDC_PRESS_BLD_ART_ABP_SYS', dia: 'MDC_PRESS_BLD_ART_ABP_DIA', mean: 'MDC_PRESS_BLD_ART_ABP_MEAN' },
  { compound: 'MDC_PRESS_BLD_ART', sys: 'MDC_PRESS_BLD_ART_SYS', dia: 'MDC_PRESS_BLD_ART_DIA', mean: 'MDC_PRESS_BLD_ART_MEAN' },
];

/** The R4 bp profile: a panel with systolic and diastolic components (mean is an extra component, allowed). */
export const BP_LOINC = {
  panel: { code: '85354-9', display: 'Blood pressure panel with all children optional' },
  sys: { code: '8480-6', display: 'Systolic blood pressure' },
  dia: { code: '8462-4', display: 'Diastolic blood pressure' },
  mean: { code: '8478-0', display: 'Mean blood pressure' },
} as const;

/** The pressure family a member term belongs to, and which member it is. */
export function pressureMemberOf(metric: MdcTerm): { family: PressureFamily; role: 'sys' | 'dia' | 'mean' } | undefined {
  for (const family of PRESSURE_FAMILIES) {
    if (metric.ref === family.sys) return { family, role: 'sys' };
    if (metric.ref === family.dia) return { family, role: 'dia' };
    if (metric.ref === family.mean) return { family, role: 'mean' };
  }
  return undefined;
}

/** MDS device types (IEEE 11073-10101 partition 1), as the PoCD IG's examples code a monitor and a ventilator. */
export const DEVICE_TYPE = {
  monitor: { code: '69965', display: 'MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS' },
  ventilator: { code: '70001', display: 'MDC_DEV_SYS_PT_VENT_MDS' },
} as const;

export type DeviceRole = 'monitor' | 'ventilator' | 'analyser' | 'other';

/** What kind of device a driver talks to: it decides the Device's type and which section of the handover it joins. */
export function deviceRoleOf(driver: string): DeviceRole {
  switch (driver) {
    case 'ge-s5':
    case 'philips-intellivue':
    case 'hl7-pcd01':
      return 'monitor';
    case 'draeger-medibus':
    case 'modbus-ventilator':
      return 'ventilator';
    case 'astm':
    case 'poct1a':
      return 'analyser';
    default:
      return 'other';
  }
}
