// The parameters both ventilator simulators take (settings and the patient's lungs), and the lung model they give.
import { SimParamError, numberParam, type SimParam, type SimStartContext } from '../simulator.js';
import { VENT_MODES, VentilatedLung, type VentMode, type VentSettings } from './ventilated-lung.js';

function settingsFrom(params: SimStartContext['params']): Partial<VentSettings> {
  const mode = params.mode;
  if (mode !== undefined && !VENT_MODES.includes(mode as VentMode)) {
    throw new SimParamError(`--mode must be one of ${VENT_MODES.join(', ')}, got "${mode}"`);
  }
  const s: Partial<VentSettings> = {};
  if (mode) s.mode = mode as VentMode;
  for (const key of ['vt', 'rr', 'peep', 'fio2', 'pinsp', 'ti'] as const) {
    if (params[key] !== undefined) s[key] = numberParam(params, key, 0);
  }
  return s;
}

/** Parameters shared by both ventilator simulators: the settings and the patient's lungs. */
export const ventilatorParams: readonly SimParam[] = [
  { name: 'mode', description: `ventilation mode: ${VENT_MODES.join(', ')}`, default: 'VC-CMV' },
  { name: 'vt', description: 'tidal volume, mL', default: '500' },
  { name: 'rr', description: 'rate, /min', default: '15' },
  { name: 'peep', description: 'PEEP, cmH2O', default: '5' },
  { name: 'fio2', description: 'FiO2, %', default: '40' },
  { name: 'pinsp', description: 'inspiratory pressure (pressure modes), cmH2O', default: '20' },
  { name: 'ti', description: 'inspiratory time, s', default: '1.2' },
  { name: 'compliance', description: "patient's compliance, mL/cmH2O (low: stiff lungs, high pressures)", default: '45' },
  { name: 'resistance', description: "patient's airway resistance, cmH2O/(L/s)", default: '10' },
];

/** A lung model from the shared ventilator parameters. */
export function lungFrom(params: SimStartContext['params']): VentilatedLung {
  const lung = new VentilatedLung();
  Object.assign(lung.settings, settingsFrom(params));
  lung.patient.compliance = numberParam(params, 'compliance', lung.patient.compliance);
  lung.patient.resistance = numberParam(params, 'resistance', lung.patient.resistance);
  if (lung.patient.compliance <= 0 || lung.patient.resistance <= 0) throw new SimParamError('--compliance and --resistance must be positive');
  return lung;
}

