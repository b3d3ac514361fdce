// IntelliVue LAN framing: one Data Export message per UDP datagram, with no checksum of its own (UDP's covers it).
// Every message says how long it is — session messages in their length indicator, Data Export PDUs in two nested
// length fields that must agree — so a datagram is accepted only when those lengths account for exactly its bytes.
//
// The same rules split a LAN capture: `ambulink capture` writes the datagrams one after the other as received, and
// in stream mode this framer cuts them apart again by their own lengths, hunting for the next plausible message
// start after anything that does not fit.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';
import { DATA_EXPORT, RO, SPDU } from './nomenclature.js';

/** Longest message accepted: the monitor's MTU is negotiated well below this. */
export const MAX_MESSAGE = 16_384;
/** Longest session (association) message: the association request, the longest, is about 300 bytes. */
const MAX_SESSION_MESSAGE = 2048;
const NEED_MORE = 0;
const INVALID = -1;

const SESSION_TYPES = new Set<number>([SPDU.CN, SPDU.AC, SPDU.RF, SPDU.FN, SPDU.DN, SPDU.AB]);

/**
 * The length of the message starting at `o` as its header declares it: > 0 a plausible message of that many bytes
 * (possibly not all present yet), 0 when more bytes are needed to tell, -1 when no message starts here.
 */
export function declaredLength(b: Buffer, o: number, end: number): number {
  const avail = end - o;
  if (avail < 1) return NEED_MORE;
  const type = b[o]!;
  if (type === DATA_EXPORT) {
    if (avail < 8) return prefixMatches(b, o, end) ? NEED_MORE : INVALID;
    if (b[o + 1] !== 0x00 || b[o + 2] !== 0x00 || b[o + 3] !== 0x02) return INVALID;
    const roType = b.readUInt16BE(o + 4);
    const roLength = b.readUInt16BE(o + 6);
    const total = 8 + roLength;
    if (total > MAX_MESSAGE) return INVALID;
    if (roType === RO.LINKED_RESULT) {
      if (roLength < 8) return INVALID;
      if (avail < 16) return NEED_MORE;
      const state = b[o + 8]!;
      if (state < 1 || state > 3 || b.readUInt16BE(o + 14) !== roLength - 8) return INVALID;
      return total;
    }
    if (roType !== RO.INVOKE && roType !== RO.RESULT && roType !== RO.ERROR) return INVALID;
    if (roLength < 6) return INVALID;
    if (avail < 14) return NEED_MORE;
    return b.readUInt16BE(o + 12) === roLength - 6 ? total : INVALID;
  }
  if (!SESSION_TYPES.has(type)) return INVALID;
  if (avail < 2) return NEED_MORE;
  let total: number;
  if (b[o + 1] === 0xff) {
    if (avail < 4) return NEED_MORE;
    total = 4 + b.readUInt16BE(o + 2);
  } else total = 2 + b[o + 1]!;
  return total <= MAX_SESSION_MESSAGE && total > 2 ? total : INVALID;
}

function prefixMatches(b: Buffer, o: number, end: number): boolean {
  const prefix = [DATA_EXPORT, 0x00, 0x00, 0x02];
  for (let i = 0; i < 4 && o + i < end; i++) if (b[o + i] !== prefix[i]) return false;
  return true;
}

/**
 * Frames are whole Data Export or session messages. In datagram mode (live UDP) each push is one datagram; in
 * stream mode (a capture file) pushes are arbitrary slices of concatenated datagrams. Emitted buffers are valid only
 * until emit returns.
 */
export class LanFramer implements Framer<Buffer> {
  readonly stats: FramerStats = newFramerStats();
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly datagrams: boolean) {}

  push(chunk: Buffer, emit: (message: Buffer) => void): void {
    if (this.datagrams) return this.pushDatagram(chunk, emit);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    this.split(emit);
  }

  end(): void {
    if (this.pending.length > 0) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.pending.length;
    }
    this.pending = Buffer.alloc(0);
  }

  reset(): void {
    this.pending = Buffer.alloc(0);
  }

  private pushDatagram(datagram: Buffer, emit: (message: Buffer) => void): void {
    if (datagram.length === 0) return;
    const n = declaredLength(datagram, 0, datagram.length);
    if (n !== datagram.length) {
      // Truncated, padded or not a message at all.
      this.stats.framesDropped++;
      this.stats.bytesDropped += datagram.length;
      return;
    }
    this.stats.frames++;
    emit(datagram);
  }

  /**
   * A message is taken when its declared length is all there and the bytes after it start another message (or
   * nothing follows yet); otherwise the first byte is skipped and the hunt goes on. The look-ahead keeps a cut
   * message from swallowing the one after it.
   */
  private split(emit: (message: Buffer) => void): void {
    const b = this.pending;
    let o = 0;
    let skipped = 0;
    while (o < b.length) {
      const n = declaredLength(b, o, b.length);
      if (n === NEED_MORE) break;
      if (n > 0) {
        if (o + n > b.length) break; // not all here yet
        const next = o + n === b.length ? 1 : declaredLength(b, o + n, b.length);
        if (next !== INVALID) {
          if (skipped > 0) this.noteSkipped(skipped);
          skipped = 0;
          this.stats.frames++;
          emit(b.subarray(o, o + n));
          o += n;
          continue;
        }
      }
      skipped++;
      o++;
    }
    if (skipped > 0) this.noteSkipped(skipped);
    // Keep the undecided tail (copied, so the caller's chunk is not retained), but never more than one message.
    const tail = b.subarray(o);
    if (tail.length > MAX_MESSAGE) {
      this.noteSkipped(tail.length);
      this.pending = Buffer.alloc(0);
    } else this.pending = tail.length === 0 ? Buffer.alloc(0) : Buffer.from(tail);
  }

  private noteSkipped(bytes: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += bytes;
  }
}
