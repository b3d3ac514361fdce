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

/** The latest time a Date can hold (ECMA-262: 8.64e15 ms after the epoch). */
const LAST_DATE_MS = 8.64e15;
// Two seconds' date parts: a record's receivedAt (now) and observedAt (the device's clock) are often in different ones.
const cachedSecond = [NaN, NaN];
const cachedPrefix = ['', ''];
let replaceNext = 0;

/**
 * ms since the epoch as ISO 8601 with milliseconds, exactly as Date#toISOString writes it. Every record carries two of
 * these, so the date part is formatted once per second and only the milliseconds per call (a Date and its formatting
 * were 6 % of the pipeline's CPU).
 */
export function isoMs(ms: number): string {
  const t = Math.trunc(ms);
  const second = Math.floor(t / 1000);
  let slot = second === cachedSecond[0] ? 0 : second === cachedSecond[1] ? 1 : -1;
  if (slot < 0) {
    // Before 1970, NaN, the last second Date can hold and beyond: as Date has it (including its RangeError).
    if (!(t >= 0 && t < LAST_DATE_MS - 1000)) return new Date(ms).toISOString();
    slot = replaceNext;
    replaceNext = 1 - slot;
    cachedPrefix[slot] = new Date(second * 1000).toISOString().slice(0, -4); // "YYYY-MM-DDTHH:MM:SS."
    cachedSecond[slot] = second;
  }
  const milli = t - second * 1000;
  return cachedPrefix[slot]! + (milli < 10 ? '00' : milli < 100 ? '0' : '') + milli + 'Z';
}
