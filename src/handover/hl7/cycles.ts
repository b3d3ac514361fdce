// Observation cycles: the records of one device that belong in one message. A cycle is open while records keep
// arriving that fit it; it closes when a record arrives that does not (a metric repeats, the time moved on, the
// encounter changed) or when the device went quiet (tick).

export interface Cycle<R> {
  readonly key: string;
  readonly encounter: string;
  readonly firstObservedMs: number;
  readonly records: R[];
  /** Identities already in the cycle (metric codes, LOINC codes): a repeat starts the next cycle. */
  readonly members: Set<string | number>;
  lastArrivalMs: number;
}

export interface CycleRules<R> {
  /** Records within this window (ms) of the cycle's first observation may join it. */
  readonly windowMs: number;
  readonly quietMs: number;
  /** What must not repeat within one cycle. */
  member(record: R): string | number;
  observedMs(record: R): number;
  /** Any further condition for joining (same specimen). */
  fits?(cycle: Cycle<R>, record: R): boolean;
}

export class CycleCollector<R> {
  private readonly open = new Map<string, Cycle<R>>();

  constructor(private readonly rules: CycleRules<R>) {}

  /** Adds the record to its key's cycle; returns the cycle it closed to make room, if any. */
  add(key: string, encounter: string, record: R, nowMs: number): Cycle<R> | undefined {
    const rules = this.rules;
    let cycle = this.open.get(key);
    let closed: Cycle<R> | undefined;
    if (
      cycle &&
      (cycle.encounter !== encounter ||
        cycle.members.has(rules.member(record)) ||
        Math.abs(rules.observedMs(record) - cycle.firstObservedMs) > rules.windowMs ||
        (rules.fits && !rules.fits(cycle, record)))
    ) {
      closed = cycle;
      cycle = undefined;
    }
    if (!cycle) {
      cycle = { key, encounter, firstObservedMs: rules.observedMs(record), records: [], members: new Set(), lastArrivalMs: nowMs };
      this.open.set(key, cycle);
    }
    cycle.records.push(record);
    cycle.members.add(rules.member(record));
    cycle.lastArrivalMs = nowMs;
    return closed;
  }

  /** The cycles whose device has been quiet for quietMs, removed. */
  quiet(nowMs: number): Array<Cycle<R>> {
    const done: Array<Cycle<R>> = [];
    for (const [key, cycle] of this.open) {
      if (nowMs - cycle.lastArrivalMs >= this.rules.quietMs) {
        done.push(cycle);
        this.open.delete(key);
      }
    }
    return done;
  }
}
