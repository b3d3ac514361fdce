// NMEA 0183 line framer: `$` + body + `*HH` + CR LF. The checksum (XOR of every byte between `$` and `*`) is
// verified here, so a corrupted sentence is counted and dropped and never reaches the decoder.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';

/** Longest body accepted. The standard says 82 characters per line; some receivers exceed it a little. */
const MAX_BODY = 120;
const DOLLAR = 0x24;
const STAR = 0x2a;
const CR = 0x0d;
const LF = 0x0a;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Frames are the sentence body between `$` and `*`, e.g. "GPRMC,152505.00,A,…", checksum already verified. */
export class NmeaFramer implements Framer<string> {
  readonly stats: FramerStats = newFramerStats();
  private readonly buf = Buffer.alloc(MAX_BODY + 3);
  private len = 0;
  private inSentence = false;

  push(chunk: Buffer, emit: (sentence: string) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === DOLLAR) {
        // A new sentence starts; whatever was open is cut short.
        if (this.inSentence) this.drop(this.len + 1);
        this.inSentence = true;
        this.len = 0;
        continue;
      }
      if (!this.inSentence) {
        this.stats.bytesDropped++;
        continue;
      }
      if (c === CR || c === LF) {
        this.finish(emit);
        continue;
      }
      if (c < 0x20 || c > 0x7e || this.len >= this.buf.length) {
        // Not NMEA text, or far too long: the line is garbage; hunt for the next `$`.
        this.drop(this.len + 2);
        continue;
      }
      this.buf[this.len++] = c;
    }
  }

  end(): void {
    if (this.inSentence) this.drop(this.len + 1);
  }

  reset(): void {
    this.inSentence = false;
    this.len = 0;
  }

  private drop(bytes: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += bytes;
    this.inSentence = false;
    this.len = 0;
  }

  /** The address field: talker + formatter (GPRMC) or a proprietary P… tag, 4–8 upper-case letters/digits, then a comma. */
  private validAddress(end: number): boolean {
    const b = this.buf;
    if (b[0]! < 0x41 || b[0]! > 0x5a) return false;
    for (let i = 1; i < end && i <= 8; i++) {
      const c = b[i]!;
      if (c === 0x2c) return i >= 4;
      if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39))) return false;
    }
    return false;
  }

  private finish(emit: (sentence: string) => void): void {
    const len = this.len;
    const star = len - 3;
    if (star < 1 || this.buf[star] !== STAR) {
      this.drop(len + 2); // no checksum: cannot be verified, so it is not trusted
      return;
    }
    if (!this.validAddress(star)) {
      this.drop(len + 2); // not a sentence: e.g. the tail of one cut by a stray `$`
      return;
    }
    const hi = hexValue(this.buf[star + 1]!);
    const lo = hexValue(this.buf[star + 2]!);
    let sum = 0;
    for (let i = 0; i < star; i++) sum ^= this.buf[i]!;
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== sum) {
      this.stats.checksumErrors++;
      this.drop(len + 2);
      return;
    }
    this.stats.frames++;
    this.inSentence = false;
    this.len = 0;
    emit(this.buf.toString('latin1', 0, star));
  }
}

/** The checksum of a sentence body, as two upper-case hex digits (for simulators and tests). */
export function nmeaChecksum(body: string): string {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum ^= body.charCodeAt(i);
  return sum.toString(16).toUpperCase().padStart(2, '0');
}
