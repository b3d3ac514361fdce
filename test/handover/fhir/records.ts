// Canonical records of one short ambulance encounter, as the drivers emit them: a monitor (GE S/5: HR, SpO2, RR,
// NIBP, temperature, an ECG wave in blocks), a ventilator (MEDIBUS: settings and measurements) and a blood gas
// analyser (ASTM), all stamped with the open encounter. Values are plausible, not from a capture.
import type { Encounter } from '../../../src/encounter/encounter.js';
import {
  SCHEMA_VERSION,
  type AlarmRecord,
  type AlertRecord,
  type MilestoneRecord,
  type ScoreRecord,
  loincTest,
  mdcTerm,
  mdcUnit,
  type CanonicalRecord,
  type EventRecord,
  type LabRecord,
  type NumericRecord,
  type SettingRecord,
  type Validity,
  type WaveformRecord,
} from '../../../src/schema/index.js';

export const VEHICLE = 'amb-07';
export const T0 = Date.parse('2026-11-25T10:00:00.000Z');
export const ENCOUNTER: Encounter = {
  id: 'ENC-20261125-095500-a1b2c3',
  openedAt: '2026-11-25T09:55:00.000Z',
  openedBy: 'crew:medic1',
  sex: 'male',
  heightCm: 178,
  ageBand: 'older-adult',
  weightKg: 82,
};

const iso = (ms: number): string => new Date(ms).toISOString();

function envelope(device: string, driver: string, atMs: number) {
  return {
    schema: SCHEMA_VERSION,
    vehicle: VEHICLE,
    device,
    driver,
    observedAt: iso(atMs),
    receivedAt: iso(atMs + 20),
    mono: atMs - T0 + 1000,
    encounter: ENCOUNTER.id,
  } as const;
}

export function numeric(device: string, driver: string, atMs: number, ref: string, unitRef: string, value: number | null, validity: Validity = 'valid'): NumericRecord {
  return { kind: 'numeric', ...envelope(device, driver, atMs), metric: mdcTerm(ref), value, unit: mdcUnit(unitRef), validity };
}

export function monitorCycle(atMs: number, hr = 88): CanonicalRecord[] {
  const m = (ref: string, unit: string, v: number): NumericRecord => ({
    ...numeric('mon', 'ge-s5', atMs, ref, unit, v),
    source: { manufacturer: 'GE', model: 'S/5', serial: '0009FBFFFFA0F4CA' },
  });
  return [
    m('MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', hr),
    m('MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 94),
    m('MDC_RESP_RATE', 'MDC_DIM_RESP_PER_MIN', 22),
    m('MDC_PRESS_BLD_NONINV_SYS', 'MDC_DIM_MMHG', 142),
    m('MDC_PRESS_BLD_NONINV_DIA', 'MDC_DIM_MMHG', 86),
    m('MDC_PRESS_BLD_NONINV_MEAN', 'MDC_DIM_MMHG', 105),
    m('MDC_TEMP', 'MDC_DIM_DEGC', 36.8),
    m('MDC_CONC_AWAY_CO2_ET', 'MDC_DIM_MMHG', 38),
  ];
}

export function ecgBlock(atMs: number, n = 125): WaveformRecord {
  return {
    kind: 'waveform',
    ...envelope('mon', 'ge-s5', atMs),
    metric: mdcTerm('MDC_ECG_ELEC_POTL_II'),
    unit: mdcUnit('MDC_DIM_MILLI_VOLT'),
    rate: 250,
    scale: { factor: 0.005, offset: 0 },
    samples: Array.from({ length: n }, (_, i) => Math.round(200 * Math.sin(i / 8))),
    validity: 'valid',
  };
}

export function ventilatorCycle(atMs: number): CanonicalRecord[] {
  const s = (ref: string, unit: string, v: number): SettingRecord => ({
    kind: 'setting',
    ...envelope('vent', 'draeger-medibus', atMs),
    metric: mdcTerm(ref),
    value: v,
    unit: mdcUnit(unit),
    validity: 'valid',
  });
  return [
    s('MDC_VENT_VOL_TIDAL', 'MDC_DIM_MILLI_L', 480),
    s('MDC_VENT_RESP_RATE', 'MDC_DIM_RESP_PER_MIN', 14),
    s('MDC_VENT_PRESS_AWAY_END_EXP_POS', 'MDC_DIM_CM_H2O', 6),
    s('MDC_CONC_AWAY_O2_INSP', 'MDC_DIM_PERCENT', 40),
    numeric('vent', 'draeger-medibus', atMs, 'MDC_PRESS_AWAY_INSP_MAX', 'MDC_DIM_CM_H2O', 21),
  ];
}

export function bloodGas(atMs: number): LabRecord[] {
  const lab = (code: string, value: number, ucum: string, flags: string[] = []): LabRecord => ({
    kind: 'lab',
    ...envelope('bga', 'astm', atMs),
    test: loincTest(code),
    value,
    unit: { ucum },
    flags,
    status: 'final',
    validity: 'valid',
    specimen: { id: 'S-1001', type: 'arterial' },
    qc: false,
  });
  return [lab('2744-1', 7.31, '[pH]', ['L']), lab('2019-8', 52, 'mm[Hg]', ['H']), lab('32693-4', 3.1, 'mmol/L', ['H'])];
}

export function event(event: string, atMs: number, detail: Record<string, unknown>, device = 'gateway'): EventRecord {
  return { kind: 'event', ...envelope(device, 'ambulink', atMs), event, detail };
}

export function milestone(name: MilestoneRecord['milestone'], atMs: number, extra: Partial<MilestoneRecord> = {}): MilestoneRecord {
  return { kind: 'milestone', ...envelope('gateway', 'timeline', atMs), milestone: name, at: iso(atMs), origin: 'crew', by: 'medic1', intervals: [], ...extra };
}

export function news2(atMs: number, value: number, band: 'low' | 'medium' | 'high'): ScoreRecord {
  return { kind: 'score', ...envelope('gateway', 'ews', atMs), score: 'news2', status: 'complete', value, band, components: [], missing: [], stale: [] };
}

export function news2Alert(atMs: number, from: 'low' | 'medium', to: 'medium' | 'high'): AlertRecord {
  return { kind: 'alert', ...envelope('gateway', 'ews', atMs), score: 'news2', from, to, value: 7, status: 'complete', priority: 'high', text: `NEWS2 rose from ${from} to ${to} (7)` };
}

export function alarm(atMs: number, alarmId: string, text: string, priority: AlarmRecord['priority'] = 'high'): AlarmRecord {
  return { kind: 'alarm', ...envelope('mon', 'ge-s5', atMs), alarmId, text, priority, category: 'physiological', state: 'active' };
}
