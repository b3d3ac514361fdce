// Incoming MLLP bytes → one ACK text per frame. node-hl7-client's MLLPCodec strips the start and end bytes and cleans
// the segments, but treats everything it has buffered as one message as soon as an end byte is in it: two frames in one
// TCP read (an engine answering a resend and a late ACK together, node-hl7-server 2.5 answering several at once) came
// out as one message with the first MSA, and a frame's tail was lost when the next one started in the same read. So the
// stream is cut here at each frame end (FS CR) and each whole frame is handed to the codec on its own.
import { MLLPCodec } from 'node-hl7-client';

const START = 0x0b;
const END = Buffer.from([0x1c, 0x0d]);
/** A frame larger than this without its end is garbage (an ACK is a few hundred bytes): dropped, and counted. */
const MAX_FRAME_BYTES = 1024 * 1024;

export class MllpFrames {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes thrown away: before a frame's start byte, or an endless frame. */
  droppedBytes = 0;

  constructor(private readonly codec: MLLPCodec) {}

  /** Feeds a chunk; returns the text of every frame it completed, in order. */
  push(chunk: Buffer): string[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: string[] = [];
    for (;;) {
      const end = this.buffer.indexOf(END);
      if (end < 0) break;
      let frame = this.buffer.subarray(0, end + END.length);
      this.buffer = this.buffer.subarray(end + END.length);
      const start = frame.indexOf(START);
      if (start < 0) {
        this.droppedBytes += frame.length;
        continue;
      }
      this.droppedBytes += start;
      frame = frame.subarray(start);
      if (this.codec.receiveData(Buffer.from(frame))) {
        const text = this.codec.getLastMessage();
        if (text) out.push(text);
      }
    }
    if (this.buffer.length > MAX_FRAME_BYTES) {
      this.droppedBytes += this.buffer.length;
      this.buffer = Buffer.alloc(0);
    }
    return out;
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }
}
