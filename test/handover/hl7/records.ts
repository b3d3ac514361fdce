// Canonical records as the drivers make them (a monitor over HL7 with an EUI-64, a ventilator over MEDIBUS with a
// plain serial, a blood-gas analyser), for the HL7 builder's tests. Codes come from the project's code tables, and
// every record is checked against the canonical schema by the tests that use them.
import { loincTest, mdcTerm, mdcUnit, SCHEMA_VERSION, type AlarmRecord, type LabRecord, type NumericRecord } from '../../../src/schema/index.js';
import type { Hl7BuilderOptions, HandoverEncounter } from '../../../src/handover/hl7/index.js';

export const T0 = Date.UTC(2026, 10, 25, 10, 0, 0);
export const iso = (ms: number): string => new Date(ms).toISOString();
export const ENCOUNTER = 'ENC-20261125-095500-a1b2c3';

export const MONITOR = { manufacturer: 'Philips', model: 'MX450', serial: '00095CFFFE4A21B7', protocol: 'hl7-pcd01' };
export const VENTILATOR = { manufacturer: 'Draeger', model: 'Oxylog3000plus', serial: 'ARZK-0142', protocol: 'medibus' };

export function numeric(
  device: string,
  ref: string,
  unitRef: string,
  value: number | null,
  atMs: number,
  extra: Partial<NumericRecord> = {},
): NumericRecord {
  return {
    kind: 'numeric',
    schema: SCHEMA_VERSION,
    vehicle: 'AMB-07',
    device,
    driver: device === 'mon' ? 'hl7-pcd01' : 'draeger-medibus',
    observedAt: iso(atMs),
    receivedAt: iso(atMs + 40),
    mono: 1000 + atMs - T0,
    encounter: ENCOUNTER,
    source: device === 'mon' ? MONITOR : VENTILATOR,
    metric: mdcTerm(ref),
    value,
    unit: mdcUnit(unitRef),
    validity: value === null ? 'invalid' : 'valid',
    ...extra,
  };
}

/** One monitor report: HR, SpO2 and a NIBP triple, all observed at `atMs`. */
export function monitorCycle(atMs: number, hr = 112): NumericRecord[] {
  return [
    numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', hr, atMs),
    numeric('mon', 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 91, atMs),
    numeric('mon', 'MDC_PRESS_BLD_NONINV_SYS', 'MDC_DIM_MMHG', 98, atMs),
    numeric('mon', 'MDC_PRESS_BLD_NONINV_DIA', 'MDC_DIM_MMHG', 61, atMs),
    numeric('mon', 'MDC_PRESS_BLD_NONINV_MEAN', 'MDC_DIM_MMHG', 73, atMs),
  ];
}

/** A ventilator poll: PEEP and FiO2, read a few hundred ms apart as MEDIBUS does. */
export function ventilatorCycle(atMs: number): NumericRecord[] {
  return [
    numeric('vent', 'MDC_VENT_PRESS_AWAY_END_EXP_POS', 'MDC_DIM_CM_H2O', 8, atMs),
    numeric('vent', 'MDC_CONC_AWAY_O2_INSP', 'MDC_DIM_PERCENT', 60, atMs + 300),
  ];
}

export function alarm(state: AlarmRecord['state'], atMs: number, extra: Partial<AlarmRecord> = {}): AlarmRecord {
  return {
    kind: 'alarm',
    schema: SCHEMA_VERSION,
    vehicle: 'AMB-07',
    device: 'mon',
    driver: 'hl7-pcd01',
    observedAt: iso(atMs),
    receivedAt: iso(atMs + 40),
    mono: 1000 + atMs - T0,
    encounter: ENCOUNTER,
    source: MONITOR,
    alarmId: 'SpO2-LOW',
    code: mdcTerm('MDC_EVT_LO_VAL_LT_LIM'),
    text: 'SpO2 LOW',
    priority: 'medium',
    category: 'physiological',
    state,
    about: mdcTerm('MDC_PULS_OXIM_SAT_O2'),
    ...extra,
  };
}

export function lab(loinc: string, value: number | null, ucum: string | undefined, atMs: number, extra: Partial<LabRecord> = {}): LabRecord {
  return {
    kind: 'lab',
    schema: SCHEMA_VERSION,
    vehicle: 'AMB-07',
    device: 'bga',
    driver: 'poct1a',
    observedAt: iso(atMs),
    receivedAt: iso(atMs + 500),
    mono: 1000 + atMs - T0,
    encounter: ENCOUNTER,
    source: { manufacturer: 'Abbott', model: 'i-STAT 1', serial: '375112' },
    test: loincTest(loinc),
    value,
    ...(ucum ? { unit: { ucum } } : {}),
    flags: [],
    status: 'final',
    // As drivers/lab makes them: a result with neither number nor text is unavailable.
    validity: value === null && extra.text === undefined ? 'unavailable' : 'valid',
    specimen: { id: 'S-0042', type: 'arterial blood' },
    operator: 'crew-2',
    instrument: '375112',
    collectedAt: iso(atMs - 120_000),
    qc: false,
    ...extra,
  };
}

export const PATIENT: HandoverEncounter = { id: ENCOUNTER, patientId: 'EMS-2026-118734', name: { family: 'Doe', given: 'Jane' }, sex: 'female' };

export function options(overrides: Partial<Hl7BuilderOptions> = {}): Hl7BuilderOptions {
  return {
    sendingApplication: 'AMBULINK',
    sendingFacility: 'RESCUE-NORTH',
    receivingApplication: 'MIRTH',
    receivingFacility: 'ST-MARY-ED',
    vehicle: 'AMB-07',
    encounter: () => PATIENT,
    processingId: 'P',
    ...overrides,
  };
}
