// ASTM E1381 (CLSI LIS1-A) low level: the control characters, the frame checksum, and how a message is cut into
// frames. Shared by the framer (receiving), the session (answering host queries) and the simulator (the analyser).

export const STX = 0x02;
export const ETX = 0x03;
export const EOT = 0x04;
export const ENQ = 0x05;
export const ACK = 0x06;
export const LF = 0x0a;
export const CR = 0x0d;
export const NAK = 0x15;
export const ETB = 0x17;

/** Frame text length the standard allows (a frame is at most 247 bytes with its envelope). */
export const MAX_FRAME_TEXT = 240;

export const ENQ_BYTE = Buffer.from([ENQ]);
export const EOT_BYTE = Buffer.from([EOT]);
export const ACK_BYTE = Buffer.from([ACK]);
export const NAK_BYTE = Buffer.from([NAK]);

/** Characters that may not appear in frame text (LIS1-A 6.6.2): SOH STX ETX EOT ENQ ACK DLE NAK SYN ETB LF DC1-DC4. */
export function isRestricted(c: number): boolean {
  return (
    c === 0x01 || c === STX || c === ETX || c === EOT || c === ENQ || c === ACK || c === 0x10 || c === NAK ||
    c === 0x16 || c === ETB || c === LF || (c >= 0x11 && c <= 0x14)
  );
}

const HEX = '0123456789ABCDEF';

/** Sum of the bytes from the frame number through ETB/ETX inclusive, modulo 256. */
export function checksumOf(frameNumber: number, text: Buffer, end: number): number {
  let sum = 0x30 + frameNumber + end;
  for (let i = 0; i < text.length; i++) sum += text[i]!;
  return sum & 0xff;
}

/** One frame: STX FN text ETB|ETX C1 C2 CR LF. */
export function frame(frameNumber: number, text: Buffer, last: boolean): Buffer {
  const end = last ? ETX : ETB;
  const sum = checksumOf(frameNumber, text, end);
  const out = Buffer.alloc(text.length + 7);
  out[0] = STX;
  out[1] = 0x30 + frameNumber;
  text.copy(out, 2);
  let i = 2 + text.length;
  out[i++] = end;
  out[i++] = HEX.charCodeAt(sum >> 4);
  out[i++] = HEX.charCodeAt(sum & 0x0f);
  out[i++] = CR;
  out[i] = LF;
  return out;
}

/**
 * The frames of a message: each record (terminated by CR) in its own frame, a record longer than `maxText` continued
 * in ETB frames and closed by an ETX frame. Frame numbers run 1..7, 0, 1 … across the whole transfer.
 */
export function framesOf(records: readonly string[], maxText = MAX_FRAME_TEXT, firstNumber = 1): Buffer[] {
  const frames: Buffer[] = [];
  let fn = firstNumber % 8;
  for (const record of records) {
    const text = Buffer.from(`${record}\r`, 'latin1');
    for (let at = 0; at < text.length; at += maxText) {
      const last = at + maxText >= text.length;
      frames.push(frame(fn, text.subarray(at, at + maxText), last));
      fn = (fn + 1) % 8;
    }
  }
  return frames;
}
