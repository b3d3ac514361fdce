// IntelliVue MIB/RS-232 framing: BOF 0xC0 | escaped(header, user data, FCS) | EOF 0xC1. The header is protocol id 0x11
// (Data Export), message type 0x01 and the user data length; the FCS is PPP's CRC-16 (RFC 1662) over header and user
// data, sent ones-complemented, low byte first. 0xC0, 0xC1 and 0x7D inside a frame are sent as 0x7D, byte ^ 0x20 —
// the FCS bytes too. The framer verifies all of it and hands over the user data: one Data Export message.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';

export const BOF = 0xc0;
export const EOF = 0xc1;
export const ESC = 0x7d;
const ESC_XOR = 0x20;
export const MIB_PROTOCOL_DATA_EXPORT = 0x11;
export const MIB_MSG_TYPE = 0x01;
const HEADER = 4;
const FCS = 2;
/** Residue of the FCS computed over data and its own (complemented) FCS: a frame is intact exactly when it is this. */
export const FCS_GOOD = 0xf0b8;
/** Largest unescaped frame accepted (header + user data + FCS); the monitor's MTU on the serial line is well below. */
export const MAX_FRAME = 8192;

const FCS_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let b = 0; b < 256; b++) {
    let v = b;
    for (let i = 0; i < 8; i++) v = v & 1 ? (v >>> 1) ^ 0x8408 : v >>> 1;
    table[b] = v;
  }
  return table;
})();

/** PPP FCS-16 running value (start with 0xFFFF). */
export function fcs16(bytes: Uint8Array, start = 0, end = bytes.length, fcs = 0xffff): number {
  for (let i = start; i < end; i++) fcs = (fcs >>> 8) ^ FCS_TABLE[(fcs ^ bytes[i]!) & 0xff]!;
  return fcs;
}

/** One Data Export message wrapped for the serial line (header, FCS, escapes, BOF/EOF). */
export function encodeMibFrame(message: Uint8Array): Buffer {
  const raw = Buffer.alloc(HEADER + message.length + FCS);
  raw[0] = MIB_PROTOCOL_DATA_EXPORT;
  raw[1] = MIB_MSG_TYPE;
  raw.writeUInt16BE(message.length, 2);
  raw.set(message, HEADER);
  const fcs = ~fcs16(raw, 0, HEADER + message.length) & 0xffff;
  raw[HEADER + message.length] = fcs & 0xff;
  raw[HEADER + message.length + 1] = fcs >>> 8;
  let escapes = 0;
  for (const c of raw) if (c === BOF || c === EOF || c === ESC) escapes++;
  const out = Buffer.alloc(raw.length + escapes + 2);
  let o = 0;
  out[o++] = BOF;
  for (const c of raw) {
    if (c === BOF || c === EOF || c === ESC) {
      out[o++] = ESC;
      out[o++] = c ^ ESC_XOR;
    } else out[o++] = c;
  }
  out[o] = EOF;
  return out;
}

/**
 * Frames are the user data (a Data Export message) of intact frames. The buffer handed to `emit` is reused: it is
 * valid only until emit returns.
 */
export class MibFramer implements Framer<Buffer> {
  readonly stats: FramerStats = newFramerStats();
  private readonly buf = Buffer.alloc(MAX_FRAME);
  private len = 0;
  private inFrame = false;
  private escaped = false;
  /** Escaped bytes seen in the open frame, for the byte count of a dropped frame. */
  private wireBytes = 0;

  push(chunk: Buffer, emit: (message: Buffer) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === BOF) {
        // A new frame starts; whatever was open is cut short.
        if (this.inFrame) this.drop();
        this.inFrame = true;
        this.len = 0;
        this.wireBytes = 1;
        this.escaped = false;
        continue;
      }
      if (!this.inFrame) {
        this.stats.bytesDropped++;
        continue;
      }
      this.wireBytes++;
      if (c === EOF) {
        // 0x7D 0xC1 is the sender aborting the frame; a plain EOF ends it.
        if (this.escaped) this.drop();
        else this.finish(emit);
        continue;
      }
      if (this.escaped) {
        this.escaped = false;
        this.store(c ^ ESC_XOR);
      } else if (c === ESC) this.escaped = true;
      else this.store(c);
    }
  }

  end(): void {
    if (this.inFrame) this.drop();
  }

  reset(): void {
    this.inFrame = false;
    this.escaped = false;
    this.len = 0;
  }

  private store(c: number): void {
    if (this.len === MAX_FRAME) {
      this.drop(); // far too long: not a frame of ours; hunt for the next BOF
      return;
    }
    this.buf[this.len++] = c;
  }

  private drop(): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += this.wireBytes;
    this.reset();
  }

  private finish(emit: (message: Buffer) => void): void {
    const len = this.len;
    if (len < HEADER + FCS) return this.drop();
    if (fcs16(this.buf, 0, len) !== FCS_GOOD) {
      this.stats.checksumErrors++;
      return this.drop();
    }
    // Intact, but only Data Export frames whose header length agrees are ours.
    if (this.buf[0] !== MIB_PROTOCOL_DATA_EXPORT || this.buf[1] !== MIB_MSG_TYPE || this.buf.readUInt16BE(2) !== len - HEADER - FCS) {
      return this.drop();
    }
    this.stats.frames++;
    this.reset();
    emit(this.buf.subarray(HEADER, len - FCS));
  }
}
