// The handover's LevelDB (its own, beside the outbox's): per destination, the queued messages in FIFO order, the
// dead letters, and a small meta record (parked, last ACK). Storage only; what to do with a message is queue.ts's.
//
// Keys: `q!{dest}!{seq}` queued, `d!{dest}!{seq}` dead-lettered, `m!{dest}` meta. Destination names are config ids
// (letters, digits, "-", "_"), so "!" cannot occur in them; seq is zero-padded decimal, so keys sort in FIFO order.
import { Level } from 'level';
import type { HandoverMessage } from './destination.js';

const SEQ_DIGITS = 16;
/** Sorts after every padded seq: the end of a destination's range. */
const RANGE_END = '~';

export interface QueuedMessage {
  readonly seq: number;
  readonly message: HandoverMessage;
}

export interface DeadLetter {
  readonly seq: number;
  readonly message: HandoverMessage;
  readonly reason: string;
  /** Wall-clock ms when it was dead-lettered. */
  readonly at: number;
  /** Whether its diagnostic record went out (a crash in between announces it again at the next start). */
  readonly announced: boolean;
}

export interface DestinationMeta {
  /** Set while the head message waits for `ambulink handover release`. */
  parked?: { messageId: string; reason: string; at: number };
  /** Wall-clock ms of the last commit (ACK AA/CA, HTTP 2xx). */
  lastAckAt?: number;
}

export interface DestinationState {
  /** The seq the next enqueued message gets. */
  nextSeq: number;
  queued: number;
  deadLettered: number;
  meta: DestinationMeta;
}

const pad = (seq: number) => String(seq).padStart(SEQ_DIGITS, '0');
const queueKey = (dest: string, seq: number) => `q!${dest}!${pad(seq)}`;
const deadKey = (dest: string, seq: number) => `d!${dest}!${pad(seq)}`;
const metaKey = (dest: string) => `m!${dest}`;
const seqOf = (key: string) => Number(key.slice(key.lastIndexOf('!') + 1));

export class HandoverStore {
  private db: Level<string, string> | undefined;

  constructor(readonly dir: string) {}

  async open(): Promise<void> {
    const db = new Level<string, string>(this.dir, { keyEncoding: 'utf8', valueEncoding: 'utf8', createIfMissing: true });
    await db.open();
    this.db = db;
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db && db.status !== 'closed') await db.close().catch(() => undefined);
  }

  private live(): Level<string, string> {
    if (!this.db || this.db.status !== 'open') throw new Error('handover storage is not open');
    return this.db;
  }

  /** What a destination left on disk: counts (one key scan, no values), the next seq and its meta. */
  async load(dest: string): Promise<DestinationState> {
    const db = this.live();
    let queued = 0;
    let deadLettered = 0;
    let last = 0;
    for await (const key of db.keys({ gt: `q!${dest}!`, lt: `q!${dest}!${RANGE_END}` })) {
      queued++;
      last = Math.max(last, seqOf(key));
    }
    for await (const key of db.keys({ gt: `d!${dest}!`, lt: `d!${dest}!${RANGE_END}` })) {
      deadLettered++;
      last = Math.max(last, seqOf(key));
    }
    const metaText = await db.get(metaKey(dest));
    return { nextSeq: last + 1, queued, deadLettered, meta: metaText ? (JSON.parse(metaText) as DestinationMeta) : {} };
  }

  /** Appends messages under consecutive seqs from `firstSeq`, in one atomic write. */
  append(dest: string, firstSeq: number, messages: readonly HandoverMessage[], sync: boolean): Promise<void> {
    const batch = this.live().batch();
    messages.forEach((m, i) => batch.put(queueKey(dest, firstSeq + i), JSON.stringify(m)));
    return batch.write({ sync });
  }

  /** Queued messages after `afterSeq`, oldest first, at most `limit`. */
  async readQueue(dest: string, afterSeq: number, limit: number): Promise<QueuedMessage[]> {
    const rows = await this.live().iterator({ gt: queueKey(dest, afterSeq), lt: `q!${dest}!${RANGE_END}`, limit }).all();
    return rows.map(([k, v]) => ({ seq: seqOf(k), message: JSON.parse(v) as HandoverMessage }));
  }

  /** The destination committed the message: gone from disk, with the meta (last ACK) in the same write. */
  commit(dest: string, seq: number, meta: DestinationMeta): Promise<void> {
    return this.live().batch().del(queueKey(dest, seq)).put(metaKey(dest), JSON.stringify(meta)).write({ sync: false });
  }

  /** The destination refused the message for good: moved from the queue to the dead letters in one write. */
  deadLetter(dest: string, letter: DeadLetter): Promise<void> {
    return this.live()
      .batch()
      .del(queueKey(dest, letter.seq))
      .put(deadKey(dest, letter.seq), JSON.stringify(letter))
      .write({ sync: true });
  }

  markAnnounced(dest: string, letter: DeadLetter): Promise<void> {
    return this.live().put(deadKey(dest, letter.seq), JSON.stringify({ ...letter, announced: true }));
  }

  putMeta(dest: string, meta: DestinationMeta): Promise<void> {
    return this.live().put(metaKey(dest), JSON.stringify(meta), { sync: true });
  }

  /** Dead letters, oldest first, at most `limit`. */
  async deadLetters(dest: string, limit: number): Promise<DeadLetter[]> {
    const rows = await this.live().iterator({ gt: `d!${dest}!`, lt: `d!${dest}!${RANGE_END}`, limit }).all();
    return rows.map(([, v]) => JSON.parse(v) as DeadLetter);
  }
}
