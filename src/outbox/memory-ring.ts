// Records held only in memory while storage is unwritable (disk full, read-only), bounded in bytes. When full, the
// lowest class's oldest record that is not in flight goes first; loss records are never dropped here.
import { CLASS_COUNT, EVICTION_ORDER, type ClassIndex } from './classes.js';
import { EntryState, entrySize, type Entry } from './entry.js';

/** Dropped first to last when the ring is full: the evictable classes, then the protected ones, alarms last. */
const RING_DROP_ORDER: readonly ClassIndex[] = [
  ...EVICTION_ORDER,
  ...Array.from({ length: CLASS_COUNT }, (_, c) => CLASS_COUNT - 1 - c).filter((c) => !EVICTION_ORDER.includes(c)),
];

export class MemoryRing {
  private readonly byClass: Array<Set<Entry>> = Array.from({ length: CLASS_COUNT }, () => new Set());
  bytes = 0;
  count = 0;

  constructor(readonly capacityBytes: number) {}

  add(e: Entry): void {
    this.byClass[e.cls]!.add(e);
    this.bytes += entrySize(e);
    this.count++;
  }

  remove(e: Entry): boolean {
    if (!this.byClass[e.cls]!.delete(e)) return false;
    this.bytes -= entrySize(e);
    this.count--;
    return true;
  }

  /** The size of an entry changed in place (a loss record extended). */
  resized(before: number, after: number): void {
    this.bytes += after - before;
  }

  countOf(cls: ClassIndex): number {
    return this.byClass[cls]!.size;
  }

  /** Entries to drop to get back under capacity; `keep` marks those that must stay (loss records). */
  overflow(keep: (e: Entry) => boolean): Entry[] {
    const out: Entry[] = [];
    let excess = this.bytes - this.capacityBytes;
    for (const cls of RING_DROP_ORDER) {
      if (excess <= 0) break;
      for (const e of this.byClass[cls]!) {
        if (excess <= 0) break;
        if (e.state !== EntryState.Queued || keep(e)) continue;
        out.push(e);
        excess -= entrySize(e);
      }
    }
    for (const e of out) this.remove(e);
    return out;
  }

  all(): Entry[] {
    return this.byClass.flatMap((s) => [...s]);
  }

  clear(): void {
    for (const s of this.byClass) s.clear();
    this.bytes = 0;
    this.count = 0;
  }
}
