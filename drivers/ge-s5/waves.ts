// Waveforms the gateway asks for and decodes: wave id (as in the request and in the wave subrecord type) → sample rate
// and the factor from the int16 sample to its unit. Rates are the S/5 interface's fixed rates (ECG 300 Hz, invasive
// pressures and pleth 100 Hz, gases and spirometry 25 Hz); factors as used by VSCaptureWave, the open-source peer.
// Invasive-pressure waves take the site of their channel (p1…p6) from the displayed values when it is known.
import { mdcTerm, mdcUnit, type MdcTerm, type Unit } from '../../src/schema/index.js';

export interface WaveType {
  readonly id: number;
  readonly name: string;
  readonly rate: number;
  readonly factor: number;
  readonly unit: Unit;
  /** Fixed metric; invasive pressures resolve theirs from the channel's site. */
  readonly metric?: MdcTerm;
  /** For invasive pressures: which displayed-values group names the site (p1…p6). */
  readonly pressureChannel?: string;
}

const MV = mdcUnit('MDC_DIM_MILLI_VOLT');
const MMHG = mdcUnit('MDC_DIM_MMHG');
const PCT = mdcUnit('MDC_DIM_PERCENT');
const CMH2O = mdcUnit('MDC_DIM_CM_H2O');
const LPM = mdcUnit('MDC_DIM_L_PER_MIN');

const ecg = (id: number): WaveType => ({ id, name: `ECG${id}`, rate: 300, factor: 0.01, unit: MV, metric: mdcTerm('MDC_ECG_ELEC_POTL') });
const invp = (id: number, channel: number): WaveType => ({ id, name: `INVP${channel}`, rate: 100, factor: 0.01, unit: MMHG, pressureChannel: `p${channel}` });

export const WAVES: readonly WaveType[] = [
  ecg(1),
  ecg(2),
  ecg(3),
  invp(4, 1),
  invp(5, 2),
  invp(6, 3),
  invp(7, 4),
  { id: 8, name: 'PLETH', rate: 100, factor: 0.01, unit: PCT, metric: mdcTerm('MDC_PULS_OXIM_PLETH') },
  { id: 9, name: 'CO2', rate: 25, factor: 0.01, unit: PCT, metric: mdcTerm('MDC_AWAY_CO2') },
  { id: 10, name: 'O2', rate: 25, factor: 0.01, unit: PCT, metric: mdcTerm('MDC_CONC_AWAY_O2') },
  { id: 13, name: 'AWP', rate: 25, factor: 0.1, unit: CMH2O, metric: mdcTerm('MDC_PRESS_AWAY') },
  { id: 14, name: 'FLOW', rate: 25, factor: 0.01, unit: LPM, metric: mdcTerm('MDC_FLOW_AWAY') },
  invp(16, 5),
  invp(17, 6),
];

const byId = new Map(WAVES.map((w) => [w.id, w]));
const byName = new Map(WAVES.map((w) => [w.name, w]));

export function waveById(id: number): WaveType | undefined {
  return byId.get(id);
}

export function waveByName(name: string): WaveType | undefined {
  return byName.get(name.toUpperCase());
}

export const WAVE_NAMES = WAVES.map((w) => w.name);

/** The S/5 sends at most 600 samples/s in total at 19200 bit/s (CARESCAPE SW3 at 115200 has no such limit). */
export const SAMPLES_PER_S_LIMIT_19200 = 600;

/** Wave subrecord: int16 number of samples, uint16 status, uint16 reserved, then the samples. */
export const WAVE_HEADER_LEN = 6;
