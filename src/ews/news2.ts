// NEWS2, the Royal College of Physicians' National Early Warning Score 2 (RCP, London, 2017), exactly as its chart
// scores the six physiological parameters plus air or oxygen. Pure: values in, sub-scores, total and band out; no
// clock, no I/O. Which values are fresh enough to use is decided by the caller (the engine), never here.
//
// Resolution: the chart is written in whole units (breaths, %, mmHg, beats) and tenths of a degree. A monitor's value
// between two rows (SpO2 95.6 %, temperature 36.04 °C) is first rounded half-up to the chart's resolution, so every
// number falls in exactly one row and the score matches what a clinician charting the displayed value would write.

export const NEWS2_PARAMETERS = ['respirationRate', 'spo2', 'airOrOxygen', 'systolic', 'pulse', 'consciousness', 'temperature'] as const;
export type News2Parameter = (typeof NEWS2_PARAMETERS)[number];

/** ACVPU: Alert, new Confusion, responds to Voice, to Pain, Unresponsive. */
export const ACVPU = ['A', 'C', 'V', 'P', 'U'] as const;
export type Acvpu = (typeof ACVPU)[number];

export const NEWS2_BANDS = ['low', 'low-medium', 'medium', 'high'] as const;
export type News2Band = (typeof NEWS2_BANDS)[number];

/** SpO2 scale 1 for everyone; scale 2 only for hypercapnic respiratory failure, when a clinician sets it. */
export type SpO2Scale = 1 | 2;

export interface News2Values {
  respirationRate?: number;
  spo2?: number;
  /** Supplemental oxygen (true) or air (false). */
  onOxygen?: boolean;
  systolic?: number;
  pulse?: number;
  consciousness?: Acvpu;
  /** °C */
  temperature?: number;
}

export interface News2Result {
  scale: SpO2Scale;
  /** Sub-score of each parameter that could be scored. */
  subScores: Partial<Record<News2Parameter, number>>;
  /** Parameters that could not be scored (no value, or — SpO2 on scale 2 at ≥ 93 % — oxygen unknown). */
  unscored: News2Parameter[];
  /** The score: null unless every parameter was scored. */
  total: number | null;
  band: News2Band | null;
  /**
   * What the scored parameters already guarantee (sub-scores are never negative, so a missing one can only add):
   * equal to total and band when complete, a floor when not.
   */
  atLeast: { total: number; band: News2Band };
}

const whole = (x: number): number => Math.round(x);
/** Tenths as an integer (36.05 → 361), half-up, without binary-fraction surprises (36.05 * 10 = 360.4999…). */
const tenths = (x: number): number => Math.round(x * 10 + 1e-9);

export function respirationRateScore(perMin: number): number {
  const v = whole(perMin);
  if (v <= 8) return 3;
  if (v <= 11) return 1;
  if (v <= 20) return 0;
  if (v <= 24) return 2;
  return 3;
}

export function spo2Scale1Score(percent: number): number {
  const v = whole(percent);
  if (v <= 91) return 3;
  if (v <= 93) return 2;
  if (v <= 95) return 1;
  return 0;
}

/**
 * Scale 2: below 88 % as scale 1 shifted down; 88–92 % scores 0; at ≥ 93 % it scores 0 on air and 1–3 on oxygen (a
 * target of 88–92 % is being overshot). Undefined when the value needs the oxygen status and that is unknown.
 */
export function spo2Scale2Score(percent: number, onOxygen: boolean | undefined): number | undefined {
  const v = whole(percent);
  if (v <= 83) return 3;
  if (v <= 85) return 2;
  if (v <= 87) return 1;
  if (v <= 92) return 0;
  if (onOxygen === undefined) return undefined;
  if (!onOxygen) return 0;
  if (v <= 94) return 1;
  if (v <= 96) return 2;
  return 3;
}

export function airOrOxygenScore(onOxygen: boolean): number {
  return onOxygen ? 2 : 0;
}

export function systolicScore(mmHg: number): number {
  const v = whole(mmHg);
  if (v <= 90) return 3;
  if (v <= 100) return 2;
  if (v <= 110) return 1;
  if (v <= 219) return 0;
  return 3;
}

export function pulseScore(perMin: number): number {
  const v = whole(perMin);
  if (v <= 40) return 3;
  if (v <= 50) return 1;
  if (v <= 90) return 0;
  if (v <= 110) return 1;
  if (v <= 130) return 2;
  return 3;
}

export function consciousnessScore(level: Acvpu): number {
  return level === 'A' ? 0 : 3;
}

export function temperatureScore(celsius: number): number {
  const v = tenths(celsius);
  if (v <= 350) return 3;
  if (v <= 360) return 1;
  if (v <= 380) return 0;
  if (v <= 390) return 1;
  return 2;
}

/** The RCP's clinical-risk bands: ≥ 7 high, 5–6 medium, a 3 in any single parameter low–medium, else low. */
export function news2Band(total: number, subScores: readonly number[]): News2Band {
  if (total >= 7) return 'high';
  if (total >= 5) return 'medium';
  if (subScores.some((s) => s >= 3)) return 'low-medium';
  return 'low';
}

export function computeNews2(values: News2Values, scale: SpO2Scale): News2Result {
  const subScores: Partial<Record<News2Parameter, number>> = {};
  const put = (p: News2Parameter, s: number | undefined) => {
    if (s !== undefined) subScores[p] = s;
  };
  const { respirationRate, spo2, onOxygen, systolic, pulse, consciousness, temperature } = values;
  if (respirationRate !== undefined) put('respirationRate', respirationRateScore(respirationRate));
  if (spo2 !== undefined) put('spo2', scale === 2 ? spo2Scale2Score(spo2, onOxygen) : spo2Scale1Score(spo2));
  if (onOxygen !== undefined) put('airOrOxygen', airOrOxygenScore(onOxygen));
  if (systolic !== undefined) put('systolic', systolicScore(systolic));
  if (pulse !== undefined) put('pulse', pulseScore(pulse));
  if (consciousness !== undefined) put('consciousness', consciousnessScore(consciousness));
  if (temperature !== undefined) put('temperature', temperatureScore(temperature));
  const unscored = NEWS2_PARAMETERS.filter((p) => subScores[p] === undefined);
  const scores = Object.values(subScores);
  const sum = scores.reduce((a, b) => a + b, 0);
  const atLeast = { total: sum, band: news2Band(sum, scores) };
  const complete = unscored.length === 0;
  return { scale, subScores, unscored, total: complete ? sum : null, band: complete ? atLeast.band : null, atLeast };
}
