// The receiving side of ASTM E1381: bytes → link tokens. It verifies each frame (envelope, checksum, frame number in
// sequence), joins ETB continuation frames, and hands over every whole E1394 record. Retransmitted frames (same number
// as the last one accepted) are recognised and not delivered twice, so a capture decodes exactly as the live link.
// What to answer (ACK/NAK) is decided here, once, and carried in the `frame` token; the session only writes it.
// Raw mode (analysers that send E1394 records without E1381 framing) is `AstmRawFramer` below. For captures saved
// to files (`capture` mode) there is no one to answer: frames are taken without the ENQ that opened their transfer,
// the frame sequence resynchronises instead of being refused, and E1394 records written as plain lines between
// frames (a log of the message without the link protocol) are records too.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';
import { ACK, CR, ENQ, EOT, ETB, ETX, LF, NAK, STX, checksumOf, isRestricted } from './e1381.js';

export type AstmToken =
  /** The sender asks for the line: a transfer starts. */
  | { readonly kind: 'enq' }
  /** End of transmission: the transfer is over. */
  | { readonly kind: 'eot' }
  | { readonly kind: 'ack' }
  | { readonly kind: 'nak' }
  /** One E1381 frame was received; `answer` is what the receiver must reply. */
  | { readonly kind: 'frame'; readonly answer: 'ack' | 'nak'; readonly duplicate: boolean }
  /** One whole E1394 record (without its CR). */
  | { readonly kind: 'record'; readonly text: string }
  /** The session gave up on the transfer (receiver timeout): whatever was open is incomplete. */
  | { readonly kind: 'abort' };

// Tokens without content are shared: the hot path allocates only for records.
const T_ENQ: AstmToken = { kind: 'enq' };
const T_EOT: AstmToken = { kind: 'eot' };
const T_ACK: AstmToken = { kind: 'ack' };
const T_NAK: AstmToken = { kind: 'nak' };
const T_ACCEPTED: AstmToken = { kind: 'frame', answer: 'ack', duplicate: false };
const T_DUPLICATE: AstmToken = { kind: 'frame', answer: 'ack', duplicate: true };
const T_REJECTED: AstmToken = { kind: 'frame', answer: 'nak', duplicate: false };
export const T_ABORT: AstmToken = { kind: 'abort' };

/** Frame text accepted before a frame is refused as too long (the standard says 240; some analysers send more). */
const MAX_TEXT = 4096;
/** A record assembled from ETB frames longer than this is dropped: no analyser record is this long. */
const MAX_RECORD = 64 * 1024;

const enum S {
  Hunt,
  Number,
  Text,
  Check1,
  Check2,
  Cr,
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

export class AstmFramer implements Framer<AstmToken> {
  readonly stats: FramerStats = newFramerStats();
  private state = S.Hunt;
  private readonly text = Buffer.alloc(MAX_TEXT);
  private len = 0;
  private fn = -1;
  private terminator = 0;
  private check = 0;
  /** Restricted character, bad frame number or over-long text seen: the frame will be refused. */
  private bad = false;
  /** Bytes of the frame being read, for the dropped-bytes count. */
  private frameBytes = 0;
  private inTransfer = false;
  private expected = 1;
  private lastAccepted = -1;
  /** Text of the record being assembled across frames. */
  private record = '';
  /** Capture mode: a record written as a plain line outside any frame, and whether it holds control characters. */
  private line = '';
  private linePoisoned = false;

  constructor(private readonly capture = false) {}

  push(chunk: Buffer, emit: (token: AstmToken) => void): void {
    for (let i = 0; i < chunk.length; i++) this.byte(chunk[i]!, emit);
  }

  end(): void {
    if (this.state !== S.Hunt) this.dropFrame();
    this.record = '';
    this.line = '';
  }

  reset(): void {
    this.state = S.Hunt;
    this.inTransfer = false;
    this.record = '';
    this.line = '';
  }

  /** End of a capture: a last plain record line without its line end, or a record its frames left open. */
  finish(emit: (token: AstmToken) => void): void {
    if (this.line) this.takeLine(emit);
    if (this.record) {
      emit({ kind: 'record', text: this.record });
      this.record = '';
    }
  }

  private byte(c: number, emit: (token: AstmToken) => void): void {
    if (this.state !== S.Hunt) {
      // A new frame or a link control character cuts the frame being read short: it is incomplete.
      if (c === STX || c === ENQ || c === EOT) this.dropFrame();
      else return this.inFrame(c, emit);
    }
    switch (c) {
      case STX:
        if (this.line) this.dropLine(); // a line cut short by a frame is not a record
        this.state = S.Number;
        this.len = 0;
        this.bad = false;
        this.frameBytes = 1;
        return;
      case ENQ:
        // Mid-record, an ENQ is line noise, not a restart: a sender restarts only after EOT or between records
        // (taking it would splice the tail of the old record onto a new transfer).
        if (this.inTransfer && this.record !== '') {
          this.stats.bytesDropped++;
          return;
        }
        this.inTransfer = true;
        this.expected = 1;
        this.lastAccepted = -1;
        this.record = '';
        return emit(T_ENQ);
      case EOT:
        this.inTransfer = false;
        this.record = '';
        return emit(T_EOT);
      case ACK:
        return emit(T_ACK);
      case NAK:
        return emit(T_NAK);
      case CR:
      case LF:
        if (this.line) this.takeLine(emit);
        return; // frame trailers and line noise between frames
      default:
        if (!this.capture) this.stats.bytesDropped++;
        else if (this.line.length >= MAX_RECORD) this.linePoisoned = true;
        else {
          if (c < 0x20 && c !== 0x09) this.linePoisoned = true;
          this.line += String.fromCharCode(c);
        }
    }
  }

  private takeLine(emit: (token: AstmToken) => void): void {
    const line = this.line;
    if (this.linePoisoned || !isRecordLine(line)) return this.dropLine();
    this.line = '';
    this.stats.frames++;
    emit({ kind: 'record', text: line });
  }

  private dropLine(): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += this.line.length;
    this.line = '';
    this.linePoisoned = false;
  }

  private inFrame(c: number, emit: (token: AstmToken) => void): void {
    this.frameBytes++;
    switch (this.state) {
      case S.Number:
        if (c >= 0x30 && c <= 0x37) this.fn = c - 0x30;
        else {
          this.fn = -1;
          this.bad = true;
        }
        this.state = S.Text;
        return;
      case S.Text:
        if (c === ETX || c === ETB) {
          this.terminator = c;
          this.state = S.Check1;
        } else if (isRestricted(c) || this.len >= MAX_TEXT) this.bad = true;
        else this.text[this.len++] = c;
        return;
      case S.Check1:
      case S.Check2: {
        const h = hexValue(c);
        if (h < 0) this.bad = true;
        this.check = this.state === S.Check1 ? h << 4 : this.check | h;
        this.state = this.state === S.Check1 ? S.Check2 : S.Cr;
        return;
      }
      case S.Cr:
        this.state = S.Hunt;
        if (c !== CR) this.bad = true;
        this.finishFrame(emit);
        // A missing CR: the byte may be the start of what follows (an LF is swallowed as a trailer).
        if (c !== CR && c !== LF) this.byte(c, emit);
        return;
    }
  }

  private dropFrame(): void {
    this.state = S.Hunt;
    this.stats.framesDropped++;
    this.stats.bytesDropped += this.frameBytes;
  }

  private finishFrame(emit: (token: AstmToken) => void): void {
    if (!this.inTransfer && this.capture && this.fn >= 0) {
      // The capture did not keep the ENQ: this frame opens the transfer, whatever its number.
      this.inTransfer = true;
      this.expected = this.fn;
      this.lastAccepted = -1;
    }
    if (!this.inTransfer) {
      // Not after an ENQ: nobody asked for the line. A receiver ignores it (and a capture that begins mid-transfer
      // cannot be decoded from its middle).
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.frameBytes;
      return;
    }
    const body = this.text.subarray(0, this.len);
    const checksumOk = !this.bad && this.fn >= 0 && checksumOf(this.fn, body, this.terminator) === this.check;
    if (!checksumOk) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.frameBytes;
      if (!this.bad) this.stats.checksumErrors++;
      return emit(T_REJECTED);
    }
    if (this.fn === this.lastAccepted) return emit(T_DUPLICATE); // our ACK was lost; the sender repeated the frame
    if (this.fn !== this.expected && this.capture) this.expected = this.fn; // frames missing from the capture
    if (this.fn !== this.expected) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.frameBytes;
      return emit(T_REJECTED);
    }
    this.stats.frames++;
    this.lastAccepted = this.fn;
    this.expected = (this.fn + 1) % 8;
    this.takeText(body.toString('latin1'), this.terminator === ETX, emit);
    emit(T_ACCEPTED);
  }

  /** Records end at CR; an ETX frame also ends the record it carries (some analysers omit the CR). */
  private takeText(text: string, endOfRecord: boolean, emit: (token: AstmToken) => void): void {
    let from = 0;
    let cr = text.indexOf('\r');
    while (cr !== -1) {
      const piece = this.record + text.slice(from, cr);
      this.record = '';
      if (piece) emit({ kind: 'record', text: piece });
      from = cr + 1;
      cr = text.indexOf('\r', from);
    }
    this.record += text.slice(from);
    if (endOfRecord && this.record) {
      emit({ kind: 'record', text: this.record });
      this.record = '';
    }
    if (this.record.length > MAX_RECORD) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.record.length;
      this.record = '';
    }
  }
}

/**
 * Raw E1394: records end with CR (or LF, or CR LF), no link protocol. Lines with control characters are not
 * records and are counted as dropped.
 */
export class AstmRawFramer implements Framer<AstmToken> {
  readonly stats: FramerStats = newFramerStats();
  private line = '';
  private poisoned = false;

  push(chunk: Buffer, emit: (token: AstmToken) => void): void {
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === CR || c === LF) {
        this.line += chunk.toString('latin1', from, i);
        from = i + 1;
        this.takeLine(emit);
      } else if (c < 0x20 && c !== 0x09) this.poisoned = true;
    }
    if (from < chunk.length) this.line += chunk.toString('latin1', from);
    if (this.line.length > MAX_RECORD) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.line.length;
      this.line = '';
      this.poisoned = true; // the rest of this line is the tail of the dropped one
    }
  }

  end(): void {
    if (this.line) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.line.length;
    }
    this.line = '';
    this.poisoned = false;
  }

  reset(): void {
    this.line = '';
    this.poisoned = false;
  }

  /** End of a capture: the last line, when the file does not end with a line end. */
  finish(emit: (token: AstmToken) => void): void {
    if (this.line) this.takeLine(emit);
  }

  private takeLine(emit: (token: AstmToken) => void): void {
    const line = this.line;
    const poisoned = this.poisoned;
    this.line = '';
    this.poisoned = false;
    if (!line && !poisoned) return;
    if (poisoned || !isRecordLine(line)) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += line.length + 1;
      return;
    }
    this.stats.frames++;
    emit({ kind: 'record', text: line });
  }
}

/** A record starts with its type letter and the field delimiter (H|, P|, R|…; the delimiter is the sender's). */
function isRecordLine(line: string): boolean {
  return line.length >= 2 && /^[A-Za-z][^A-Za-z0-9 ]/.test(line);
}
