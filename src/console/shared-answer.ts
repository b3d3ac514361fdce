// One answer shared by every console that asks within a short time: each open console polls the gateway's status and
// the pending setpoints, and two consoles polling on their own clocks would otherwise make the daemon compute the same
// answer twice a period. A failed answer is not kept.
import type { Clock } from '../core/clock.js';

export class SharedAnswer<T> {
  private answer: Promise<T> | undefined;
  private at = 0;

  constructor(
    private readonly clock: Clock,
    private readonly maxAgeMs: number,
    private readonly compute: () => Promise<T>,
  ) {}

  get(): Promise<T> {
    const now = this.clock.monoMs();
    if (this.answer && now - this.at < this.maxAgeMs) return this.answer;
    this.at = now;
    const answer = this.compute();
    this.answer = answer;
    answer.catch(() => {
      if (this.answer === answer) this.answer = undefined;
    });
    return answer;
  }

  /** The next get computes afresh (after a change the asker must see at once). */
  forget(): void {
    this.answer = undefined;
  }
}
