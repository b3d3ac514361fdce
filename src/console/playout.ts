// How far into a waveform's samples a console draws. The feed brings waves in batches (FEED_MS apart); drawn as they
// arrive, a wave would jump forward a batch at a time. Instead each wave is revealed at its own sample rate, one batch
// behind what has arrived, so it scrolls evenly; a wave that falls far behind (a hidden tab, a stall and a burst)
// jumps to one batch behind. Used by the page (wave-canvas.tsx); a pure function, so that it can be tested alone.
import { FEED_MS } from '../broker/feed-period.js';

/** How far behind the newest sample the drawing runs: one feed batch and a margin for its jitter. */
export const PLAYOUT_LAG_S = FEED_MS / 1000 + 0.1;
/** Further behind than this, the drawing jumps forward (to PLAYOUT_LAG_S behind) rather than catching up. */
export const PLAYOUT_MAX_LAG_S = 1.5;

/**
 * The sample position to draw up to, `elapsedMs` after the last drawing at `shown`, with `written` samples arrived:
 * advanced at `rate` samples per second, never past `written`. `shown` undefined: the first drawing of this wave.
 */
export function playoutPosition(shown: number | undefined, written: number, rate: number, elapsedMs: number): number {
  const lagged = Math.max(0, written - PLAYOUT_LAG_S * rate);
  if (shown === undefined || written - shown > PLAYOUT_MAX_LAG_S * rate) return lagged;
  return Math.min(written, shown + (rate * Math.max(0, elapsedMs)) / 1000);
}
