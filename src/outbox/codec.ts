// The outbox's on-disk layout in LevelDB. Keys and values are text (UTF-8): LevelDB hands strings straight to
// JavaScript, which reads a backlog about twice as fast as buffers and leaves far less garbage outside the heap.
// Keys sort so that one class's records are one contiguous range in the order they were stored; everything the outbox
// needs at start-up (streams, counters, marks) lives in small key ranges, so opening a backlog of a million records
// reads a few hundred bytes, never the records themselves.
//
//   d<class code><id: 14 hex digits>   a record: value = header (below) + the JSON payload (with its "seq")
//   s<stream name>                     a stream: class, index, next seq, reserved seq range, topic (JSON)
//   c<class code>                      per-class counters: records and bytes stored (JSON)
//   m<name>                            meta: epoch, last id, per-class low marks
import { CLASS_CODES, type ClassIndex } from './classes.js';

const ID_DIGITS = 14;
export const KEY_BYTES = 2 + ID_DIGITS;

/** A record value's header: format version "1", stored-at wall ms (11 hex), seq (14 hex), stream index (6 hex). */
export const VALUE_VERSION = '1';
export const VALUE_HEADER = 1 + 11 + 14 + 6;

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function recordKey(cls: ClassIndex, id: number): string {
  return `d${CLASS_CODES[cls]}${hex(id, ID_DIGITS)}`;
}

/** The first key after every record of a class. */
export function classEndKey(cls: ClassIndex): string {
  return `d${CLASS_CODES[cls]! + 1}`;
}

export function idOfKey(key: string): number {
  return parseHex(key, 2, KEY_BYTES);
}

/** A fixed-width hex field, parsed in place (no substring: this runs for every record read back). */
function parseHex(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    n = n * 16 + (c <= 0x39 ? c - 0x30 : c - 0x57);
  }
  return n;
}

export function streamKey(name: string): string {
  return `s${name}`;
}
export const STREAMS_START = 's';
export const STREAMS_END = 't';

export function counterKey(cls: ClassIndex): string {
  return `c${CLASS_CODES[cls]}`;
}

export function metaKey(name: string): string {
  return `m${name}`;
}

export function recordValue(at: number, seq: number, streamIndex: number, payload: string): string {
  return `${VALUE_VERSION}${hex(Math.round(at), 11)}${hex(seq, 14)}${hex(streamIndex, 6)}${payload}`;
}

export function payloadOfValue(value: string): string {
  return value.slice(VALUE_HEADER);
}

export interface RecordHeader {
  at: number;
  seq: number;
  streamIndex: number;
}

export function readHeader(value: string): RecordHeader {
  if (value[0] !== VALUE_VERSION) throw new Error(`outbox record of unknown format ${value[0]}`);
  return { at: parseHex(value, 1, 12), seq: parseHex(value, 12, 26), streamIndex: parseHex(value, 26, 32) };
}

export interface StoredStream {
  name: string;
  cls: ClassIndex;
  index: number;
  /** The next seq to assign: every lower one was stored (or announced as lost). */
  next: number;
  /** Every seq ever handed out, stored or not, is below this (see Outbox: seqs held only in memory). */
  reservedEnd: number;
  topic: string;
}

export function encodeStream(s: StoredStream): string {
  return JSON.stringify({ c: CLASS_CODES[s.cls], i: s.index, n: s.next, r: s.reservedEnd, t: s.topic });
}

export function decodeStream(key: string, value: string): StoredStream {
  const v = JSON.parse(value) as { c: number; i: number; n: number; r: number; t: string };
  const cls = CLASS_CODES.indexOf(v.c);
  if (cls < 0) throw new Error('outbox stream entry of unknown format');
  return { name: key.slice(1), cls, index: v.i, next: v.n, reservedEnd: v.r, topic: v.t };
}

export function encodeCounter(count: number, bytes: number): string {
  return JSON.stringify([count, bytes]);
}

export function decodeCounter(value: string): { count: number; bytes: number } {
  const [count, bytes] = JSON.parse(value) as [number, number];
  return { count, bytes };
}

export function encodeNumbers(values: readonly number[]): string {
  return JSON.stringify(values);
}

export function decodeNumbers(value: string): number[] {
  return JSON.parse(value) as number[];
}
