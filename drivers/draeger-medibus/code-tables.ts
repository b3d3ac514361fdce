// MEDIBUS data codes as data: what each code of a code page means, mapped to an IEEE 11073 (MDC) term and a UCUM
// unit. Values are published in the device's own units (mbar is published as hPa, the same unit), never converted.
// Codes not listed here are skipped. Sources: RS 232 MEDIBUS rev 4.03 and the Evita 4/XL and Savina code tables
// (see the shared protocol reference, §1.6–1.7); code page 2 codes as used by VSCaptureDrgVent.
import { mdcTerm, mdcUnit, ucumUnit, type MdcTerm, type Unit } from '../../src/schema/index.js';
import { CMD } from './protocol.js';

export interface CodeEntry {
  readonly label: string;
  readonly metric: MdcTerm;
  readonly unit: Unit;
}

type UnitSpec = { mdc: string } | { ucum: string };
type Row = readonly [code: number, label: string, metric: string, unit: UnitSpec];

const hPa: UnitSpec = { mdc: 'MDC_DIM_HECTO_PA' };
const mL: UnitSpec = { mdc: 'MDC_DIM_MILLI_L' };
const L: UnitSpec = { mdc: 'MDC_DIM_X_L' };
const lpm: UnitSpec = { mdc: 'MDC_DIM_L_PER_MIN' };
const rpm: UnitSpec = { mdc: 'MDC_DIM_RESP_PER_MIN' };
const pct: UnitSpec = { mdc: 'MDC_DIM_PERCENT' };
const s: UnitSpec = { mdc: 'MDC_DIM_SEC' };

/** Measured data, code page 1 (ESC $). */
const CP1: readonly Row[] = [
  [0x7d, 'PIP', 'MDC_PRESS_AWAY_INSP_MAX', hPa],
  [0x74, 'Pplat', 'MDC_PRESS_RESP_PLAT', hPa],
  [0x73, 'Pmean', 'MDC_PRESS_AWAY_INSP_MEAN', hPa],
  [0x71, 'Pmin', 'MDC_PRESS_AWAY_MIN', hPa],
  [0x78, 'PEEP', 'MDC_VENT_PRESS_AWAY_END_EXP_POS', hPa],
  [0x79, 'PEEPi', 'MDC_PRESS_AWAY_END_EXP_POS_INTRINSIC', hPa],
  [0x88, 'VTe', 'MDC_VOL_AWAY_TIDAL', mL],
  [0x82, 'VTe', 'MDC_VOL_AWAY_TIDAL', L],
  [0xb9, 'MV', 'MDC_VOL_MINUTE_AWAY', lpm],
  [0xb8, 'MV', 'MDC_VOL_MINUTE_AWAY', lpm],
  [0xd6, 'RR', 'MDC_VENT_RESP_RATE', rpm],
  [0xb5, 'RRspon', 'MDC_VENT_RESP_BTSD_P_RATE', rpm],
  [0xf0, 'FiO2', 'MDC_CONC_AWAY_O2_INSP', pct],
  [0xe6, 'etCO2', 'MDC_CONC_AWAY_CO2_ET', { mdc: 'MDC_DIM_MMHG' }],
  [0xe3, 'etCO2', 'MDC_CONC_AWAY_CO2_ET', { mdc: 'MDC_DIM_KILO_PASCAL' }],
  [0xdb, 'etCO2', 'MDC_CONC_AWAY_CO2_ET', pct],
  [0x07, 'Compliance', 'MDC_COMPL_LUNG', { ucum: 'L/bar' }],
  [0x08, 'Resistance', 'MDC_RES_AWAY', { ucum: 'hPa.s/L' }],
  [0xeb, 'SpO2', 'MDC_PULS_OXIM_SAT_O2', pct],
  [0xe1, 'Pulse', 'MDC_PULS_OXIM_PULS_RATE', { mdc: 'MDC_DIM_BEAT_PER_MIN' }],
];

/** Measured data, code page 2 (ESC +). */
const CP2: readonly Row[] = [
  [0x21, 'VTe', 'MDC_VOL_AWAY_TIDAL_EXP', mL],
  [0x22, 'VTi', 'MDC_VOL_AWAY_TIDAL_INSP', mL],
  [0x23, 'Pendinsp', 'MDC_PRESS_AWAY_INSP_END', hPa],
  [0x06, 'Elastance', 'MDC_ELASTANCE_LUNG_DYNAMIC', { ucum: 'hPa/L' }],
];

/** Device settings (ESC )). */
const SETTINGS: readonly Row[] = [
  [0x01, 'FiO2', 'MDC_CONC_AWAY_O2_INSP', pct],
  [0x40, 'VT', 'MDC_VENT_VOL_TIDAL', mL],
  [0x04, 'VT', 'MDC_VENT_VOL_TIDAL', L],
  [0x05, 'Ti', 'MDC_VENT_TIME_PD_INSP', s],
  [0x09, 'RR', 'MDC_VENT_RESP_RATE', rpm],
  [0x0b, 'PEEP', 'MDC_VENT_PRESS_AWAY_END_EXP_POS', hPa],
  [0x12, 'Psupp', 'MDC_VENT_PRESS_AWAY_DELTA', hPa],
  [0x45, 'Pinsp', 'MDC_VENT_PRESS_AWAY_MAX', hPa],
];

/** I:E is sent as two codes, the I part and the E part; published as one ratio I/E. */
export const IE_PARTS = new Map<number, readonly [i: number, e: number]>([
  [CMD.measuredCp1, [0xe7, 0xe8]],
  [CMD.settings, [0x07, 0x08]],
]);

/** Text message codes that report the ventilation mode (the text itself reads e.g. "Mode IPPV"). */
export const MODE_MESSAGES = new Map<number, string>([
  [0x01, 'IPPV'],
  [0x06, 'SIMV'],
  [0x07, 'SIMV/ASB'],
  [0x0a, 'CPAP'],
  [0x0e, 'BIPAP'],
  [0x1e, 'Standby'],
]);

export type CurveName = 'airway-pressure' | 'flow' | 'volume' | 'co2';
export const CURVE_NAMES: readonly CurveName[] = ['airway-pressure', 'flow', 'volume', 'co2'];

/** Realtime curve codes (ESC S / ESC T). */
const CURVES: ReadonlyArray<readonly [code: number, name: CurveName, label: string, metric: string, unit: UnitSpec]> = [
  [0x00, 'airway-pressure', 'Paw', 'MDC_PRESS_AWAY', hPa],
  [0x01, 'flow', 'Flow', 'MDC_FLOW_AWAY', lpm],
  [0x03, 'volume', 'Volume', 'MDC_VOL_AWAY', mL],
  [0x06, 'co2', 'CO2', 'MDC_AWAY_CO2', { mdc: 'MDC_DIM_MMHG' }],
];

function unitOf(spec: UnitSpec): Unit {
  return 'mdc' in spec ? mdcUnit(spec.mdc) : ucumUnit(spec.ucum);
}

function table(rows: readonly Row[]): ReadonlyMap<number, CodeEntry> {
  return new Map(rows.map(([code, label, metric, unit]) => [code, { label, metric: mdcTerm(metric), unit: unitOf(unit) }]));
}

/** Data code → meaning, per response type. Resolved at load, so an unknown MDC reference fails at start-up. */
export const CODE_PAGES = new Map<number, ReadonlyMap<number, CodeEntry>>([
  [CMD.measuredCp1, table(CP1)],
  [CMD.measuredCp2, table(CP2)],
  [CMD.settings, table(SETTINGS)],
]);

export const IE_RATIO: CodeEntry = { label: 'I:E', metric: mdcTerm('MDC_RATIO_IE'), unit: mdcUnit('MDC_DIM_DIMLESS') };
export const VENT_MODE = mdcTerm('MDC_VENT_MODE');

export interface CurveEntry extends CodeEntry {
  readonly code: number;
  readonly name: CurveName;
}

export const CURVE_BY_NAME = new Map<CurveName, CurveEntry>(
  CURVES.map(([code, name, label, metric, unit]) => [name, { code, name, label, metric: mdcTerm(metric), unit: unitOf(unit) }]),
);
