// What `ambulink demo` does in place of systemd: the daemon is restarted when it dies (Restart=on-failure, with a
// delay that doubles on each quick failure and resets once a run lasted), and everything the demo started is
// stopped on SIGINT/SIGTERM within a bound: the daemon first (SIGTERM, SIGKILL after a grace), then every stand-in at
// once, each with its own deadline so one that hangs cannot hold the others or the exit.
import type { ChildProcess } from 'node:child_process';

export interface Backoff {
  initialMs: number;
  maxMs: number;
  /** A run at least this long counts as healthy: the next failure restarts after `initialMs` again. */
  healthyAfterMs: number;
}

export const DEMO_BACKOFF: Backoff = { initialMs: 1000, maxMs: 30_000, healthyAfterMs: 60_000 };

/** A part of the demo to stop on the way out (a simulator, a stand-in broker or listener, a view). */
export interface Closer {
  name: string;
  close(): Promise<void>;
}

const exited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Resolves when the child has exited (at once if it already has). */
export function exitOf(child: ChildProcess): Promise<void> {
  return exited(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL when it has not exited after `graceMs`; resolves when it is gone. */
export async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  const gone = exitOf(child);
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(killer);
}

export class SupervisedDaemon {
  private child: ChildProcess | undefined;
  private startedAt = 0;
  private delayMs = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  restarts = 0;

  /**
   * `spawnDaemon` starts one daemon process; `say` puts a line on the demo's screen; `onStarted` runs for every
   * process started, the first and each restart (e.g. to wait until it answers).
   */
  constructor(
    private readonly spawnDaemon: () => ChildProcess,
    private readonly say: (line: string) => void,
    private readonly backoff: Backoff = DEMO_BACKOFF,
    private readonly onStarted: (child: ChildProcess) => void = () => undefined,
  ) {}

  /** The daemon process now running, if any (none while a restart is pending). */
  get current(): ChildProcess | undefined {
    return this.child && !exited(this.child) ? this.child : undefined;
  }

  start(): ChildProcess {
    const child = this.spawnDaemon();
    this.child = child;
    this.startedAt = Date.now();
    child.once('exit', (code, signal) => this.exited(child, code, signal));
    this.onStarted(child);
    return child;
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    const ranMs = Date.now() - this.startedAt;
    this.delayMs = ranMs >= this.backoff.healthyAfterMs || this.delayMs === 0 ? this.backoff.initialMs : Math.min(this.backoff.maxMs, this.delayMs * 2);
    this.restarts++;
    this.say(
      `the daemon (pid ${child.pid}) exited unexpectedly (${signal ?? `code ${code}`}) after ${(ranMs / 1000).toFixed(1)} s; ` +
        `restarting it in ${(this.delayMs / 1000).toFixed(0)} s (restart ${this.restarts}), as systemd would`,
    );
    this.timer = setTimeout(() => {
      if (this.stopping) return;
      const next = this.start();
      this.say(`the daemon was restarted (pid ${next.pid})`);
    }, this.delayMs);
  }

  /** No more restarts; the running daemon is terminated (SIGKILL after `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    if (this.child) await terminate(this.child, graceMs);
  }
}

/**
 * Closes every part at once; one that has not finished after `deadlineMs` is reported and left behind (the process
 * is exiting: what it holds in-process goes with it).
 */
export async function closeAll(closers: readonly Closer[], deadlineMs: number, say: (line: string) => void): Promise<void> {
  await Promise.all(
    closers.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
      const outcome = await Promise.race([c.close().then(() => 'closed' as const, (err: Error) => err), late]);
      clearTimeout(timer);
      if (outcome === 'late') say(`${c.name} did not stop within ${deadlineMs} ms; leaving it`);
      else if (outcome instanceof Error) say(`${c.name} failed to stop: ${outcome.message}`);
    }),
  );
}
