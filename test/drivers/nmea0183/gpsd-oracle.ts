// Compares the decoder's fixes with gpsd's own decoding (its TPV reports) of the same log, fix by fix.
import { readFileSync } from 'node:fs';
import { nmea0183 } from '../../../drivers/nmea0183/index.js';
import type { LocationRecord } from '../../../src/schema/index.js';

export interface Tpv {
  mode: number;
  time?: string;
  lat?: number;
  lon?: number;
  alt?: number;
  altMSL?: number;
  speed?: number;
  track?: number;
}

/**
 * gpsd 3.22 assumes a GPS week-number rollover for dates before its own release and adds 1024 weeks: old logs come
 * out dated up to 19.6 years late. The comparison accepts exactly that offset and nothing else.
 */
export const ROLLOVER_MS = 1024 * 7 * 86_400_000;

/**
 * Tolerances: gpsd's JSON prints lat/lon with 9 decimals, altitude and track with 4, speed with 3. Each tolerance is
 * half a unit of that last printed digit plus a little floating-point slack: ours must be gpsd's number as printed.
 * Times must be equal to the millisecond.
 */
export const TOLERANCE = { deg: 6e-10, metres: 0.00006, speed: 0.0006, track: 0.00006 } as const;

export function decodeLog(bytes: Buffer): LocationRecord[] {
  const out: LocationRecord[] = [];
  const dec = nmea0183.offline!({}, { vehicle: 'V', device: 'gps', driver: 'nmea0183' });
  const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
  dec.push(bytes, rx, (r) => out.push(r as LocationRecord));
  dec.end(rx, (r) => out.push(r as LocationRecord));
  return out;
}

export interface GpsdFixes {
  /** Timed fixes by time: gpsd reports after several sentences of a cycle; the last report of a time is the merged one. */
  timed: Map<number, Tpv>;
  /**
   * For a receiver that gpsd cannot date at all (no RMC or ZDA: a GLL-only one), its distinct undated positions,
   * compared by position alone. Where gpsd has dated fixes its undated reports are only the ones before the first
   * date, often a half-merged cycle, and are left out.
   */
  untimed: Tpv[];
}

export function gpsdFixes(chkPath: string): GpsdFixes {
  const timed = new Map<number, Tpv>();
  const untimed: Tpv[] = [];
  for (const line of readFileSync(chkPath, 'utf8').split('\n')) {
    if (!line.includes('"class":"TPV"')) continue;
    const tpv = JSON.parse(line) as Tpv;
    if (tpv.mode < 2 || tpv.lat === undefined || tpv.lon === undefined) continue;
    if (tpv.time) timed.set(Date.parse(tpv.time), tpv);
    else if (!untimed.some((u) => u.lat === tpv.lat && u.lon === tpv.lon)) untimed.push(tpv);
  }
  return { timed, untimed: timed.size === 0 ? untimed : [] };
}

export interface Difference {
  time: string;
  what: string;
}

export interface Comparison {
  total: number;
  matched: number;
  differences: Difference[];
}

function near(ours: number | undefined, theirs: number | undefined, tol: number): boolean {
  if (ours === undefined || theirs === undefined) return ours === theirs;
  return Math.abs(ours - theirs) <= tol;
}

/** One fix of ours against gpsd's: the names of the fields that differ (empty when the fix matches). */
export function differingFields(ours: LocationRecord, tpv: Tpv): string[] {
  const diff: string[] = [];
  const mode = ours.fix === '3d' ? 3 : ours.fix === '2d' ? 2 : 1;
  if (mode !== tpv.mode) diff.push(`mode ${mode}/${tpv.mode}`);
  if (!near(ours.lat, tpv.lat, TOLERANCE.deg)) diff.push(`lat ${ours.lat}/${tpv.lat}`);
  if (!near(ours.lon, tpv.lon, TOLERANCE.deg)) diff.push(`lon ${ours.lon}/${tpv.lon}`);
  // gpsd reports an altitude only with a 3D fix; 3.22 names it altMSL (alt is the older name of the same value).
  const alt = tpv.mode === 3 ? (tpv.altMSL ?? tpv.alt) : undefined;
  const ourAlt = mode === 3 ? ours.altitude : undefined;
  if (!near(ourAlt, alt, TOLERANCE.metres)) diff.push(`altitude ${ourAlt}/${alt}`);
  if (!near(ours.speed, tpv.speed, TOLERANCE.speed)) diff.push(`speed ${ours.speed}/${tpv.speed}`);
  if (!near(ours.course, tpv.track, TOLERANCE.track)) diff.push(`track ${ours.course}/${tpv.track}`);
  return diff;
}

export function compareWithGpsd(records: LocationRecord[], expected: GpsdFixes): Comparison {
  const byTime = new Map<number, LocationRecord>();
  const fixes = records.filter((r) => r.fix !== 'none');
  for (const r of fixes) if (r.timeSource === 'receiver') byTime.set(Date.parse(r.observedAt), r);
  const differences: Difference[] = [];
  let matched = 0;
  for (const tpv of expected.untimed) {
    const at = `(undated) ${tpv.lat},${tpv.lon}`;
    if (fixes.some((r) => near(r.lat, tpv.lat, TOLERANCE.deg) && near(r.lon, tpv.lon, TOLERANCE.deg))) matched++;
    else differences.push({ time: at, what: 'no fix of ours at this position' });
  }
  for (const [ms, tpv] of expected.timed) {
    const ours = byTime.get(ms) ?? byTime.get(ms - ROLLOVER_MS);
    if (!ours) {
      differences.push({ time: tpv.time!, what: 'no fix of ours at this time' });
      continue;
    }
    const diff = differingFields(ours, tpv);
    if (diff.length === 0) matched++;
    else differences.push({ time: tpv.time!, what: diff.join(', ') });
  }
  return { total: expected.timed.size + expected.untimed.length, matched, differences };
}
