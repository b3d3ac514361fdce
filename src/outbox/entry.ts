// A stored record as the outbox holds it in memory: while it waits to be sent, is in flight, or waits for its
// deletion after the PUBACK. Only a bounded number of entries is ever in memory; the backlog stays on disk.
import type { ClassIndex } from './classes.js';
import { KEY_BYTES, payloadOfValue, recordValue } from './codec.js';

export interface StreamState {
  readonly name: string;
  readonly cls: ClassIndex;
  readonly index: number;
  readonly topic: string;
  /** Next seq to hand out. */
  next: number;
  /** Next seq as last stored on disk. */
  storedNext: number;
  reservedEnd: number;
  /** Live messages of this stream in flight: live data of a stream waits for the previous batch's PUBACK. */
  liveInflight: number;
}

export const enum EntryState {
  /** Waiting to be committed to disk. */
  New,
  /** In memory, waiting to be sent (hot queue, backlog buffer or memory ring). */
  Queued,
  InFlight,
  /** PUBACK received; its deletion is not yet on disk. */
  Acked,
  /** Chosen for eviction or expiry; the deletion is being written. */
  Dropping,
}

export interface Entry {
  /** Position in its class's on-disk order (assigned when the entry is committed or taken into the ring). */
  id: number;
  /** Its LevelDB key, once it has an id. */
  key: string;
  readonly cls: ClassIndex;
  readonly stream: StreamState;
  /**
   * 0 until the record is sequenced: in the batch that writes it (or when it enters the memory ring, its seq marked
   * first). A seq is thus only ever given to a record that will be delivered or announced; a record that a kill
   * takes before its write never had one, and its seq goes to the next record.
   */
  seq: number;
  /** The JSON payload without its opening brace, until sequenced (then it is in `value`, after "seq"). */
  body: string;
  /** Wall-clock ms when the outbox took it. */
  readonly at: number;
  /**
   * The LevelDB value: header, then the JSON payload (with its "seq"). Emptied once a stored entry's message is built:
   * if it must go again, it is read again from disk.
   */
  value: string;
  /** Bytes it counts against its quota: key and value (UTF-8), as LevelDB stores them before compression (0 until sequenced). */
  size: number;
  /** True once it is on disk. */
  durable: boolean;
  /** Read back from disk (backlog) rather than sent as it arrived. */
  backlog: boolean;
  state: EntryState;
  /** For enqueue(): told when the entry is stored. */
  settle?: (durable: boolean) => void;
}

/** A new record of `stream`, not yet sequenced. */
export function newEntry(stream: StreamState, body: string, at: number): Entry {
  return { id: 0, key: '', cls: stream.cls, stream, seq: 0, body, at, value: '', size: 0, durable: false, backlog: false, state: EntryState.New };
}

/** Gives the entry the next seq of its stream and builds its stored value ("seq" first). */
export function sequence(e: Entry): void {
  const s = e.stream;
  const seq = s.next++;
  e.seq = seq;
  e.value = recordValue(e.at, seq, s.index, e.body === '}' ? `{"seq":"${seq}"}` : `{"seq":"${seq}",${e.body}`);
  e.body = '';
  e.size = entrySizeOf(e.value);
}

/** Quota bytes of a stored value: its key and its UTF-8 text. */
export function entrySizeOf(value: string): number {
  return KEY_BYTES + Buffer.byteLength(value);
}

export function entrySize(e: Entry): number {
  return e.size;
}

export function payloadOf(e: Entry): string {
  return payloadOfValue(e.value);
}
