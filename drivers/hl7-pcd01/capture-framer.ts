// HL7 captures as files: either MLLP bytes as they travelled (<VT> … <FS><CR>), or the messages saved as plain text,
// as interface engines and vendors' logs keep them — segments ending in CR, LF or CR LF, one message after another,
// each starting with its MSH segment. The first byte that is not white space decides which: <VT> means MLLP (handed
// to the live framer), anything else is text. Batch envelopes (FHS/BHS … BTS/FTS) are not messages and are skipped.
import type { CaptureFramer, FramerStats } from '../sdk/framer.js';
import { Hl7Frame } from './frame.js';
import { MAX_MESSAGE, MllpFramer, VT } from './framer.js';

const BATCH = /^(FHS|BHS|BTS|FTS)./;

export class Hl7CaptureFramer implements CaptureFramer<Hl7Frame> {
  private mode: 'unknown' | 'mllp' | 'text' = 'unknown';
  private readonly mllp = new MllpFramer();
  readonly stats: FramerStats = this.mllp.stats;
  /** Text mode: the segments of the message being read, and the unfinished last line. */
  private segments: string[] = [];
  private size = 0;
  private partial = '';

  push(chunk: Buffer, emit: (frame: Hl7Frame) => void): void {
    if (this.mode === 'unknown') {
      const first = chunk.findIndex((c) => c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a);
      if (first === -1) return;
      this.mode = chunk[first] === VT ? 'mllp' : 'text';
    }
    if (this.mode === 'mllp') return this.mllp.push(chunk, emit);
    const lines = (this.partial + chunk.toString('latin1')).split(/\r\n|\r|\n/);
    // A chunk may end between CR and LF: keep the last line (and a trailing CR) for the next chunk.
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line, emit);
  }

  /** End of the capture: in text mode the last message is closed by it, not by a next MSH. */
  finish(emit: (frame: Hl7Frame) => void): void {
    if (this.mode !== 'text') return;
    if (this.partial) this.line(this.partial, emit);
    this.partial = '';
    this.close(emit);
  }

  end(): void {
    this.mllp.end();
    if (this.segments.length > 0) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.size;
    }
    this.segments = [];
    this.size = 0;
    this.partial = '';
  }

  reset(): void {
    this.mllp.reset();
    this.segments = [];
    this.size = 0;
    this.partial = '';
  }

  private line(line: string, emit: (frame: Hl7Frame) => void): void {
    if (line.trim() === '') return;
    if (line.startsWith('MSH')) this.close(emit);
    else if (BATCH.test(line)) return this.close(emit);
    else if (this.segments.length === 0) {
      // Text before the first MSH (a log's own header lines) is not part of any message.
      this.stats.bytesDropped += line.length + 1;
      return;
    }
    this.segments.push(line);
    this.size += line.length + 1;
    if (this.size > MAX_MESSAGE) {
      this.stats.framesDropped++;
      this.stats.bytesDropped += this.size;
      this.segments = [];
      this.size = 0;
    }
  }

  private close(emit: (frame: Hl7Frame) => void): void {
    if (this.segments.length === 0) return;
    const text = `${this.segments.join('\r')}\r`;
    this.segments = [];
    this.size = 0;
    this.stats.frames++;
    emit(new Hl7Frame(Buffer.from(text, 'latin1')));
  }
}
