// Slows down password guessing at the console's login: after a few failures from one address, that address waits.
import type { Clock } from '../core/clock.js';

const FAILURES = 5;
const WINDOW_MS = 60_000;
const LOCKOUT_MS = 30_000;
/** Addresses remembered at most (a vehicle LAN has a handful of tablets). */
const MAX_ADDRESSES = 1024;

export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  /** Seconds to wait before this address may try again; 0 when it may. */
  waitS(address: string): number {
    const recent = this.recent(address);
    if (recent.length < FAILURES) return 0;
    return Math.max(0, Math.ceil((recent[recent.length - 1]! + LOCKOUT_MS - this.clock.monoMs()) / 1000));
  }

  failed(address: string): void {
    if (!this.failures.has(address) && this.failures.size >= MAX_ADDRESSES) this.failures.delete(this.failures.keys().next().value!);
    this.failures.set(address, [...this.recent(address), this.clock.monoMs()]);
  }

  succeeded(address: string): void {
    this.failures.delete(address);
  }

  private recent(address: string): number[] {
    const now = this.clock.monoMs();
    return (this.failures.get(address) ?? []).filter((t) => now - t < Math.max(WINDOW_MS, LOCKOUT_MS));
  }
}
