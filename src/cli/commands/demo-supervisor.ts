// What `ambulink demo` does in place of systemd: the daemon is restarted when it dies (Restart=on-failure, with a
// delay that doubles on each quick failure and resets once a run lasted), and everything the demo started is
// stopped on SIGINT/SIGTERM within a budget (see stopDemo): the daemon (SIGTERM, SIGKILL after a grace) and at the
// same time what neither serves it nor is served by it; what the daemon talks to on its way out (the stand-in
// hospital broker, the HL7 and FHIR stand-ins, the simulators) once it has gone; each part with a deadline so one
// that hangs holds neither the others nor the exit.
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
  /**
   * Stopped together with the daemon rather than after it: the daemon does not talk to it (a view for the user, the
   * stand-in SRT ingest that only receives). The others (its devices' simulators, the brokers and listeners it sends
   * to) stay until the daemon has gone, so that it stops as it would in the vehicle.
   */
  withDaemon?: boolean;
}

/** 1, 30, 0.5: whole seconds as such, shorter delays (tests) to a tenth. */
const seconds = (ms: number) => (ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(1));

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
        `restarting it in ${seconds(this.delayMs)} s (restart ${this.restarts}), as systemd would`,
    );
    this.timer = setTimeout(() => {
      if (this.stopping) return;
      const next = this.start();
      this.say(`the daemon was restarted (pid ${next.pid})`);
    }, this.delayMs);
  }

  /**
   * No more restarts from now on: the demo is stopping. (On Ctrl-C in a terminal the daemon gets the SIGINT too and
   * may be gone before the demo stops it: that is no failure to restart from.)
   */
  endRestarts(): void {
    this.stopping = true;
    clearTimeout(this.timer);
  }

  /** No more restarts; the running daemon is terminated (SIGKILL after `graceMs`). */
  async stop(graceMs: number): Promise<void> {
    this.endRestarts();
    if (this.child) await terminate(this.child, graceMs);
  }
}

/**
 * Closes every part at once; one that has not finished after `deadlineMs` is reported and left to end with the
 * process (the demo exits right after: what a part holds in-process goes with it, and its child processes die with
 * the demo). Resolves with the names of those left.
 */
export async function closeAll(closers: readonly Closer[], deadlineMs: number, say: (line: string) => void): Promise<string[]> {
  const left: string[] = [];
  await Promise.all(
    closers.map(async (c) => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), deadlineMs)));
      const outcome = await Promise.race([c.close().then(() => 'closed' as const, (err: Error) => err), late]);
      clearTimeout(timer);
      if (outcome === 'late') {
        left.push(c.name);
        say(`${c.name} did not stop within ${deadlineMs} ms; it ends with the demo`);
      } else if (outcome instanceof Error) say(`${c.name} failed to stop: ${outcome.message}`);
    }),
  );
  return left;
}

/** How the demo's stop is spent, in ms from its start; the demo exits by `exitMs` whatever still runs. */
export interface StopBudget {
  /** SIGKILL to a daemon still running then. */
  daemonKillMs: number;
  /** The deadline of every closer. */
  closersMs: number;
  exitMs: number;
}

/** Within the issue's 5 s, with room for a loaded machine between the exit and whoever waits for it. */
export const DEMO_STOP_BUDGET: StopBudget = { daemonKillMs: 2500, closersMs: 3300, exitMs: 4000 };

/**
 * Stops the daemon (no more restarts) and every closer by the budget, counted from `startedAt` (when the stop was
 * asked for). Resolves with the names of the parts that were left running (see closeAll).
 */
export async function stopDemo(
  daemon: SupervisedDaemon | undefined,
  closers: readonly Closer[],
  startedAt: number,
  say: (line: string) => void,
  budget: StopBudget = DEMO_STOP_BUDGET,
): Promise<string[]> {
  const remaining = (ms: number) => Math.max(100, startedAt + ms - Date.now());
  const withDaemon = closeAll(
    closers.filter((c) => c.withDaemon),
    remaining(budget.closersMs),
    say,
  );
  const daemonGone = daemon?.stop(remaining(budget.daemonKillMs));
  // A daemon SIGKILLed at its grace exits at once; should it not even then, the parts it talks to go anyway.
  await Promise.race([daemonGone, new Promise((r) => setTimeout(r, remaining(budget.closersMs)).unref())]);
  const after = await closeAll(
    closers.filter((c) => !c.withDaemon),
    remaining(budget.closersMs),
    say,
  );
  return [...(await withDaemon), ...after, ...(daemon?.current ? ['the daemon'] : [])];
}
