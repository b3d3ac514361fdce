// A framer turns bytes into whole frames. It is pure and synchronous, knows its protocol's start/end/escape/
// checksum rules, resynchronises after garbage and counts what it dropped. Fed from a file, a pty or a socket alike.
import { Transform, type TransformCallback } from 'node:stream';

export interface FramerStats {
  /** Frames delivered. */
  frames: number;
  /** Frames seen but rejected (bad checksum, too long, malformed). */
  framesDropped: number;
  /** Bytes thrown away while hunting for the start of a frame, or as part of dropped frames. */
  bytesDropped: number;
  /** Frames rejected because their checksum did not match (also counted in framesDropped). */
  checksumErrors: number;
}

export interface Framer<F> {
  /** Feeds bytes; every frame they complete is passed to `emit`, in order, before push returns. */
  push(chunk: Buffer, emit: (frame: F) => void): void;
  /** End of input: a partial frame is counted as dropped. */
  end(): void;
  /** Forget any partial frame (after a reconnect). Stats are kept. */
  reset(): void;
  readonly stats: FramerStats;
}

/**
 * A framer for captures saved to files, which may lack the link protocol's envelope: the end of the file can be what
 * closes the last frame.
 */
export interface CaptureFramer<F> extends Framer<F> {
  /** End of the capture: emit the frame only the end of input closes (before end() is called). */
  finish(emit: (frame: F) => void): void;
}

export function newFramerStats(): FramerStats {
  return { frames: 0, framesDropped: 0, bytesDropped: 0, checksumErrors: 0 };
}

/** Wraps any Framer as an object-mode Transform stream (bytes in, frames out), in the style of serialport's parsers. */
export class FramerTransform<F> extends Transform {
  constructor(private readonly framer: Framer<F>) {
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.framer.push(chunk, (frame) => this.push(frame));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.framer.end();
    done();
  }
}
