// The device side of Modbus for the simulator: requests parsed from PDUs, responses built, and the two framings —
// RTU (unit + PDU + CRC-16, found by length and CRC rather than by inter-frame gaps, which a loaded machine and a
// pty do not keep) and TCP (MBAP header). modbus-serial's own servers frame RTU by timing on a second serial port
// and cannot serve a pty that is a pipe; this one runs on any SimPort.

export type ModbusRequest =
  | { fc: 1 | 2 | 3 | 4; address: number; quantity: number }
  | { fc: 5; address: number; value: boolean }
  | { fc: 6; address: number; value: number }
  | { fc: 15; address: number; values: boolean[] }
  | { fc: 16; address: number; values: number[] };

export const EXCEPTION = { illegalFunction: 1, illegalAddress: 2, illegalValue: 3, deviceFailure: 4 } as const;

export class ModbusException extends Error {
  constructor(readonly code: number) {
    super(`Modbus exception ${code}`);
    this.name = 'ModbusException';
  }
}

/** A request from a PDU (function code + data); throws ModbusException for what the device cannot parse. */
export function parseRequest(pdu: Buffer): ModbusRequest {
  const fc = pdu[0]!;
  if (![1, 2, 3, 4, 5, 6, 15, 16].includes(fc)) throw new ModbusException(EXCEPTION.illegalFunction);
  if (pdu.length < 5) throw new ModbusException(EXCEPTION.illegalValue);
  const address = pdu.readUInt16BE(1);
  switch (fc) {
    case 1:
    case 2:
    case 3:
    case 4: {
      const quantity = pdu.readUInt16BE(3);
      const max = fc <= 2 ? 2000 : 125;
      if (quantity < 1 || quantity > max) throw new ModbusException(EXCEPTION.illegalValue);
      return { fc, address, quantity };
    }
    case 5: {
      const v = pdu.readUInt16BE(3);
      if (v !== 0 && v !== 0xff00) throw new ModbusException(EXCEPTION.illegalValue);
      return { fc, address, value: v === 0xff00 };
    }
    case 6:
      return { fc, address, value: pdu.readUInt16BE(3) };
    case 15:
    case 16: {
      const quantity = pdu.readUInt16BE(3);
      const bytes = pdu[5];
      if (bytes === undefined || pdu.length < 6 + bytes) throw new ModbusException(EXCEPTION.illegalValue);
      if (fc === 16) {
        if (quantity < 1 || quantity > 123 || bytes !== quantity * 2) throw new ModbusException(EXCEPTION.illegalValue);
        const values: number[] = [];
        for (let i = 0; i < quantity; i++) values.push(pdu.readUInt16BE(6 + 2 * i));
        return { fc, address, values };
      }
      if (quantity < 1 || quantity > 1968 || bytes !== Math.ceil(quantity / 8)) throw new ModbusException(EXCEPTION.illegalValue);
      const values: boolean[] = [];
      for (let i = 0; i < quantity; i++) values.push(((pdu[6 + (i >> 3)]! >> (i & 7)) & 1) === 1);
      return { fc, address, values };
    }
    default:
      throw new ModbusException(EXCEPTION.illegalFunction);
  }
}

export function bitsResponse(fc: 1 | 2, bits: readonly boolean[]): Buffer {
  const n = Math.ceil(bits.length / 8);
  const b = Buffer.alloc(2 + n);
  b[0] = fc;
  b[1] = n;
  bits.forEach((bit, i) => {
    if (bit) b[2 + (i >> 3)] = b[2 + (i >> 3)]! | (1 << (i & 7));
  });
  return b;
}

export function registersResponse(fc: 3 | 4, registers: readonly number[]): Buffer {
  const b = Buffer.alloc(2 + registers.length * 2);
  b[0] = fc;
  b[1] = registers.length * 2;
  registers.forEach((r, i) => b.writeUInt16BE(r & 0xffff, 2 + 2 * i));
  return b;
}

/** FC 5/6 echo the request; FC 15/16 answer address and quantity. */
export function writeResponse(request: Extract<ModbusRequest, { fc: 5 | 6 | 15 | 16 }>): Buffer {
  const b = Buffer.alloc(5);
  b[0] = request.fc;
  b.writeUInt16BE(request.address, 1);
  if (request.fc === 5) b.writeUInt16BE(request.value ? 0xff00 : 0, 3);
  else if (request.fc === 6) b.writeUInt16BE(request.value, 3);
  else b.writeUInt16BE(request.values.length, 3);
  return b;
}

export function exceptionResponse(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code]);
}

/** What the device does with one request: a response PDU, or undefined for no answer at all. */
export type RequestHandler = (unitId: number, pdu: Buffer) => Buffer | undefined;

export interface SlaveFraming {
  /** Bytes from the gateway; writes the answers (framed) through `send`. */
  push(chunk: Buffer): void;
  /** Forget a partial request (the device rebooted). */
  reset(): void;
}

/** CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF); sent low byte first. */
export function crc16(b: Buffer, start = 0, end = b.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) {
    crc ^= b[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

const MAX_RTU = 256;

/** The bytes of a request not yet complete, and where complete ones go; RTU and TCP differ only in framing. */
abstract class BufferedFraming implements SlaveFraming {
  protected buf: Buffer = Buffer.alloc(0);

  constructor(
    protected readonly handle: RequestHandler,
    protected readonly send: (bytes: Buffer) => void,
  ) {}

  reset(): void {
    this.buf = Buffer.alloc(0);
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    this.drain();
  }

  /** Answers every complete request at the head of `buf`. */
  protected abstract drain(): void;
}

export class RtuFraming extends BufferedFraming {
  protected drain(): void {
    for (;;) {
      const need = this.requestLength();
      if (need === 0) return; // wait for more
      if (need < 0 || this.buf.length > MAX_RTU) {
        this.buf = this.buf.subarray(1); // not a request start: slide by one byte
        continue;
      }
      const frame = this.buf.subarray(0, need);
      if (crc16(frame, 0, need - 2) !== frame.readUInt16LE(need - 2)) {
        this.buf = this.buf.subarray(1);
        continue;
      }
      this.buf = this.buf.subarray(need);
      const unitId = frame[0]!;
      const response = this.handle(unitId, Buffer.from(frame.subarray(1, need - 2)));
      if (response && unitId !== 0) {
        const out = Buffer.alloc(response.length + 3);
        out[0] = unitId;
        response.copy(out, 1);
        out.writeUInt16LE(crc16(out, 0, response.length + 1), response.length + 1);
        this.send(out);
      }
    }
  }

  /** Length of the request at the head of the buffer: > 0 known, 0 need more bytes, -1 cannot be a request. */
  private requestLength(): number {
    if (this.buf.length < 2) return 0;
    const fc = this.buf[1]!;
    if (fc >= 1 && fc <= 6) return this.buf.length >= 8 ? 8 : 0;
    if (fc === 15 || fc === 16) {
      if (this.buf.length < 7) return 0;
      const total = 9 + this.buf[6]!;
      return this.buf.length >= total ? total : 0;
    }
    return -1;
  }
}

export class TcpFraming extends BufferedFraming {
  protected drain(): void {
    while (this.buf.length >= 7) {
      const length = this.buf.readUInt16BE(4);
      if (this.buf.readUInt16BE(2) !== 0 || length < 2 || length > 254) {
        this.buf = Buffer.alloc(0); // not Modbus: nothing in this stream can be trusted until the next connection
        return;
      }
      if (this.buf.length < 6 + length) return;
      const frame = this.buf.subarray(0, 6 + length);
      this.buf = this.buf.subarray(6 + length);
      const response = this.handle(frame[6]!, Buffer.from(frame.subarray(7)));
      if (!response) continue;
      const out = Buffer.alloc(7 + response.length);
      frame.copy(out, 0, 0, 4); // transaction and protocol id
      out.writeUInt16BE(response.length + 1, 4);
      out[6] = frame[6]!;
      response.copy(out, 7);
      this.send(out);
    }
  }
}
