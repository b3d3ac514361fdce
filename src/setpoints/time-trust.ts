// Can the gateway's wall clock be trusted to judge a command's freshness? Only when it is synchronised (the time
// service's flag file, e.g. systemd-timesyncd's /run/systemd/timesync/synchronized, exists) and has not stepped
// since the last synchronisation. A step is seen by comparing how far the wall clock and the monotonic clock moved
// between two looks; it is logged with both times, and remote setpoints stay refused until the time service
// synchronises again (the flag file is touched after the step). A slew (NTP's gradual correction) is no step.
import { statSync } from 'node:fs';
import type { Clock } from '../core/clock.js';
import type { TimeQuality } from '../audit/entry.js';

export interface TimeTrustSettings {
  requireSync: boolean;
  syncFile: string;
  stepThresholdMs: number;
  checkIntervalMs: number;
}

export interface ClockStep {
  wallBefore: number;
  wallAfter: number;
  monoAt: number;
  stepMs: number;
}

export class TimeTrust {
  private timer: NodeJS.Timeout | undefined;
  private lastWall = 0;
  private lastMono = 0;
  /** Wall time (after the step) of the last step not yet followed by a synchronisation. */
  private steppedAt: number | undefined;

  constructor(
    private readonly settings: TimeTrustSettings,
    private readonly clock: Clock,
    private readonly onStep: (step: ClockStep) => void,
  ) {}

  start(): void {
    this.lastWall = this.clock.wallMs();
    this.lastMono = this.clock.monoMs();
    this.timer = setInterval(() => this.look(), this.settings.checkIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Looks for a step now (also called before every freshness check, so a step is never missed by a command). */
  look(): void {
    const wall = this.clock.wallMs();
    const mono = this.clock.monoMs();
    const drift = wall - this.lastWall - (mono - this.lastMono);
    if (Math.abs(drift) >= this.settings.stepThresholdMs) {
      this.steppedAt = wall;
      this.onStep({ wallBefore: this.lastWall + (mono - this.lastMono), wallAfter: wall, monoAt: mono, stepMs: drift });
    }
    this.lastWall = wall;
    this.lastMono = mono;
  }

  private syncedAt(): number | undefined {
    try {
      return statSync(this.settings.syncFile).mtimeMs;
    } catch {
      return undefined;
    }
  }

  /** undefined when trusted; otherwise why not. */
  untrustedBecause(): string | undefined {
    this.look();
    const synced = this.syncedAt();
    if (this.steppedAt !== undefined) {
      // A synchronisation after the step, and not from the future of the current clock (a flag file touched before
      // a backward step would otherwise look like a fresh synchronisation).
      if (synced !== undefined && synced >= this.steppedAt && synced <= this.clock.wallMs() + this.settings.stepThresholdMs) this.steppedAt = undefined;
      else return `the clock stepped at ${new Date(this.steppedAt).toISOString()} and has not been synchronised since`;
    }
    if (this.settings.requireSync && synced === undefined) return `the clock is not synchronised (no ${this.settings.syncFile})`;
    return undefined;
  }

  quality(): TimeQuality {
    if (this.steppedAt !== undefined) return 'stepped';
    return this.syncedAt() === undefined ? 'unsynced' : 'synced';
  }
}
