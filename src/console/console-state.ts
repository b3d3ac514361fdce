// What a console shows of the daemon itself: the gateway's status (the sections of `ambulink status` and the devices)
// and the pending remote setpoints. One answer serves every console that asks within a short time (the HTTP API on a
// page load, the pushed state while consoles are open), so two consoles never make the daemon compute it twice.
import type { ControlServer } from '../control/server.js';
import type { Clock } from '../core/clock.js';
import type { StatusReport } from '../daemon/control-api.js';
import type { CanonicalRecord } from '../schema/records.js';
import type { ConsoleDevice, ConsoleStatus, LatestValue, PendingSetpoint } from './api-types.js';
import { SharedAnswer } from './shared-answer.js';

/** How long one status answer serves: less than the push period (2 s), so that each push is fresh even when its
 * timer fires a little early, while page loads close together share one. */
const STATUS_SHARED_MS = 1500;
/** Pending setpoints are looked at every second (the same margin); a decision makes the next answer fresh. */
const PENDING_SHARED_MS = 750;

/** What a page shows as text, and so what it is given of the latest values as it loads (see LatestValue). */
const SHOWN_AS_TEXT = new Set<CanonicalRecord['kind']>(['numeric', 'setting', 'alarm', 'device', 'score', 'milestone', 'lab', 'location']);

export class ConsoleState {
  private readonly statusAnswer: SharedAnswer<Omit<ConsoleStatus, 'at'>>;
  private readonly pendingAnswer: SharedAnswer<PendingSetpoint[]>;

  constructor(
    private readonly clock: Clock,
    private readonly control: ControlServer,
    /** Whether the setpoint service runs (its control methods exist). */
    private readonly setpoints: boolean,
  ) {
    this.statusAnswer = new SharedAnswer(clock, STATUS_SHARED_MS, async () => {
      const [status, devices] = (await Promise.all([control.call('status'), control.call('devices')])) as [StatusReport, ConsoleDevice[]];
      return { sections: status.sections, devices };
    });
    this.pendingAnswer = new SharedAnswer(clock, PENDING_SHARED_MS, async () =>
      this.setpoints ? ((await this.control.call('setpoint.pending')) as PendingSetpoint[]) : [],
    );
  }

  /**
   * The status, stamped with the daemon's time as it is handed out, not when the shared answer was made: the page
   * takes the difference to its own clock as the clock skew (for the time left to decide a setpoint), and an answer up
   * to STATUS_SHARED_MS old would add its age to it (a setpoint's 30 s then showed as 31 s left).
   */
  async status(): Promise<ConsoleStatus> {
    const answer = await this.statusAnswer.get();
    return { at: new Date(this.clock.wallMs()).toISOString(), ...answer };
  }

  pending(): Promise<PendingSetpoint[]> {
    return this.pendingAnswer.get();
  }

  /** The latest values a page shows as text, every device's (asked once per page load: not shared). */
  async latest(): Promise<LatestValue[]> {
    const snapshot = (await this.control.call('latest')) as Record<string, LatestValue[]>;
    return Object.values(snapshot).flatMap((entries) => entries.filter((e) => SHOWN_AS_TEXT.has(e.record.kind)).map(({ ageMs, record }) => ({ ageMs, record })));
  }

  /** After a crew decision: the next answer is computed afresh. */
  pendingChanged(): void {
    this.pendingAnswer.forget();
  }
}
