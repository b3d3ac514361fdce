// MEDIBUS framer. Three things share one byte stream:
//  - commands `ESC code [args] CS CR` and responses `SOH echo [data] CS CR` on the slow ASCII channel, with two
//    accumulators because a device may embed a command inside a response it is sending (CR closes the innermost);
//  - the realtime side channel: every byte ≥ 0x80 belongs to it, wherever it falls, even inside a slow message;
//  - in-band flow control (DC1/DC3, ignored) and CAN (abort the message in progress).
// Checksums and the layout of known responses are verified here, so the decoder only sees well-formed frames.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';
import { CAN, CMD, CR, DC1, DC3, ESC, ETX, MAX_COMMAND, MAX_RESPONSE, SOH, SYNC, hexDigit } from './protocol.js';

export type MedibusFrame =
  /** A command (from the device, or from the gateway when the simulator reads). */
  | { type: 'command'; code: number; args: string; /** Echo code of the response it was embedded in, or -1. */ embeddedIn: number }
  | { type: 'response'; code: number; data: string }
  /** One realtime data record: which streams (bit i = stream i+1, 12 bits) and their raw 12-bit values in order. */
  | { type: 'realtime'; mask: number; values: number[] }
  /** A realtime sync command other than the stream markers, e.g. the gateway enabling streams (C1–C3). */
  | { type: 'sync'; command: number; arg: number }
  /**
   * A complete response arrived but failed its checksum or layout. Nothing of it is delivered; the session learns
   * that the device did answer, so it can ask again at once instead of waiting out the response timeout.
   */
  | { type: 'garbled' };

const GARBLED: MedibusFrame = Object.freeze({ type: 'garbled' });

type Emit = (frame: MedibusFrame) => void;

/** Item sizes of fixed-layout responses: measured data and limits (6), settings (7), alarms (15), realtime config (23). */
const ITEM_SIZE = new Map<number, number>([
  [CMD.measuredCp1, 6],
  [CMD.lowLimitsCp1, 6],
  [CMD.highLimitsCp1, 6],
  [CMD.measuredCp2, 6],
  [CMD.lowLimitsCp2, 6],
  [CMD.highLimitsCp2, 6],
  [CMD.settings, 7],
  [CMD.alarmsCp1, 15],
  [CMD.alarmsCp2, 15],
  [CMD.realtimeConfig, 23],
]);

function isHexPair(b: Buffer, i: number): boolean {
  return hexDigit(b[i]!) >= 0 && hexDigit(b[i + 1]!) >= 0;
}

/** Layout of a response's data (bytes start…end of `b`): fixed-size items with hex codes, or text messages. */
function responseWellFormed(code: number, b: Buffer, start: number, end: number): boolean {
  const size = ITEM_SIZE.get(code);
  if (size !== undefined) {
    if ((end - start) % size !== 0) return false;
    const alarm = code === CMD.alarmsCp1 || code === CMD.alarmsCp2;
    for (let i = start; i < end; i += size) {
      // Alarm items start with the priority (1…31 encoded + 0x30), then the code; the others start with the code.
      if (alarm && (b[i]! < 0x31 || b[i]! > 0x4f)) return false;
      if (!isHexPair(b, alarm ? i + 1 : i)) return false;
    }
    return true;
  }
  if (code === CMD.textMessages) {
    let i = start;
    while (i < end) {
      if (i + 3 > end || !isHexPair(b, i)) return false;
      const n = b[i + 2]! - 0x30;
      if (n < 0 || n > 32 || i + 3 + n >= end || b[i + 3 + n] !== ETX) return false;
      i += 4 + n;
    }
    return true;
  }
  return true;
}

function commandWellFormed(code: number, b: Buffer, start: number, end: number): boolean {
  if (code !== CMD.configureRealtime) return true;
  if ((end - start) % 4 !== 0) return false;
  for (let i = start; i < end; i += 2) if (!isHexPair(b, i)) return false;
  return true;
}

export class MedibusFramer implements Framer<MedibusFrame> {
  readonly stats: FramerStats = newFramerStats();
  private readonly cmd = Buffer.alloc(MAX_COMMAND);
  private readonly resp = Buffer.alloc(MAX_RESPONSE);
  /** Bytes in each accumulator; -1 when none is open. */
  private cmdLen = -1;
  private respLen = -1;

  // Realtime record in progress.
  private rtOpen = false;
  private rtMask = 0;
  private rtNeed = 0;
  private rtPendingCmd = -1;
  private rtLow = -1;
  private rtValues: number[] | undefined;
  private rtBytes = 0;

  push(chunk: Buffer, emit: Emit): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c >= 0x80) this.realtimeByte(c, emit);
      else this.slowByte(c, emit);
    }
  }

  end(): void {
    if (this.cmdLen >= 0) this.dropCommand(0);
    if (this.respLen >= 0) this.dropResponse(0);
    if (this.rtOpen && (this.rtNeed > 0 || this.rtPendingCmd >= 0)) this.dropRealtime();
    this.rtOpen = false;
  }

  reset(): void {
    this.cmdLen = -1;
    this.respLen = -1;
    this.rtOpen = false;
    this.rtPendingCmd = -1;
    this.rtLow = -1;
  }

  // ---- slow channel -------------------------------------------------------------------------------------------

  private slowByte(c: number, emit: Emit): void {
    switch (c) {
      case ESC:
        if (this.cmdLen >= 0) this.dropCommand(0);
        this.cmd[0] = ESC;
        this.cmdLen = 1;
        return;
      case SOH:
        // A new response: whatever was open (a command cannot hold a response) is cut short.
        if (this.cmdLen >= 0) this.dropCommand(0);
        if (this.respLen >= 0) this.dropResponse(0);
        this.resp[0] = SOH;
        this.respLen = 1;
        return;
      case CR:
        if (this.cmdLen >= 0) this.finishCommand(emit);
        else if (this.respLen >= 0) this.finishResponse(emit);
        else this.stats.bytesDropped++;
        return;
      case DC1:
      case DC3:
        return; // flow control, not data
      case CAN:
        // The sender aborts the message in progress.
        if (this.cmdLen >= 0) this.dropCommand(1);
        else if (this.respLen >= 0) this.dropResponse(1);
        else this.stats.bytesDropped++;
        return;
      default:
        if (this.cmdLen >= 0) {
          if (this.cmdLen >= MAX_COMMAND) this.dropCommand(1);
          else this.cmd[this.cmdLen++] = c;
        } else if (this.respLen >= 0) {
          if (this.respLen >= MAX_RESPONSE) this.dropResponse(1);
          else this.resp[this.respLen++] = c;
        } else this.stats.bytesDropped++;
    }
  }

  private dropCommand(extra: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += this.cmdLen + extra;
    this.cmdLen = -1;
  }

  private dropResponse(extra: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += this.respLen + extra;
    this.respLen = -1;
  }

  /** Checksum of lead…data against the two hex digits before CR (false too if they are not hex digits). */
  private checks(b: Buffer, len: number): boolean {
    const hi = hexDigit(b[len - 2]!);
    const lo = hexDigit(b[len - 1]!);
    if (hi < 0 || lo < 0) return false;
    let sum = 0;
    for (let i = 0; i < len - 2; i++) sum += b[i]!;
    return (sum & 0xff) === ((hi << 4) | lo);
  }

  private finishCommand(emit: Emit): void {
    const len = this.cmdLen;
    const b = this.cmd;
    if (len < 4) return this.dropCommand(1);
    if (!this.checks(b, len)) {
      this.stats.checksumErrors++;
      return this.dropCommand(1);
    }
    const code = b[1]!;
    if (!commandWellFormed(code, b, 2, len - 2)) return this.dropCommand(1);
    this.cmdLen = -1;
    this.stats.frames++;
    emit({ type: 'command', code, args: b.toString('latin1', 2, len - 2), embeddedIn: this.respLen >= 2 ? this.resp[1]! : -1 });
  }

  private finishResponse(emit: Emit): void {
    const len = this.respLen;
    const b = this.resp;
    if (len < 4) return this.dropResponse(1);
    if (!this.checks(b, len)) {
      this.stats.checksumErrors++;
      this.dropResponse(1);
      return emit(GARBLED);
    }
    const code = b[1]!;
    if (!responseWellFormed(code, b, 2, len - 2)) {
      this.dropResponse(1);
      return emit(GARBLED);
    }
    this.respLen = -1;
    this.stats.frames++;
    emit({ type: 'response', code, data: b.toString('latin1', 2, len - 2) });
  }

  // ---- realtime side channel ----------------------------------------------------------------------------------

  private dropRealtime(): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += this.rtBytes;
    this.rtOpen = false;
    this.rtPendingCmd = -1;
    this.rtLow = -1;
  }

  private realtimeByte(c: number, emit: Emit): void {
    if (c >= 0xd0 && c <= 0xdf) {
      // Sync byte: a new record; an unfinished one is lost.
      if (this.rtOpen && (this.rtNeed > 0 || this.rtPendingCmd >= 0)) this.dropRealtime();
      this.rtOpen = true;
      this.rtMask = c & 15;
      this.rtNeed = popcount4(c & 15);
      this.rtPendingCmd = -1;
      this.rtLow = -1;
      this.rtValues = undefined;
      this.rtBytes = 1;
      return;
    }
    if (!this.rtOpen) {
      this.stats.bytesDropped++;
      return;
    }
    this.rtBytes++;
    if (c >= 0xc0 && c <= 0xcf) {
      if (this.rtPendingCmd >= 0) {
        const command = this.rtPendingCmd;
        this.rtPendingCmd = -1;
        this.syncCommand(command, c, emit);
      } else if (this.rtValues !== undefined || this.rtLow >= 0) {
        this.dropRealtime(); // sync commands come before the values
      } else this.rtPendingCmd = c;
      return;
    }
    if (c >= 0xe0 || this.rtPendingCmd >= 0 || this.rtNeed === 0) {
      // Not a value byte, a value where a command argument belongs, or more values than the sync byte announced.
      this.dropRealtime();
      return;
    }
    if (this.rtLow < 0) {
      this.rtLow = c & 0x3f;
      return;
    }
    (this.rtValues ??= []).push(this.rtLow | ((c & 0x3f) << 6));
    this.rtLow = -1;
    if (--this.rtNeed === 0) {
      this.rtOpen = false;
      this.stats.frames++;
      emit({ type: 'realtime', mask: this.rtMask, values: this.rtValues });
    }
  }

  private syncCommand(command: number, arg: number, emit: Emit): void {
    switch (command) {
      case SYNC.streams5to8:
        this.rtMask |= (arg & 15) << 4;
        this.rtNeed += popcount4(arg & 15);
        return;
      case SYNC.streams9to12:
        this.rtMask |= (arg & 15) << 8;
        this.rtNeed += popcount4(arg & 15);
        return;
      case SYNC.corrupt:
        this.dropRealtime(); // the device says this record is not to be trusted
        return;
      case SYNC.phase:
      case SYNC.none:
        return; // breath phase markers and list terminators carry nothing the decoder uses
      default:
        this.stats.frames++;
        emit({ type: 'sync', command, arg });
    }
  }
}

function popcount4(n: number): number {
  return (n & 1) + ((n >> 1) & 1) + ((n >> 2) & 1) + ((n >> 3) & 1);
}
