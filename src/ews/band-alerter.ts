// When a score's band rises, one alert — and only one, however the value flickers at a threshold. Pure: time comes in.
//
// The rule (hysteresis in time): the alerter remembers the highest band it has alerted for (the "armed level",
// starting at the lowest band). A band above the armed level alerts and raises the armed level to it. A band below
// the armed level lowers the armed level only after it has stayed below for `holdMs` without a break; until then a
// return to the armed band is the same episode, not a new rise. So a NEWS2 of 4, 5, 4, 5 … alerts once for medium;
// after it has stayed low for the hold time, a later rise to medium alerts again; a rise from medium to high alerts at
// once (a further rise).
//
// What is not known is never a fall. An unknown band (an incomplete score that settles nothing) neither rises nor
// falls; a floor (an incomplete NEWS2's `atLeast` band: what the known sub-scores guarantee) may rise — the patient is
// at least that ill — but a floor below the armed level is no evidence of a fall: the missing parameter may be the one
// keeping the band up (a probe off during a desaturation). Both break a fall in progress: the hold time counts only
// complete bands below the armed level, without a break.

export interface BandRise<B extends string> {
  /** The band before the rise; null for the first band this alerter has seen. */
  from: B | null;
  to: B;
}

export class BandAlerter<B extends string> {
  private armed = 0;
  private belowSinceMs: number | undefined;
  private last: B | null = null;

  /** `order` lists the bands from lowest to highest. */
  constructor(
    private readonly order: readonly B[],
    private readonly holdMs: number,
  ) {}

  /**
   * Feeds the band now (`floor`: it is only a lower bound, from an incomplete score); returns the rise to alert for,
   * if this is one.
   */
  update(band: B | null, nowMs: number, floor = false): BandRise<B> | undefined {
    if (band === null) {
      this.belowSinceMs = undefined;
      return undefined;
    }
    const level = this.order.indexOf(band);
    if (level < 0) throw new Error(`unknown band "${band}" (expected one of ${this.order.join(', ')})`);
    const from = this.last;
    this.last = band;
    if (floor && level < this.armed) {
      this.belowSinceMs = undefined;
      return undefined;
    }
    if (level > this.armed) {
      this.armed = level;
      this.belowSinceMs = undefined;
      return { from, to: band };
    }
    if (level === this.armed) {
      this.belowSinceMs = undefined;
      return undefined;
    }
    this.belowSinceMs ??= nowMs;
    if (nowMs - this.belowSinceMs >= this.holdMs) {
      this.armed = level;
      this.belowSinceMs = undefined;
    }
    return undefined;
  }

  /** A new patient: nothing alerted yet. */
  reset(): void {
    this.armed = 0;
    this.belowSinceMs = undefined;
    this.last = null;
  }
}
