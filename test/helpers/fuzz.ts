// Fuzzing framers: random bytes and mutations of valid input, deterministic (seeded) so a failure reproduces.
export { seededRandom } from '../../drivers/sdk/seeded-random.js';

export function randomBytes(random: () => number, maxLength: number): Buffer {
  const n = Math.floor(random() * maxLength);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(random() * 256);
  return b;
}

/** A copy of `input` with 1–4 random edits: byte flips, insertions, deletions, duplicated or truncated runs. */
export function mutate(input: Buffer, random: () => number): Buffer {
  let b = Buffer.from(input);
  const edits = 1 + Math.floor(random() * 4);
  for (let e = 0; e < edits && b.length > 0; e++) {
    const at = Math.floor(random() * b.length);
    switch (Math.floor(random() * 5)) {
      case 0:
        b[at] = b[at]! ^ (1 << Math.floor(random() * 8));
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([Math.floor(random() * 256)]), b.subarray(at)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        break;
      case 3: {
        const len = Math.floor(random() * 16);
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at)]);
        break;
      }
      default:
        b = b.subarray(0, at);
    }
  }
  return b;
}

/**
 * Exactly one flipped, inserted or deleted byte: the corruption a checksum is built to catch. (Two edits can cancel
 * out in an XOR or additive checksum; that is the protocol's limit, not the framer's.)
 */
export function singleEdit(input: Buffer, random: () => number): Buffer {
  const at = Math.floor(random() * input.length);
  switch (Math.floor(random() * 3)) {
    case 0: {
      const b = Buffer.from(input);
      b[at] = b[at]! ^ (1 << Math.floor(random() * 8));
      return b;
    }
    case 1:
      return Buffer.concat([input.subarray(0, at), Buffer.from([1 + Math.floor(random() * 255)]), input.subarray(at)]);
    default:
      return Buffer.concat([input.subarray(0, at), input.subarray(at + 1)]);
  }
}

/** Splits a buffer into random-sized chunks, as a serial port delivers it. */
export function* chunks(input: Buffer, random: () => number, maxChunk = 64): Generator<Buffer> {
  let i = 0;
  while (i < input.length) {
    const n = 1 + Math.floor(random() * maxChunk);
    yield input.subarray(i, i + n);
    i += n;
  }
}
