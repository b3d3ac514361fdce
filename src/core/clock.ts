// Time sources. Wall time for timestamps, the system monotonic clock (CLOCK_MONOTONIC, ms since boot) for ordering
// and durations: it survives daemon restarts and never steps when NTP or the crew sets the clock.
export interface Clock {
  /** Wall clock, ms since the epoch. */
  wallMs(): number;
  /** Monotonic clock, ms since boot. */
  monoMs(): number;
}

export const systemClock: Clock = {
  wallMs: () => Date.now(),
  monoMs: () => Number(process.hrtime.bigint() / 1000n) / 1000,
};

/** When a frame arrived: both clocks read once, at the edge. */
export interface RxTime {
  wallMs: number;
  monoMs: number;
}

export function rxNow(clock: Clock = systemClock): RxTime {
  return { wallMs: clock.wallMs(), monoMs: clock.monoMs() };
}

export function isoMs(ms: number): string {
  return new Date(ms).toISOString();
}
