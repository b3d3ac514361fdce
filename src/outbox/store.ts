// The outbox's LevelDB: opening it (reading only the small state ranges, never the records), atomic batches, and
// range reads of one class. Everything here is storage; the policy lives in outbox.ts.
import { randomBytes } from 'node:crypto';
import { Level } from 'level';
import { readLevelDbTablesWithoutMmap, type TableReads } from '../core/leveldb-table-reads.js';
import { CLASS_COUNT, type ClassIndex } from './classes.js';
import {
  classEndKey,
  counterKey,
  decodeCounter,
  decodeNumbers,
  decodeStream,
  idOfKey,
  metaKey,
  recordKey,
  STREAMS_END,
  STREAMS_START,
  type StoredStream,
} from './codec.js';

export type BatchOp = { type: 'put'; key: string; value: string } | { type: 'del'; key: string };

export interface StoredState {
  /** Identifies this outbox: a new one (new disk, wiped data dir) starts its seqs again under a new epoch. */
  epoch: string;
  /** The highest record id ever assigned. */
  lastId: number;
  streams: StoredStream[];
  counters: Array<{ count: number; bytes: number }>;
  /** Per class: no record below this id is still stored (lets the first read skip deleted ranges). */
  lowMarks: number[];
  /** How the previous run ended, if one ran. */
  previousRun: RunMark | undefined;
}

export const META_EPOCH = metaKey('epoch');
export const META_LAST_ID = metaKey('lastId');
export const META_LOW_MARKS = metaKey('lowMarks');
/** The last run: which boot it was in, and whether it closed the store cleanly. */
export const META_RUN = metaKey('run');

export interface RunMark {
  boot: string;
  clean: boolean;
}

interface Compactable {
  compactRange(start: string, end: string): Promise<void>;
}

export class Store {
  private db: Level<string, string> | undefined;
  /** How LevelDB reads table files in this process (see core/leveldb-table-reads.ts); known once open() ran. */
  tableReads: TableReads | undefined;

  constructor(readonly dir: string) {}

  get isOpen(): boolean {
    return this.db?.status === 'open';
  }

  async open(): Promise<StoredState> {
    this.tableReads = readLevelDbTablesWithoutMmap();
    const db = new Level<string, string>(this.dir, {
      keyEncoding: 'utf8',
      valueEncoding: 'utf8',
      createIfMissing: true,
      // Small caches: the outbox reads each record about once, so memory stays flat whatever the backlog.
      cacheSize: 2 * 1024 * 1024,
      writeBufferSize: 2 * 1024 * 1024,
      // The lowest LevelDB accepts: it keeps 64 tables open (this less 10). Each open table holds its index and
      // Bloom filter in memory, so a larger backlog must not mean more of them; the drain reads tables in order, and
      // reopening one costs a few small reads.
      maxOpenFiles: 74,
    });
    await db.open();
    this.db = db;
    try {
      return await this.loadState(db);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async loadState(db: Level<string, string>): Promise<StoredState> {
    let epoch = await db.get(META_EPOCH);
    if (!epoch) {
      epoch = randomBytes(8).toString('hex');
      await db.put(META_EPOCH, epoch, { sync: true });
    }
    const streams: StoredStream[] = [];
    for await (const [k, v] of db.iterator({ gte: STREAMS_START, lt: STREAMS_END })) streams.push(decodeStream(k, v));
    const counters: Array<{ count: number; bytes: number }> = [];
    const lowMarksText = await db.get(META_LOW_MARKS);
    const lowMarks = lowMarksText ? decodeNumbers(lowMarksText) : [];
    const lastIdText = await db.get(META_LAST_ID);
    let lastId = lastIdText ? (decodeNumbers(lastIdText)[0] ?? 0) : 0;
    for (let c = 0; c < CLASS_COUNT; c++) {
      const v = await db.get(counterKey(c));
      counters.push(v ? decodeCounter(v) : { count: 0, bytes: 0 });
      // The newest record of each class, read backwards from the end: one seek, whatever the backlog.
      const it = db.keys({ gte: recordKey(c, 0), lt: classEndKey(c), reverse: true, limit: 1 });
      const [last] = await it.all();
      if (last) lastId = Math.max(lastId, idOfKey(last));
      lowMarks[c] = lowMarks[c] ?? 0;
    }
    const run = await db.get(META_RUN);
    return { epoch, lastId, streams, counters, lowMarks, previousRun: run ? (JSON.parse(run) as RunMark) : undefined };
  }

  private live(): Level<string, string> {
    if (!this.db || this.db.status !== 'open') throw new Error('outbox storage is not open');
    return this.db;
  }

  /** One atomic write. A chained batch: it hands each operation to LevelDB at once, several times cheaper than an array. */
  write(ops: BatchOp[], sync: boolean): Promise<void> {
    const batch = this.live().batch();
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
    return batch.write({ sync });
  }

  /** Records of a class with afterId < id < beforeId, in order, as [key, value], at most `limit` (fewer only at the end). */
  readRange(cls: ClassIndex, afterId: number, beforeId: number, limit: number): Promise<Array<[string, string]>> {
    return this.live()
      .iterator({ gt: recordKey(cls, afterId), lt: recordKey(cls, beforeId), limit, fillCache: false, highWaterMarkBytes: 256 * 1024 })
      .all();
  }

  /** Notes how this run stands (synced): unclean while it runs, clean once everything is written at the end. */
  markRun(run: RunMark): Promise<void> {
    return this.live().put(META_RUN, JSON.stringify(run), { sync: true });
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    const values = await this.live().getMany(keys);
    return values.map((v) => v !== undefined);
  }

  /** Drops the tombstones of deleted records below `beforeId`, so that the next read from the head does not wade through them. */
  async compact(cls: ClassIndex, beforeId: number): Promise<void> {
    const db = this.live() as unknown as Partial<Compactable>;
    if (typeof db.compactRange === 'function') await db.compactRange(recordKey(cls, 0), recordKey(cls, beforeId));
  }

  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db && db.status !== 'closed') await db.close().catch(() => undefined);
  }
}
