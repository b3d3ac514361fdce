// MLLP (HL7 minimal lower layer protocol): <VT> message <FS><CR>. MLLP has no checksum; the framer resynchronises on
// the next <VT>, drops a frame whose trailer is broken or that grows beyond a sane size, and hands over the message
// bytes untouched. Parsing waits until the session and decoder ask for it (Hl7Frame.parsed).
//
// Why not node-hl7-server's listener: it owns its TCP server (the supervisor owns ours, with its connection limit and
// reconnect accounting), appends socket chunks as strings and handles at most one message per chunk, and sends no
// ACK at all when a message does not parse — whereas every message here, malformed or not, gets an ACK whose MSA-2
// is the message's control id. The framing itself is a few lines.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';
import { Hl7Frame } from './frame.js';

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;
const LF = 0x0a;
/** Largest message accepted: a PCD-01 with waveform arrays is tens of kB; a megabyte is a runaway sender. */
export const MAX_MESSAGE = 1 << 20;

const enum State {
  Hunting,
  InMessage,
  AfterFs,
}

export class MllpFramer implements Framer<Hl7Frame> {
  readonly stats: FramerStats = newFramerStats();
  private buf = Buffer.alloc(16 * 1024);
  private len = 0;
  private state = State.Hunting;

  push(chunk: Buffer, emit: (frame: Hl7Frame) => void): void {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case State.Hunting:
          if (c === VT) this.open();
          else if (c !== CR && c !== LF) this.stats.bytesDropped++; // line ends between frames are harmless
          break;
        case State.InMessage:
          if (c === FS) this.state = State.AfterFs;
          else if (c === VT) {
            this.drop(this.len + 1); // a new message starts before this one ended: the sender gave up on it
            this.open();
          } else this.append(c);
          break;
        case State.AfterFs:
          if (c === CR) {
            this.stats.frames++;
            emit(new Hl7Frame(Buffer.from(this.buf.subarray(0, this.len))));
            this.len = 0;
            this.state = State.Hunting;
          } else {
            this.drop(this.len + 1); // <FS> must be followed by <CR>
            this.state = State.Hunting;
            if (c === VT) this.open();
          }
          break;
      }
    }
  }

  end(): void {
    if (this.state !== State.Hunting) this.drop(this.len);
    this.reset();
  }

  reset(): void {
    this.state = State.Hunting;
    this.len = 0;
  }

  private open(): void {
    this.state = State.InMessage;
    this.len = 0;
  }

  private append(c: number): void {
    if (this.len === this.buf.length) {
      if (this.len >= MAX_MESSAGE) {
        this.drop(this.len + 1);
        this.state = State.Hunting;
        return;
      }
      const bigger = Buffer.alloc(Math.min(MAX_MESSAGE, this.buf.length * 2));
      this.buf.copy(bigger, 0, 0, this.len);
      this.buf = bigger;
    }
    this.buf[this.len++] = c;
  }

  private drop(bytes: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += bytes;
    this.len = 0;
  }
}

/** A message wrapped for the wire. */
export function mllp(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const out = Buffer.alloc(body.length + 3);
  out[0] = VT;
  body.copy(out, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}
