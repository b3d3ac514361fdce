// Realtime curves: the device describes what it can send (ESC S), the gateway picks streams in order (ESC T), and
// each data record then carries raw 12-bit values by stream position. The session (which configures) and the
// decoder (which scales) derive the same plan from the same two inputs, so a capture decodes offline exactly as live.
import { CURVE_BY_NAME, type CurveEntry, type CurveName } from './code-tables.js';
import { hex2 } from './protocol.js';

export interface RealtimeCapability {
  /** Sample interval, µs. */
  intervalUs: number;
  /** Physical value = min + raw × (max − min) / maxBin. */
  min: number;
  max: number;
  maxBin: number;
}

export interface PlannedStream {
  readonly curve: CurveEntry;
  /** Samples per second. */
  readonly rate: number;
  readonly factor: number;
  readonly offset: number;
}

/** At most 12 streams can be selected. */
export const MAX_STREAMS = 12;
const ITEM = 23;

/** ESC S response: items of code (2 hex) | interval µs (8) | MIN (5) | MAX (5) | MAXBIN (3 hex). */
export function parseRealtimeConfig(data: string): Map<number, RealtimeCapability> {
  const out = new Map<number, RealtimeCapability>();
  for (let i = 0; i + ITEM <= data.length; i += ITEM) {
    const code = parseInt(data.slice(i, i + 2), 16);
    const intervalUs = Number(data.slice(i + 2, i + 10).trim());
    const min = Number(data.slice(i + 10, i + 15).trim());
    const max = Number(data.slice(i + 15, i + 20).trim());
    const maxBin = parseInt(data.slice(i + 20, i + 23), 16);
    if (![code, intervalUs, min, max, maxBin].every(Number.isFinite) || intervalUs <= 0 || maxBin <= 0 || max <= min) continue;
    out.set(code, { intervalUs, min, max, maxBin });
  }
  return out;
}

/** The wanted curves the device offers, in the wanted order: stream i+1 is element i. */
export function planStreams(offered: ReadonlyMap<number, RealtimeCapability>, wanted: readonly CurveName[]): PlannedStream[] {
  const plan: PlannedStream[] = [];
  for (const name of wanted) {
    const curve = CURVE_BY_NAME.get(name)!;
    const cap = offered.get(curve.code);
    if (!cap || plan.length === MAX_STREAMS) continue;
    plan.push({ curve, rate: 1e6 / cap.intervalUs, factor: (cap.max - cap.min) / cap.maxBin, offset: cap.min });
  }
  return plan;
}

/** ESC T arguments: code and multiplier (1 = every sample) per stream. */
export function configureArgs(plan: readonly PlannedStream[]): string {
  return plan.map((s) => `${hex2(s.curve.code)}01`).join('');
}

/** Bit i set = stream i+1 enabled. */
export function streamMask(plan: readonly PlannedStream[]): number {
  return (1 << plan.length) - 1;
}
