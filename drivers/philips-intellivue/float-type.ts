// FLOATType: 32 bits, the high byte a signed decimal exponent, the low 24 bits a signed mantissa; value = m × 10^e.
// Four reserved patterns mean "no number": they must never come out as one.

export const FLOAT_NAN = 0x007fffff;
export const FLOAT_NRES = 0x00800000; // not representable at this resolution
export const FLOAT_POS_INFINITY = 0x007ffffe;
export const FLOAT_NEG_INFINITY = 0x00800002;

/** The value of a FLOATType, or NaN for the four special patterns (callers treat NaN as "invalid"). */
export function decodeFloat(raw: number): number {
  const bits = raw >>> 0;
  if (bits === FLOAT_NAN || bits === FLOAT_NRES || bits === FLOAT_POS_INFINITY || bits === FLOAT_NEG_INFINITY) return NaN;
  const exponent = (bits >> 24) << 0; // sign-extends the top byte
  let mantissa = bits & 0x00ffffff;
  if (mantissa & 0x00800000) mantissa -= 0x01000000;
  // Dividing by a power of ten (rather than multiplying by 10^-e) keeps 368 × 10^-1 exactly 36.8.
  return exponent >= 0 ? mantissa * 10 ** exponent : mantissa / 10 ** -exponent;
}

/** `value` with `decimals` digits after the point, as a FLOATType (for simulators). */
export function encodeFloat(value: number, decimals = 0): number {
  let e = -decimals;
  let m = Math.round(value * 10 ** decimals);
  while (m > 0x7ffffd || m < -0x7ffffd) {
    m = Math.round(m / 10);
    e++;
  }
  return (((e & 0xff) << 24) | (m & 0x00ffffff)) >>> 0;
}
