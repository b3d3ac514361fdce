// Adaptive live bitrate: down fast when the link is congested, up slowly after a sustained good spell, with
// hysteresis so that a noisy link does not make the live leg restart every few seconds. Thresholds are relative to
// the SRT latency budget, in the manner of BELABOX's controller: SRT retransmits until the budget is spent, so RTT and
// sender buffer approaching it mean packets are about to be dropped at the receiver.
import type { LinkSample } from './link-conditions.js';

export interface BitrateLimits {
  minKbps: number;
  maxKbps: number;
  /** SRT latency, ms: the budget the thresholds are fractions of. */
  latencyMs: number;
}

export interface BitrateTuning {
  /** Good conditions needed, without interruption, before each step up. */
  upAfterMs: number;
  /** After any change, how long before stepping down again (the change needs time to show in the statistics). */
  downHoldMs: number;
  /** Step up by this fraction of the current rate. */
  upStep: number;
  /** Step down to this fraction when strained, and to `severeDown` when congested. */
  down: number;
  severeDown: number;
}

export const defaultTuning: BitrateTuning = { upAfterMs: 15_000, downHoldMs: 3000, upStep: 0.1, down: 0.8, severeDown: 0.5 };

export type LinkVerdict = 'congested' | 'strained' | 'good' | 'fair';

export function judge(s: LinkSample, latencyMs: number): LinkVerdict {
  const loss = s.lossRatio ?? 0;
  const buf = s.sendBufferMs ?? 0;
  if (s.rttMs >= latencyMs / 3 || buf >= latencyMs / 2 || loss >= 0.1) return 'congested';
  if (s.rttMs >= latencyMs / 5 || buf >= latencyMs / 4 || loss >= 0.02) return 'strained';
  if (s.rttMs < latencyMs / 8 && buf < latencyMs / 10 && loss < 0.005) return 'good';
  return 'fair';
}

export class BitrateController {
  private current: number;
  private lastChangeAt = -Infinity;
  private goodSince: number | undefined;
  lastVerdict: LinkVerdict | undefined;

  constructor(
    private readonly limits: BitrateLimits,
    private readonly tuning: BitrateTuning = defaultTuning,
  ) {
    this.current = limits.maxKbps;
  }

  get kbps(): number {
    return this.current;
  }

  /** Takes one measurement (at monotonic time `nowMs`); returns the new target when it changes. */
  observe(sample: LinkSample, nowMs: number): number | undefined {
    const verdict = judge(sample, this.limits.latencyMs);
    this.lastVerdict = verdict;
    const { minKbps, maxKbps } = this.limits;
    if (verdict === 'congested' || verdict === 'strained') {
      this.goodSince = undefined;
      if (nowMs - this.lastChangeAt < this.tuning.downHoldMs) return undefined;
      const factor = verdict === 'congested' ? this.tuning.severeDown : this.tuning.down;
      return this.set(Math.max(minKbps, Math.min(this.current - 50, round50(this.current * factor))), nowMs);
    }
    if (verdict !== 'good') {
      this.goodSince = undefined;
      return undefined;
    }
    this.goodSince ??= nowMs;
    if (this.current >= maxKbps || nowMs - this.goodSince < this.tuning.upAfterMs) return undefined;
    this.goodSince = nowMs; // the next step needs another full good spell
    return this.set(Math.min(maxKbps, Math.max(this.current + 50, round50(this.current * (1 + this.tuning.upStep)))), nowMs);
  }

  private set(kbps: number, nowMs: number): number | undefined {
    if (kbps === this.current) return undefined;
    this.current = kbps;
    this.lastChangeAt = nowMs;
    return kbps;
  }
}

function round50(kbps: number): number {
  return Math.round(kbps / 50) * 50;
}
