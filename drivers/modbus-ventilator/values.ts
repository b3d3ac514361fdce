// A point's value from the registers (or bits) of a read block, and the registers that carry a value to write.
import type { CompiledPoint } from './map.js';
import { INTEGER_RANGE, decodeRegisters, encodeRegisters } from './registers.js';

function round(x: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}

/** float32 carries about 7 significant digits: 22.4 arrives as 22.399999618530273 and is given back as 22.4. */
function float32Digits(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const f = 10 ** (6 - Math.floor(Math.log10(Math.abs(x))));
  return Math.round(x * f) / f;
}

/** The scaled value of the point at `at` in `data`; NaN when the device sent a float NaN. Bits give 0 or 1. */
export function pointValue(point: CompiledPoint, data: ArrayLike<number>, at: number): number {
  if (point.type === 'bool') {
    const word = data[at]!;
    return point.bit === undefined ? (word ? 1 : 0) : (word >> point.bit) & 1;
  }
  const raw = decodeRegisters(data, at, point.type, point.order);
  if (point.type === 'float32') return float32Digits(raw) * point.scale + point.offset;
  if (point.type === 'float64') return raw * point.scale + point.offset;
  return round(raw * point.scale + point.offset, point.decimals);
}

/** The registers for a value of a writable point; undefined if the value cannot be represented exactly. */
export function registersFor(point: CompiledPoint, value: number): number[] | undefined {
  const raw = (value - point.offset) / point.scale;
  const range = INTEGER_RANGE[point.type];
  if (!range) return Number.isFinite(raw) ? encodeRegisters(raw, point.type, point.order) : undefined;
  const whole = Math.round(raw);
  if (Math.abs(raw - whole) > 1e-6 || whole < range[0] || whole > range[1]) return undefined;
  return encodeRegisters(whole, point.type, point.order);
}
