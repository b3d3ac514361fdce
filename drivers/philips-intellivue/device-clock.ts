// Observation times. The monitor stamps every poll reply with its relative clock (uint32, 1/8 ms ticks, wrapping
// after 6.2 days) and with its absolute clock — but the absolute clock is local time without a zone, set by hand,
// so it is not trusted. Instead the relative clock is anchored to the gateway's clock at the first reply: sample
// spacing keeps the monitor's precision, and times are UTC by construction.
//
// Live, the anchor follows the smallest transit delay (a reply may not be observed after it was received) and is
// set again when replies arrive more than LATE_MS behind it (clock drift, a stalled link) or the relative clock jumps
// back (the monitor restarted). Offline, the capture's receive times are not real, so the anchor only moves on
// such a jump.
import { TICKS_PER_MS } from './nomenclature.js';

const LATE_MS = 2000;
/** Keep deltas well inside int32 so the wrap of the 32-bit tick counter is handled. */
const REBASE_TICKS = 2 ** 30;
/** A relative clock this far behind the anchor means the monitor restarted. */
const BACKWARDS_TICKS = 1000 * TICKS_PER_MS;

export class DeviceClock {
  private anchored = false;
  private anchorRel = 0;
  private anchorWall = 0;

  /** `live`: receive times are real and the anchor tracks them; false for offline decoding of captures. */
  constructor(private readonly live: boolean) {}

  /** A reply stamped `rel` arrived at gateway wall time `rxWall`. Returns the reply's observation time (ms). */
  reply(rel: number, rxWall: number): number {
    if (!this.anchored) return this.anchor(rel, rxWall);
    let delta = (rel - this.anchorRel) | 0;
    if (delta < -BACKWARDS_TICKS) return this.anchor(rel, rxWall);
    if (delta > REBASE_TICKS) {
      this.anchorWall += delta / TICKS_PER_MS;
      this.anchorRel = rel >>> 0;
      delta = 0;
    }
    const t = this.anchorWall + delta / TICKS_PER_MS;
    if (!this.live) return t;
    if (t > rxWall) {
      this.anchorWall -= t - rxWall;
      return rxWall;
    }
    if (rxWall - t > LATE_MS) return this.anchor(rel, rxWall);
    return t;
  }

  /**
   * Gateway wall time (ms) of another relative time of the same monitor, e.g. an observation's own time stamp; live,
   * never later than the frame's arrival at `rxWall`.
   */
  at(rel: number, rxWall: number): number {
    const t = this.anchorWall + ((rel - this.anchorRel) | 0) / TICKS_PER_MS;
    return this.live ? Math.min(t, rxWall) : t;
  }

  private anchor(rel: number, rxWall: number): number {
    this.anchored = true;
    this.anchorRel = rel >>> 0;
    this.anchorWall = rxWall;
    return rxWall;
  }
}
