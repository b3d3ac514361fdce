// Waveforms in PCD-01 (the IHE PCD Waveform Content Module): an OBX whose value type is NA (numeric array) or MA
// (multiplexed array) carries the samples; rows below it, with OBX-4 = the wave's sub-id plus ".n", carry its
// attributes as MDC_ATTR_ terms — sample rate (MDC_ATTR_SAMP_RATE, or its period MDC_ATTR_TIME_PD_SAMP), resolution
// (MDC_ATTR_NU_MSMT_RES: physical value of one count) and the pair of ranges that maps counts to physical values
// (MDC_ATTR_DATA_RANGE or MDC_ATTR_SCALE_RANGE: counts; MDC_ATTR_NU_VAL_RANGE or MDC_ATTR_SCALE_PHYS_RANGE: the
// same range in the unit). Without resolution or ranges the samples are already physical values in OBX-6's unit.
import type { MdcTerm, Unit } from '../../src/schema/index.js';
import { termOf, unitOf } from './codes.js';
import type { Problem } from './frame.js';
import { get, type Hl7Message, type Segment } from './hl7.js';

export interface WaveChannel {
  metric: MdcTerm;
  unit: Unit;
  rate: number;
  factor: number;
  offset: number;
  samples: number[];
  /** MA channel number (1-based) when the array multiplexes several channels. */
  channel?: number;
}

export interface WaveRows {
  wave: Segment;
  attributes: Segment[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DIMENSIONLESS = '1';

export function isWaveRow(m: Hl7Message, obx: Segment): boolean {
  const type = get(m, obx, 2);
  return type === 'NA' || type === 'MA';
}

/** Attribute rows are MDC_ATTR_ terms; they are found by name, since many senders write code 0 for them. */
export function attributeName(m: Hl7Message, obx: Segment): string | undefined {
  const text = get(m, obx, 3, 2).trim();
  return text.startsWith('MDC_ATTR_') ? text : undefined;
}

/**
 * Each wave row with the attribute rows that belong to it: those whose sub-id is the wave's, or starts with the
 * wave's followed by a dot, and that come after it. Returns the rows it claimed, so they are not read as numerics.
 */
export function waveRowsOf(m: Hl7Message, obx: readonly Segment[]): { waves: WaveRows[]; claimed: Set<Segment> } {
  const waves: WaveRows[] = [];
  const claimed = new Set<Segment>();
  for (const row of obx) {
    if (isWaveRow(m, row)) {
      waves.push({ wave: row, attributes: [] });
      claimed.add(row);
      continue;
    }
    if (!attributeName(m, row) || waves.length === 0) continue;
    const sub = get(m, row, 4).trim();
    // The innermost (latest) wave whose sub-id is this row's or its prefix.
    let owner: WaveRows | undefined;
    for (let i = waves.length - 1; i >= 0 && !owner; i--) {
      const w = get(m, waves[i]!.wave, 4).trim();
      if (sub === w || sub.startsWith(`${w}.`)) owner = waves[i];
    }
    if (owner) {
      owner.attributes.push(row);
      claimed.add(row);
    }
  }
  return { waves, claimed };
}

function numberOf(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

/** A range row's value, "low^high" (NR) or "low-high". */
function rangeOf(m: Hl7Message, row: Segment): [number, number] | undefined {
  let lo = numberOf(get(m, row, 5, 1));
  let hi = numberOf(get(m, row, 5, 2));
  if (lo === undefined || hi === undefined) {
    const dash = /^\s*([+-]?[\d.]+)\s*-\s*([+-]?[\d.]+)\s*$/.exec(get(m, row, 5));
    lo = dash ? numberOf(dash[1]!) : undefined;
    hi = dash ? numberOf(dash[2]!) : undefined;
  }
  return lo !== undefined && hi !== undefined && hi !== lo ? [lo, hi] : undefined;
}

/** Seconds per unit of a period row's OBX-6 (MDC_DIM_SEC or MDC_DIM_MILLI_SEC, UCUM s / ms). */
function secondsPer(m: Hl7Message, row: Segment): number {
  const unit = `${get(m, row, 6, 1)} ${get(m, row, 6, 2)}`.toUpperCase();
  if (/MILLI_SEC|\bMS\b|264338/.test(unit)) return 1e-3;
  if (/MICRO_SEC|\bUS\b|264339/.test(unit)) return 1e-6;
  return 1;
}

/**
 * Samples of an NA (all components, row after row) or, per channel, of an MA (components = channels, repetitions =
 * samples). A value that is not a number is returned as text, for the error.
 */
function samplesOf(m: Hl7Message, wave: Segment): number[][] | string {
  const d = m.delimiters;
  const multiplexed = get(m, wave, 2) === 'MA';
  const channels: number[][] = [];
  for (const rep of (wave.fields[5] ?? '').split(d.repetition)) {
    if (rep === '') continue;
    const values = rep.split(d.component);
    for (let i = 0; i < values.length; i++) {
      const n = numberOf(values[i]!);
      if (n === undefined) return values[i]!;
      (channels[multiplexed ? i : 0] ??= []).push(n);
    }
  }
  return channels;
}

/**
 * The channels of one wave row, or a Problem when the sender's content is wrong, or undefined when the codes are
 * not in the tables (not the sender's fault: counted as unmapped by the caller).
 */
export function decodeWave(m: Hl7Message, rows: WaveRows): WaveChannel[] | Problem | undefined {
  const { wave } = rows;
  const setId = get(m, wave, 1) || '?';
  const metric = termOf(get(m, wave, 3, 1), get(m, wave, 3, 2), get(m, wave, 3, 3));
  if (!metric) return undefined;
  let rate: number | undefined;
  let resolution: { value: number; unit: Unit | undefined } | undefined;
  let counts: [number, number] | undefined;
  let physical: { range: [number, number]; unit: Unit | undefined } | undefined;
  for (const row of rows.attributes) {
    const name = attributeName(m, row)!;
    const unit = () => unitOf(get(m, row, 6, 1), get(m, row, 6, 2), get(m, row, 6, 3));
    if (name === 'MDC_ATTR_SAMP_RATE') rate = numberOf(get(m, row, 5));
    else if (name === 'MDC_ATTR_TIME_PD_SAMP') {
      const period = numberOf(get(m, row, 5));
      if (period !== undefined && period > 0) rate = 1 / (period * secondsPer(m, row));
    } else if (name === 'MDC_ATTR_NU_MSMT_RES') {
      const value = numberOf(get(m, row, 5));
      if (value !== undefined && value > 0) resolution = { value, unit: unit() };
    } else if (name === 'MDC_ATTR_DATA_RANGE' || name === 'MDC_ATTR_SCALE_RANGE') counts = rangeOf(m, row);
    else if (name === 'MDC_ATTR_NU_VAL_RANGE' || name === 'MDC_ATTR_SCALE_PHYS_RANGE') {
      const range = rangeOf(m, row);
      if (range) physical = { range, unit: unit() };
    }
  }
  if (rate === undefined || !(rate > 0) || !Number.isFinite(rate)) {
    return { code: 101, text: `OBX ${setId}: waveform without a usable MDC_ATTR_SAMP_RATE row` };
  }
  const channels = samplesOf(m, wave);
  if (typeof channels === 'string') return { code: 102, text: `OBX ${setId}: waveform sample "${channels.slice(0, 20)}" is not a number` };
  if (channels.length === 0) return { code: 101, text: `OBX ${setId}: waveform without samples` };
  let unit = unitOf(get(m, wave, 6, 1), get(m, wave, 6, 2), get(m, wave, 6, 3));
  let factor = 1;
  let offset = 0;
  // Counts → physical: the two ranges when both are given (they also carry an offset), else the resolution.
  if (counts && physical) {
    factor = (physical.range[1] - physical.range[0]) / (counts[1] - counts[0]);
    offset = physical.range[0] - counts[0] * factor;
    if (physical.unit && physical.unit.ucum !== DIMENSIONLESS) unit = physical.unit;
  } else if (resolution) {
    factor = resolution.value;
    if (resolution.unit && resolution.unit.ucum !== DIMENSIONLESS) unit = resolution.unit;
  }
  if (!unit) {
    if (!get(m, wave, 6, 1) && !get(m, wave, 6, 2)) return { code: 101, text: `OBX ${setId}: no unit for waveform ${metric.ref}` };
    return undefined;
  }
  const multi = channels.length > 1;
  return channels.map((samples, i) => ({ metric, unit: unit!, rate: rate!, factor, offset, samples, ...(multi ? { channel: i + 1 } : {}) }));
}
