// Values in Modbus registers: how many 16-bit words a type takes, and the four word/byte orders gateways use
// (libmodbus's names). In ABCD, A is the most significant byte and the first register holds A B; BADC swaps the
// bytes of each register, CDAB the order of the registers, DCBA both. A 16-bit value is AB or (byte-swapped) BA.

export const VALUE_TYPES = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];
export const WORD_ORDERS = ['ABCD', 'BADC', 'CDAB', 'DCBA'] as const;
export type WordOrder = (typeof WORD_ORDERS)[number];

export const WORDS: Readonly<Record<ValueType, number>> = {
  bool: 1,
  int16: 1,
  uint16: 1,
  int32: 2,
  uint32: 2,
  float32: 2,
  float64: 4,
};

/** Raw range of the integer types (what fits in the registers before scale and offset). */
export const INTEGER_RANGE: Readonly<Partial<Record<ValueType, readonly [number, number]>>> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

export function isFloat(type: ValueType): boolean {
  return type === 'float32' || type === 'float64';
}

// One scratch buffer: decoding a register block allocates nothing per value.
const scratch = Buffer.alloc(8);

/** Registers at..at+n (wire order) → big-endian bytes in `scratch`. */
function gather(regs: ArrayLike<number>, at: number, n: number, order: WordOrder): void {
  const swapWords = order === 'CDAB' || order === 'DCBA';
  const swapBytes = order === 'BADC' || order === 'DCBA';
  for (let w = 0; w < n; w++) {
    const reg = regs[at + (swapWords ? n - 1 - w : w)]! & 0xffff;
    scratch[2 * w] = swapBytes ? reg & 0xff : reg >> 8;
    scratch[2 * w + 1] = swapBytes ? reg >> 8 : reg & 0xff;
  }
}

/** The raw (unscaled) value of `type` starting at register `at`. */
export function decodeRegisters(regs: ArrayLike<number>, at: number, type: ValueType, order: WordOrder): number {
  gather(regs, at, WORDS[type], order);
  switch (type) {
    case 'bool':
      return scratch.readUInt16BE(0) === 0 ? 0 : 1;
    case 'int16':
      return scratch.readInt16BE(0);
    case 'uint16':
      return scratch.readUInt16BE(0);
    case 'int32':
      return scratch.readInt32BE(0);
    case 'uint32':
      return scratch.readUInt32BE(0);
    case 'float32':
      return scratch.readFloatBE(0);
    case 'float64':
      return scratch.readDoubleBE(0);
  }
}

/** The registers (wire order) that carry the raw value; integers must already be whole and in range. */
export function encodeRegisters(raw: number, type: ValueType, order: WordOrder): number[] {
  switch (type) {
    case 'bool':
      scratch.writeUInt16BE(raw ? 1 : 0, 0);
      break;
    case 'int16':
      scratch.writeInt16BE(raw, 0);
      break;
    case 'uint16':
      scratch.writeUInt16BE(raw, 0);
      break;
    case 'int32':
      scratch.writeInt32BE(raw, 0);
      break;
    case 'uint32':
      scratch.writeUInt32BE(raw, 0);
      break;
    case 'float32':
      scratch.writeFloatBE(raw, 0);
      break;
    case 'float64':
      scratch.writeDoubleBE(raw, 0);
      break;
  }
  const n = WORDS[type];
  const swapWords = order === 'CDAB' || order === 'DCBA';
  const swapBytes = order === 'BADC' || order === 'DCBA';
  const regs = new Array<number>(n);
  for (let w = 0; w < n; w++) {
    const hi = scratch[2 * w]!;
    const lo = scratch[2 * w + 1]!;
    regs[swapWords ? n - 1 - w : w] = swapBytes ? (lo << 8) | hi : (hi << 8) | lo;
  }
  return regs;
}
