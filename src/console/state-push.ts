// Pushes the console state (status and pending setpoints) on the local broker while a console is connected: one
// message every 2 s that every open console receives over the WebSocket it already has, and one at once when the
// pending setpoints change. Polling the HTTP API instead cost each console three HTTPS requests a second (parse,
// route, answer, TLS), more than the whole record feed; the page now asks the API once, when it loads.
import type { ConsoleStateMessage, PendingSetpoint } from './api-types.js';
import type { ConsoleState } from './console-state.js';

const TICK_MS = 1000;
/** Status every this many ticks; pending setpoints every tick, pushed when they changed. */
const STATUS_EVERY_TICKS = 2;

export interface StatePushDeps {
  state: ConsoleState;
  /** Whether any console is connected now. */
  wanted(): boolean;
  publish(payload: string): void;
  onError(err: Error): void;
}

export class StatePush {
  private timer: NodeJS.Timeout | undefined;
  private ticks = 0;
  private lastPending = '';
  private running = false;

  constructor(private readonly deps: StatePushDeps) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Pushes a fresh state now (after a crew decision), whatever the tick. */
  async pushNow(): Promise<void> {
    if (this.deps.wanted()) await this.push(true);
  }

  private async tick(): Promise<void> {
    if (!this.deps.wanted()) {
      // Nobody reads it: the next console gets a full state on the first tick it is there.
      this.ticks = 0;
      this.lastPending = '';
      return;
    }
    await this.push(this.ticks++ % STATUS_EVERY_TICKS === 0);
  }

  private async push(withStatus: boolean): Promise<void> {
    // One push at a time: a slow control method must not pile pushes up.
    if (this.running) return;
    this.running = true;
    try {
      const pending: PendingSetpoint[] = await this.deps.state.pending();
      const pendingJson = JSON.stringify(pending);
      if (!withStatus && pendingJson === this.lastPending) return;
      this.lastPending = pendingJson;
      const message: ConsoleStateMessage = { status: await this.deps.state.status(), pending };
      this.deps.publish(JSON.stringify(message));
    } catch (err) {
      this.deps.onError(err as Error);
    } finally {
      this.running = false;
    }
  }
}
