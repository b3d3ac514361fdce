// Shock index: heart rate / systolic pressure (Allgöwer M, Burri C. "Schockindex". Dtsch Med Wochenschr
// 1967;92:1947–1950). Bands after the review by Koch E, Lovett S, Nghiem T, Riggs RA, Rech MA, "Shock index in the
// emergency department: utility and limitations", Open Access Emerg Med 2019;11:179–199 (doi:10.2147/OAEM.S178358):
// 0.5–0.7 is the normal range of healthy adults and an index above 1.0 is the widely used marker of increased risk
// of mortality and need for transfusion. We band < 0.7 normal, 0.7–0.99 elevated, ≥ 1.0 high, on the value rounded
// to two decimals (the figure shown). Pure, like news2.ts.

export const SHOCK_INDEX_BANDS = ['normal', 'elevated', 'high'] as const;
export type ShockIndexBand = (typeof SHOCK_INDEX_BANDS)[number];

export interface ShockIndexResult {
  /** Rounded to two decimals; null without both inputs (or with a systolic of 0). */
  value: number | null;
  band: ShockIndexBand | null;
}

export function shockIndexBand(value: number): ShockIndexBand {
  if (value >= 1) return 'high';
  if (value >= 0.7) return 'elevated';
  return 'normal';
}

export function computeShockIndex(pulse: number | undefined, systolic: number | undefined): ShockIndexResult {
  if (pulse === undefined || systolic === undefined || systolic <= 0) return { value: null, band: null };
  const value = Math.round((pulse / systolic) * 100 + 1e-9) / 100;
  return { value, band: shockIndexBand(value) };
}
