// Exponential backoff with jitter, for reconnects and restarts: a fleet of vehicles coming out of the same tunnel
// must not reconnect in lockstep, and a device that is gone must not be hammered.
export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Fraction of the delay that is randomised, 0..1 (0.2 = ±20 %). */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = { initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions = defaultBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts an attempt. */
  next(): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt++;
    const spread = base * jitter;
    return Math.max(0, Math.round(base - spread + this.random() * 2 * spread));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
