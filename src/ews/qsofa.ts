// qSOFA (quick Sequential Organ Failure Assessment; Seymour et al., JAMA 2016;315:762–774, Sepsis-3): one point each
// for respiration rate ≥ 22/min, altered mentation and systolic ≤ 100 mmHg; positive at ≥ 2. Pure, like news2.ts.
// Altered mentation is taken from the crew's ACVPU (anything but Alert); the original uses GCS < 15.
import type { Acvpu } from './news2.js';

export const QSOFA_PARAMETERS = ['respirationRate', 'mentation', 'systolic'] as const;
export type QsofaParameter = (typeof QSOFA_PARAMETERS)[number];
export type QsofaBand = 'negative' | 'positive';

export interface QsofaValues {
  respirationRate?: number;
  consciousness?: Acvpu;
  systolic?: number;
}

export interface QsofaResult {
  points: Partial<Record<QsofaParameter, number>>;
  unscored: QsofaParameter[];
  /** 0–3; null unless all three were scored. */
  total: number | null;
  /**
   * Null only when the missing criteria could still change the answer: two points are positive whatever is missing,
   * and a total that cannot reach two even with every missing criterion met is negative.
   */
  band: QsofaBand | null;
  atLeast: { total: number };
}

export function computeQsofa(values: QsofaValues): QsofaResult {
  const points: Partial<Record<QsofaParameter, number>> = {};
  // Same resolution as NEWS2's chart: whole breaths and mmHg.
  if (values.respirationRate !== undefined) points.respirationRate = Math.round(values.respirationRate) >= 22 ? 1 : 0;
  if (values.consciousness !== undefined) points.mentation = values.consciousness === 'A' ? 0 : 1;
  if (values.systolic !== undefined) points.systolic = Math.round(values.systolic) <= 100 ? 1 : 0;
  const unscored = QSOFA_PARAMETERS.filter((p) => points[p] === undefined);
  const sum = Object.values(points).reduce((a, b) => a + b, 0);
  const band: QsofaBand | null = sum >= 2 ? 'positive' : sum + unscored.length < 2 ? 'negative' : null;
  return { points, unscored, total: unscored.length === 0 ? sum : null, band, atLeast: { total: sum } };
}
