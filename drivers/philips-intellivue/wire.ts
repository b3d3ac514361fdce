// Byte-level helpers for Data Export structures (all big-endian): a growable writer for building messages, and the
// string and time types that several attributes share.

/** A message on the wire is malformed: a length points past its end, or a value cannot be what it claims. */
export class WireError extends Error {}

/** Throws unless `need` bytes are available at `offset` before `end`. */
export function need(offset: number, need: number, end: number, what: string): void {
  if (offset + need > end) throw new WireError(`${what}: ${need} bytes needed at ${offset}, only ${end - offset} left`);
}

/** Builds a message field by field; `lengthAt`/`patchLength` fill in length fields once the body is known. */
export class Writer {
  private buf: Buffer;
  length = 0;

  constructor(capacity = 256) {
    this.buf = Buffer.alloc(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(bigger, 0, 0, this.length);
    this.buf = bigger;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    this.room(2);
    this.buf.writeUInt16BE(v & 0xffff, this.length);
    this.length += 2;
    return this;
  }

  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32BE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }

  bytes(b: Uint8Array | readonly number[]): this {
    this.room(b.length);
    for (let i = 0; i < b.length; i++) this.buf[this.length + i] = b[i]!;
    this.length += b.length;
    return this;
  }

  /** Reserves a 16-bit length field; `patchLength` later writes the number of bytes written after it. */
  lengthAt(): number {
    const at = this.length;
    this.u16(0);
    return at;
  }

  patchLength(at: number): void {
    this.buf.writeUInt16BE(this.length - at - 2, at);
  }

  patchU16(at: number, v: number): void {
    this.buf.writeUInt16BE(v, at);
  }

  /** A copy of what was written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

/**
 * `String`: a byte length and UTF-16BE characters. The monitor pads with NUL and uses 0xFEFF as a fill character after
 * wide glyphs; both are dropped, and the few private-use glyphs of its fonts are spelled out.
 */
export function readString(b: Buffer, o: number, end: number): string {
  need(o, 2, end, 'String');
  const n = b.readUInt16BE(o);
  need(o + 2, n, end, 'String');
  let s = '';
  for (let i = o + 2; i + 1 < o + 2 + n; i += 2) {
    const c = b.readUInt16BE(i);
    if (c === 0 || c === 0xfeff) continue;
    s += PRIVATE_GLYPHS.get(c) ?? (c >= 0xe000 && c <= 0xf8ff ? '' : String.fromCharCode(c));
  }
  return s;
}

const PRIVATE_GLYPHS = new Map<number, string>([
  [0xe145, 'E'], // subscript capital E
  [0xe14c, 'L'], // subscript capital L
  [0xe400, 'l/'], // "liter per", as in l/min
  [0xe401, 'H2'], // as in cmH2O
  [0xe40d, '*'], // alarm star
  [0xe425, 'V'], // V with dot above (V-dot, flow)
]);

export function writeString(w: Writer, s: string, padTo = 0): void {
  const chars = Math.max(s.length + 1, padTo); // NUL-terminated, like the monitor's own strings
  w.u16(chars * 2);
  for (let i = 0; i < chars; i++) w.u16(i < s.length ? s.charCodeAt(i) : 0);
}

/** `VariableLabel`: a byte length and 8-bit characters (model, manufacturer, serial numbers). */
export function readLabel(b: Buffer, o: number, end: number): string {
  need(o, 2, end, 'VariableLabel');
  const n = b.readUInt16BE(o);
  need(o + 2, n, end, 'VariableLabel');
  let s = '';
  for (let i = o + 2; i < o + 2 + n; i++) {
    const c = b[i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s.trim();
}

export function writeLabel(w: Writer, s: string): void {
  const padded = s.length % 2 === 0 ? `${s}\0\0` : `${s}\0`; // NUL-terminated, even length
  w.u16(padded.length);
  for (let i = 0; i < padded.length; i++) w.u8(padded.charCodeAt(i));
}

const bcd = (v: number): number => ((v >> 4) & 0x0f) * 10 + (v & 0x0f);
const toBcd = (v: number): number => ((Math.floor(v / 10) % 10) << 4) | v % 10;

/**
 * `AbsoluteTime`: eight BCD bytes century, year, month, day, hour, minute, second, hundredths — the monitor's local
 * time, without a zone. Returned as the fields; undefined when unset (0xFF) or not a date.
 */
export interface AbsoluteTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function readAbsoluteTime(b: Buffer, o: number, end: number): AbsoluteTime | undefined {
  need(o, 8, end, 'AbsoluteTime');
  if (b[o] === 0xff || b[o + 2] === 0 || b[o + 2] === 0xff) return undefined;
  const t = {
    year: bcd(b[o]!) * 100 + bcd(b[o + 1]!),
    month: bcd(b[o + 2]!),
    day: bcd(b[o + 3]!),
    hour: bcd(b[o + 4]!),
    minute: bcd(b[o + 5]!),
    second: bcd(b[o + 6]!),
  };
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 60) return undefined;
  return t;
}

export function writeAbsoluteTime(w: Writer, t: AbsoluteTime | undefined): void {
  if (!t) {
    w.bytes([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    return;
  }
  w.bytes([toBcd(Math.floor(t.year / 100)), toBcd(t.year % 100), toBcd(t.month), toBcd(t.day), toBcd(t.hour), toBcd(t.minute), toBcd(t.second), 0]);
}

/** ISO date (YYYY-MM-DD) of an AbsoluteTime, e.g. a date of birth. */
export function isoDate(t: AbsoluteTime): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(t.year, 4)}-${p(t.month)}-${p(t.day)}`;
}
