// GE/Datex-Ohmeda S/5 Computer Interface framing, HDLC-style: 0x7E | escaped(record + checksum) | 0x7E.
// 0x7E and 0x7D inside the frame travel as 0x7D followed by the byte with bit 5 cleared (0x5E, 0x5D); the checksum
// is the 8-bit sum of the unescaped record bytes and is escaped like any other byte (GE's own example sends a
// checksum of 0x7D as 7D 5D). A frame is delivered only when its checksum matches and its length agrees with the
// record's own r_len, so a corrupted frame is counted and never decoded.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';

export const FLAG = 0x7e;
export const ESC = 0x7d;
/** The record header alone is 40 bytes; nothing shorter is a record. */
export const HEADER_LEN = 40;
/** Longest record accepted. Wave records at 115200 bit/s carry a few hundred samples; anything far longer is noise. */
export const MAX_RECORD = 4096;

export class GeS5Framer implements Framer<Buffer> {
  readonly stats: FramerStats = newFramerStats();
  /** Unescaped bytes of the open frame: record + checksum. */
  private readonly buf = Buffer.alloc(MAX_RECORD + 1);
  private len = 0;
  private inFrame = false;
  private escaped = false;
  /** The open frame is already known to be bad; skip to the next flag. */
  private poisoned = false;

  push(chunk: Buffer, emit: (record: Buffer) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === FLAG) {
        // A flag ends the open frame and starts the next one (monitors send 7E 7E between frames, or one shared 7E).
        if (this.inFrame) this.finish(emit);
        this.inFrame = true;
        this.len = 0;
        this.escaped = false;
        this.poisoned = false;
        continue;
      }
      if (!this.inFrame || this.poisoned) {
        this.stats.bytesDropped++;
        continue;
      }
      let b = c;
      if (this.escaped) {
        this.escaped = false;
        // Only 7D 5E and 7D 5D are legal escapes; anything else means the line corrupted the frame.
        if (c !== 0x5e && c !== 0x5d) {
          this.poison(this.len + 2);
          continue;
        }
        b = c | 0x20;
      } else if (c === ESC) {
        this.escaped = true;
        continue;
      }
      if (this.len >= this.buf.length) {
        this.poison(this.len + 1);
        continue;
      }
      this.buf[this.len++] = b;
    }
  }

  end(): void {
    if (this.inFrame && !this.poisoned && this.len > 0) this.drop(this.len);
    this.reset();
  }

  reset(): void {
    this.inFrame = false;
    this.len = 0;
    this.escaped = false;
    this.poisoned = false;
  }

  private poison(bytes: number): void {
    this.drop(bytes);
    this.poisoned = true;
    this.len = 0;
  }

  private drop(bytes: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += bytes;
  }

  private finish(emit: (record: Buffer) => void): void {
    const n = this.len;
    if (this.poisoned) return;
    if (n === 0) return; // two flags in a row: an idle line, not a frame
    if (this.escaped) return this.drop(n + 1);
    const recordLen = n - 1;
    if (recordLen < HEADER_LEN) return this.drop(n);
    let sum = 0;
    for (let i = 0; i < recordLen; i++) sum += this.buf[i]!;
    if ((sum & 0xff) !== this.buf[recordLen]) {
      this.stats.checksumErrors++;
      return this.drop(n);
    }
    if (this.buf.readUInt16LE(0) !== recordLen) return this.drop(n); // r_len disagrees: bytes were lost or added
    this.stats.frames++;
    emit(Buffer.from(this.buf.subarray(0, recordLen)));
  }
}

/** One record as it goes on the wire: flags, checksum, escapes (used by the session's requests and the simulator). */
export function encodeFrame(record: Buffer): Buffer {
  let sum = 0;
  let extra = 0;
  for (let i = 0; i < record.length; i++) {
    const b = record[i]!;
    sum += b;
    if (b === FLAG || b === ESC) extra++;
  }
  const checksum = sum & 0xff;
  if (checksum === FLAG || checksum === ESC) extra++;
  const out = Buffer.alloc(record.length + 3 + extra);
  let o = 0;
  out[o++] = FLAG;
  const put = (b: number) => {
    if (b === FLAG || b === ESC) {
      out[o++] = ESC;
      out[o++] = b & ~0x20;
    } else out[o++] = b;
  };
  for (let i = 0; i < record.length; i++) put(record[i]!);
  put(checksum);
  out[o++] = FLAG;
  return out;
}
