// Keeping the outbox within its quotas and its records within their lifetimes: eviction (lowest evictable class
// first, oldest first) when a quota is passed, expiry of records older than their class allows, compaction of the
// tombstones that deletions leave behind, and the age of the oldest record per class for `ambulink outbox`. Whatever
// is dropped is announced by loss records written in the same batch as the deletion.
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { LossRecord } from '../schema/index.js';
import { CLASS_COUNT, EVICTION_ORDER, type ClassIndex, type ClassPolicy } from './classes.js';
import { idOfKey, readHeader } from './codec.js';
import { EntryState, entrySize, type Entry } from './entry.js';
import type { Journal } from './journal.js';
import { lossRanges, type LossRange } from './loss.js';
import type { Sender } from './sender.js';
import type { Store } from './store.js';

/** Evict or expire down to this share of a quota, so that one new record does not evict one old record each time. */
const QUOTA_HYSTERESIS = 0.95;
const READ_CHUNK = 1000;
/** Tombstones of deleted records are compacted away after this many deletions in a class. */
const COMPACT_EVERY = 50_000;

export interface JanitorContext {
  store: Store;
  journal: Journal;
  sender: Sender;
  policies: readonly ClassPolicy[];
  maxBytes: number;
  log: Logger;
  clock: Clock;
  healthy: () => boolean;
  /** The entry of a loss record announcing `range`, in the loss stream. */
  lossEntry: (range: LossRange, reason: LossRecord['reason']) => Entry;
}

export class Janitor {
  readonly evicted = new Array<number>(CLASS_COUNT).fill(0);
  readonly expired = new Array<number>(CLASS_COUNT).fill(0);
  readonly oldestAt: Array<number | undefined> = new Array<number | undefined>(CLASS_COUNT).fill(undefined);
  private readonly deletesSinceCompact = new Array<number>(CLASS_COUNT).fill(0);
  private running = false;
  private compacting = false;
  private stopped = false;
  private overQuotaLogged = false;

  constructor(private readonly ctx: JanitorContext) {}

  get busy(): boolean {
    return this.running || this.compacting;
  }

  /** No new pass starts, and the current one ends at its next step; resolves when it has. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
  }

  private get allowed(): boolean {
    return !this.stopped && this.ctx.healthy();
  }

  totalBytes(): number {
    return this.ctx.journal.stored.reduce((n, s) => n + s.bytes, 0);
  }

  /** After each write: counts deletions for compaction, and starts eviction when a quota is passed. */
  afterWrite(deleted: readonly Entry[], wrote: boolean): void {
    for (const e of deleted) this.deletesSinceCompact[e.cls]!++;
    this.maybeCompact();
    if (wrote && this.victim()) void this.run('evicted');
  }

  /** The class to evict from now, and how many bytes; undefined when every quota holds. */
  private victim(): { cls: ClassIndex; bytes: number } | undefined {
    const { stored } = this.ctx.journal;
    for (const c of EVICTION_ORDER) {
      const over = stored[c]!.bytes - this.ctx.policies[c]!.quotaBytes;
      if (over > 0) return { cls: c, bytes: stored[c]!.bytes - this.ctx.policies[c]!.quotaBytes * QUOTA_HYSTERESIS };
    }
    const total = this.totalBytes();
    if (total > this.ctx.maxBytes) {
      for (const c of EVICTION_ORDER) if (stored[c]!.count > 0) return { cls: c, bytes: total - this.ctx.maxBytes * QUOTA_HYSTERESIS };
    }
    return undefined;
  }

  /** Expiry (on a timer) or eviction, one pass at a time. */
  async run(reason: 'evicted' | 'expired'): Promise<void> {
    if (this.running || !this.allowed) return;
    this.running = true;
    try {
      if (reason === 'expired') {
        const now = this.ctx.clock.wallMs();
        for (let c = 0; c < CLASS_COUNT; c++) {
          const expiry = this.ctx.policies[c]!.expiryMs;
          if (expiry > 0 && this.ctx.journal.stored[c]!.count > 0) await this.dropOldest(c, Infinity, 'expired', now - expiry);
        }
      }
      for (let guard = 0; guard < 10_000; guard++) {
        const victim = this.victim();
        if (!victim) {
          this.overQuotaLogged = false;
          break;
        }
        if ((await this.dropOldest(victim.cls, victim.bytes, 'evicted', Infinity)) === 0) {
          // Nothing left that may go (the rest is in flight, or protected).
          const total = this.totalBytes();
          if (total > this.ctx.maxBytes && !this.overQuotaLogged) {
            this.overQuotaLogged = true;
            this.ctx.log.error(
              { bytes: total, maxBytes: this.ctx.maxBytes },
              'outbox over its total quota with only protected records (alarms, events, lab, numerics) left: they are kept',
            );
          }
          break;
        }
      }
    } catch (err) {
      this.ctx.log.error({ err: (err as Error).message }, 'outbox maintenance failed');
    } finally {
      this.running = false;
    }
  }

  /**
   * Drops the oldest stored records of a class that are not in memory (not in flight), until `bytes` are freed or
   * (for expiry) a record stored at or after `before` is reached. Returns the bytes freed.
   */
  private async dropOldest(cls: ClassIndex, bytes: number, reason: 'evicted' | 'expired', before: number): Promise<number> {
    const { sender, store, journal } = this.ctx;
    let freed = 0;
    let after = sender.headHint[cls]! - 1;
    let firstKept: number | undefined;
    let lastDropped: number | undefined;
    let reachedEnd = false;
    while (freed < bytes && !reachedEnd && this.allowed) {
      // Rows deleted while this read runs may still come back: the sender knows which (until endRead).
      const token = sender.beginRead();
      let rows: Array<[string, string]>;
      try {
        rows = await store.readRange(cls, after, journal.durableEnd, READ_CHUNK);
      } catch (err) {
        sender.endRead(token);
        throw err;
      }
      if (rows.length < READ_CHUNK) reachedEnd = true;
      const drops: Entry[] = [];
      let stop = false;
      for (const [key, value] of rows) {
        const id = idOfKey(key);
        after = id;
        if (!sender.isFree(id)) {
          firstKept ??= id;
          continue;
        }
        const e = sender.entryFromDisk(cls, key, id, value);
        if (!e) continue;
        if (e.at >= before) {
          stop = true;
          break;
        }
        drops.push(e);
        freed += entrySize(e);
        if (freed >= bytes) break;
      }
      sender.endRead(token);
      if (drops.length > 0) {
        for (const e of drops) {
          e.state = EntryState.Dropping;
          sender.pending.set(e.id, e);
        }
        const losses = lossRanges(drops).map((r) => this.ctx.lossEntry(r, reason));
        const ok = await journal.submit({ drops, losses, reason });
        if (!ok) {
          for (const e of drops) sender.pending.delete(e.id);
          return freed;
        }
        const counts = reason === 'evicted' ? this.evicted : this.expired;
        counts[cls]! += drops.length;
        lastDropped = drops[drops.length - 1]!.id;
      }
      if (stop) break;
    }
    if (lastDropped !== undefined) sender.headHint[cls] = Math.max(sender.headHint[cls]!, Math.min(firstKept ?? Infinity, lastDropped + 1));
    return freed;
  }

  private maybeCompact(): void {
    if (this.compacting || !this.allowed) return;
    const c = this.deletesSinceCompact.findIndex((n) => n >= COMPACT_EVERY);
    if (c < 0) return;
    this.deletesSinceCompact[c] = 0;
    this.compacting = true;
    const { sender } = this.ctx;
    const bound = sender.lowerBound(c);
    sender.headHint[c] = Math.max(sender.headHint[c]!, bound);
    this.ctx.store
      .compact(c, bound)
      .catch((err: Error) => this.ctx.log.warn({ err: err.message }, 'outbox compaction failed'))
      .finally(() => {
        this.compacting = false;
      });
  }

  /** When each class's oldest stored record was stored (one seek per class). */
  async refreshOldest(): Promise<void> {
    const { journal, store, sender } = this.ctx;
    if (!this.allowed || sender.isReading) return;
    for (let c = 0; c < CLASS_COUNT; c++) {
      if (journal.stored[c]!.count === 0) {
        this.oldestAt[c] = undefined;
        continue;
      }
      try {
        const [row] = await store.readRange(c, sender.headHint[c]! - 1, Number.MAX_SAFE_INTEGER, 1);
        this.oldestAt[c] = row ? readHeader(row[1]).at : undefined;
      } catch {
        return;
      }
    }
  }
}
