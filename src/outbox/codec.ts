// The outbox's on-disk layout in LevelDB. Keys sort so that one class's records are one contiguous range in the order
// they were stored; everything the outbox needs at start-up (streams, counters, marks) lives in small key ranges, so
// opening a backlog of a million records reads a few hundred bytes, never the records themselves.
//
//   d <class code u8> <id u64>      a record: value = header (below) + payload (JSON with "seq")
//   s <stream name>                 a stream: class, index, next seq, reserved seq range, topic
//   c <class code u8>               per-class counters: records and bytes stored
//   m <name>                        meta: epoch, last id, per-class low marks
import { CLASS_CODES, type ClassIndex } from './classes.js';

const D = 0x64;
const S = 0x73;
const C = 0x63;
const M = 0x6d;
const TWO32 = 2 ** 32;

export const VALUE_VERSION = 1;
/** version u8, stored-at wall ms f64, seq u64, stream index u32 */
export const VALUE_HEADER = 1 + 8 + 8 + 4;

export function writeU64(buf: Buffer, n: number, at: number): void {
  buf.writeUInt32BE(Math.floor(n / TWO32), at);
  buf.writeUInt32BE(n >>> 0, at + 4);
}

export function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32BE(at) * TWO32 + buf.readUInt32BE(at + 4);
}

export function recordKey(cls: ClassIndex, id: number): Buffer {
  const k = Buffer.allocUnsafe(10);
  k[0] = D;
  k[1] = CLASS_CODES[cls]!;
  writeU64(k, id, 2);
  return k;
}

export function idOfKey(key: Buffer): number {
  return readU64(key, 2);
}

/** The first key after every record of a class. */
export function classEndKey(cls: ClassIndex): Buffer {
  return Buffer.from([D, CLASS_CODES[cls]! + 1]);
}

export function streamKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([S]), Buffer.from(name, 'utf8')]);
}
export const STREAMS_START = Buffer.from([S]);
export const STREAMS_END = Buffer.from([S + 1]);

export function counterKey(cls: ClassIndex): Buffer {
  return Buffer.from([C, CLASS_CODES[cls]!]);
}

export function metaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([M]), Buffer.from(name, 'utf8')]);
}

/** A record value with room for the payload, whose UTF-8 bytes the caller writes at VALUE_HEADER. */
export function recordValue(at: number, seq: number, streamIndex: number, payloadBytes: number): Buffer {
  const v = Buffer.allocUnsafe(VALUE_HEADER + payloadBytes);
  v[0] = VALUE_VERSION;
  v.writeDoubleBE(at, 1);
  writeU64(v, seq, 9);
  v.writeUInt32BE(streamIndex, 17);
  return v;
}

export interface RecordHeader {
  at: number;
  seq: number;
  streamIndex: number;
}

export function readHeader(value: Buffer): RecordHeader {
  if (value[0] !== VALUE_VERSION) throw new Error(`outbox record of unknown format ${value[0]}`);
  return { at: value.readDoubleBE(1), seq: readU64(value, 9), streamIndex: value.readUInt32BE(17) };
}

export interface StoredStream {
  name: string;
  cls: ClassIndex;
  index: number;
  /** The next seq to assign: every lower one was stored. */
  next: number;
  /** Every seq ever handed out, stored or not, is below this (see Outbox: seqs held only in memory). */
  reservedEnd: number;
  topic: string;
}

export function encodeStream(s: StoredStream): Buffer {
  const topic = Buffer.from(s.topic, 'utf8');
  const v = Buffer.allocUnsafe(1 + 1 + 4 + 8 + 8 + topic.length);
  v[0] = VALUE_VERSION;
  v[1] = CLASS_CODES[s.cls]!;
  v.writeUInt32BE(s.index, 2);
  writeU64(v, s.next, 6);
  writeU64(v, s.reservedEnd, 14);
  topic.copy(v, 22);
  return v;
}

export function decodeStream(key: Buffer, v: Buffer): StoredStream {
  const cls = CLASS_CODES.indexOf(v[1]!);
  if (v[0] !== VALUE_VERSION || cls < 0) throw new Error('outbox stream entry of unknown format');
  return {
    name: key.subarray(1).toString('utf8'),
    cls,
    index: v.readUInt32BE(2),
    next: readU64(v, 6),
    reservedEnd: readU64(v, 14),
    topic: v.subarray(22).toString('utf8'),
  };
}

export function encodeCounter(count: number, bytes: number): Buffer {
  const v = Buffer.allocUnsafe(16);
  v.writeDoubleBE(count, 0);
  v.writeDoubleBE(bytes, 8);
  return v;
}

export function decodeCounter(v: Buffer): { count: number; bytes: number } {
  return { count: v.readDoubleBE(0), bytes: v.readDoubleBE(8) };
}

export function encodeNumbers(values: readonly number[]): Buffer {
  const v = Buffer.allocUnsafe(values.length * 8);
  values.forEach((n, i) => v.writeDoubleBE(n, i * 8));
  return v;
}

export function decodeNumbers(v: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i + 8 <= v.length; i += 8) out.push(v.readDoubleBE(i));
  return out;
}
