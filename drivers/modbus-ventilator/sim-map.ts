// The register map of the simulated Modbus ventilator: its "vendor documentation". The simulator lays out its
// registers from this map, and config/demo.yaml ships the same map (a test keeps the two equal). It uses every
// value type the map format is likely to meet in the field: floats in all four word orders, scaled 16-bit
// integers, a 32-bit integer, discrete inputs and bits of a status register.
import { Ajv } from 'ajv';
import { ModbusVentilatorOptions, type PointOptions } from './options.js';

/** A point as written in YAML: defaulted keys may be left out. */
type PointInput = Omit<Partial<PointOptions>, 'alarm'> &
  Pick<PointOptions, 'name' | 'area' | 'address'> & { alarm?: Partial<NonNullable<PointOptions['alarm']>> & { text: string } };
export interface MapInput {
  groups?: Array<{ name: string; intervalMs?: number; retries?: number }>;
  points: PointInput[];
  maxGapRegisters?: number;
  failAfterCycles?: number;
}

const cmH2O = { unit: 'cm[H2O]', mdcUnit: 'MDC_DIM_CM_H2O' };
const mL = { unit: 'mL', mdcUnit: 'MDC_DIM_MILLI_L' };
const perMin = { unit: '/min', mdcUnit: 'MDC_DIM_RESP_PER_MIN' };
const pct = { unit: '%', mdcUnit: 'MDC_DIM_PERCENT' };

/** Holding registers 0–5: the settings the gateway may write. Input registers 21–26: the settings as applied. */
const settings: Array<{ name: string; label: string; mdc: string; u: { unit: string; mdcUnit: string }; type: 'uint16' | 'int16'; scale: number; min: number; max: number; step: number }> = [
  { name: 'vt', label: 'VT', mdc: 'MDC_VENT_VOL_TIDAL', u: mL, type: 'uint16', scale: 1, min: 200, max: 800, step: 10 },
  { name: 'rr', label: 'RR', mdc: 'MDC_VENT_RESP_RATE', u: perMin, type: 'uint16', scale: 0.1, min: 6, max: 35, step: 1 },
  { name: 'peep', label: 'PEEP', mdc: 'MDC_VENT_PRESS_AWAY_END_EXP_POS', u: cmH2O, type: 'int16', scale: 0.1, min: 0, max: 20, step: 1 },
  { name: 'fio2', label: 'FiO2', mdc: 'MDC_CONC_AWAY_O2_INSP', u: pct, type: 'uint16', scale: 1, min: 21, max: 100, step: 1 },
  { name: 'pinsp', label: 'Pinsp', mdc: 'MDC_VENT_PRESS_AWAY_MAX', u: cmH2O, type: 'uint16', scale: 0.1, min: 5, max: 50, step: 1 },
  { name: 'ti', label: 'Ti', mdc: 'MDC_VENT_TIME_PD_INSP', u: { unit: 's', mdcUnit: 'MDC_DIM_SEC' }, type: 'uint16', scale: 0.01, min: 0.3, max: 3, step: 0.05 },
];

export const SIMULATED_VENTILATOR_MAP: MapInput = {
  groups: [
    { name: 'fast', intervalMs: 1000, retries: 1 },
    { name: 'settings', intervalMs: 2000, retries: 1 },
  ],
  points: [
    { name: 'ppeak', label: 'Ppeak', area: 'input', address: 0, type: 'float32', order: 'ABCD', mdc: 'MDC_PRESS_AWAY_INSP_MAX', ...cmH2O },
    { name: 'pplat', label: 'Pplat', area: 'input', address: 2, type: 'float32', order: 'ABCD', mdc: 'MDC_PRESS_RESP_PLAT', ...cmH2O },
    { name: 'pmean', label: 'Pmean', area: 'input', address: 4, type: 'float32', order: 'CDAB', mdc: 'MDC_PRESS_AWAY_INSP_MEAN', ...cmH2O },
    { name: 'peep-measured', label: 'PEEP', area: 'input', address: 6, type: 'float32', order: 'BADC', mdc: 'MDC_VENT_PRESS_AWAY_END_EXP_POS', ...cmH2O },
    { name: 'mv', label: 'MV', area: 'input', address: 8, type: 'float32', order: 'DCBA', mdc: 'MDC_VOL_MINUTE_AWAY', unit: 'L/min', mdcUnit: 'MDC_DIM_L_PER_MIN' },
    { name: 'vte', label: 'VTe', area: 'input', address: 10, type: 'uint16', mdc: 'MDC_VOL_AWAY_TIDAL', ...mL },
    { name: 'rr-measured', label: 'RR', area: 'input', address: 11, type: 'uint16', scale: 0.1, mdc: 'MDC_VENT_RESP_RATE', ...perMin },
    { name: 'etco2', label: 'etCO2', area: 'input', address: 12, type: 'uint16', scale: 0.1, mdc: 'MDC_CONC_AWAY_CO2_ET', unit: 'mm[Hg]', mdcUnit: 'MDC_DIM_MMHG' },
    { name: 'spo2', label: 'SpO2', area: 'input', address: 13, type: 'uint16', scale: 0.1, mdc: 'MDC_PULS_OXIM_SAT_O2', ...pct },
    { name: 'fio2-measured', label: 'FiO2', area: 'input', address: 14, type: 'uint16', mdc: 'MDC_CONC_AWAY_O2_INSP', ...pct },
    { name: 'vti', label: 'VTi', area: 'input', address: 15, type: 'int32', order: 'CDAB', scale: 0.1, mdc: 'MDC_VOL_AWAY_TIDAL_INSP', ...mL },
    {
      name: 'mode',
      kind: 'mode',
      label: 'Mode',
      area: 'input',
      address: 20,
      type: 'uint16',
      group: 'settings',
      values: { '0': 'VC-CMV', '1': 'PC-CMV', '2': 'SIMV', '3': 'CPAP' },
    },
    ...settings.flatMap((s, i): PointInput[] => [
      {
        name: s.name,
        kind: 'setting',
        label: s.label,
        area: 'holding',
        address: i,
        type: s.type,
        scale: s.scale,
        mdc: s.mdc,
        ...s.u,
        writable: { min: s.min, max: s.max, step: s.step },
        readback: `${s.name}-readback`,
      },
      {
        name: `${s.name}-readback`,
        kind: 'setting',
        label: s.label,
        area: 'input',
        address: 21 + i,
        type: s.type,
        scale: s.scale,
        mdc: s.mdc,
        ...s.u,
        group: 'settings',
      },
    ]),
    {
      name: 'disconnection',
      kind: 'alarm',
      area: 'input',
      address: 30,
      type: 'bool',
      bit: 0,
      alarm: { text: 'Patient disconnected', priority: 'high', category: 'technical' },
    },
    { name: 'paw-high', kind: 'alarm', area: 'discrete', address: 0, type: 'bool', alarm: { text: 'Airway pressure high', priority: 'high' } },
    { name: 'mv-low', kind: 'alarm', area: 'discrete', address: 1, type: 'bool', alarm: { text: 'Minute volume low', priority: 'high' } },
    { name: 'apnea', kind: 'alarm', area: 'discrete', address: 2, type: 'bool', alarm: { text: 'Apnea', priority: 'high' } },
  ],
};

/** A map as the config loader leaves it: checked against the schema, every default filled in. */
export function withDefaults(input: MapInput): ModbusVentilatorOptions {
  const options = structuredClone(input) as unknown;
  const check = new Ajv({ useDefaults: true, strict: false }).compile<ModbusVentilatorOptions>(ModbusVentilatorOptions);
  if (!check(options)) throw new Error(`register map: ${check.errors?.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  return options;
}
