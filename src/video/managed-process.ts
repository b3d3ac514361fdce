// One supervised child process (ffmpeg or srt-live-transmit): its own process group, progress and a stall watchdog,
// stderr kept redacted and classified, SIGTERM then SIGKILL, restart with exponential backoff and jitter. Any exit
// of a live pipeline is a reason to restart (ffmpeg exits 0 when its input ends or times out), except a
// configuration error, which waits long before it is tried again.
import { spawn, type ChildProcess } from 'node:child_process';
import { Backoff, type BackoffOptions } from '../core/backoff.js';
import type { Logger } from '../core/logger.js';
import { diesWithDaemon, endLeftover, removePidFile, writePidFile } from './child-lifetime.js';
import { classify, RingBuffer, type Failure } from './diagnostics.js';
import { ProgressParser, type Progress } from './progress.js';

export type ProcessState = 'idle' | 'starting' | 'running' | 'stalled' | 'waiting' | 'config-error' | 'stopped';

export interface ProcessSpec {
  /** For logs and status, e.g. "cabin/recorder". */
  name: string;
  command: string;
  /** Rebuilt before every start (ports, bitrate, list file may change). */
  args: () => string[];
  /** Strips secrets from every line of output before it is kept or logged. */
  redact: (line: string) => string;
  /** Parse `-progress pipe:1` on stdout and watch it for stalls (ffmpeg). */
  progress: boolean;
  /** No media progress for this long: the process is stalled and restarted. */
  stallMs: number;
  /** Allowance before the first progress block (RTSP connect, probing). */
  startupMs: number;
  /** After a configuration error (e.g. the passphrase rejected), retry only after this long. */
  configErrorRetryMs: number;
  backoff?: BackoffOptions;
  /** Runs before every start; a throw counts as a failed start. */
  prepare?: () => Promise<void> | void;
  /** Runs after every exit, before the restart is scheduled (e.g. collect a partial segment). */
  afterExit?: (exit: ExitInfo) => Promise<void> | void;
  /**
   * The pid and start time of the running process are kept here; one an earlier daemon left (killed before it could
   * end it) is ended before each start.
   */
  pidFile?: string;
  /** Called with the pid of each new process. */
  onSpawn?: (pid: number) => void;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  onProgress?: (p: Progress) => void;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: string;
  /** Why it ended, in words: stalled, stopped, a classified failure, or the exit code. */
  reason: string;
}

export interface ProcessHealth {
  name: string;
  state: ProcessState;
  pid?: number;
  restarts: number;
  since: string;
  lastExit?: ExitInfo;
  failure?: { kind: string; config: boolean; text: string };
  progress?: { fps: number; speed: number; dropFrames: number; dupFrames: number; outTimeS: number; ageMs: number };
  stderrTail: string[];
}

const HEALTHY_RUN_MS = 30_000;
const KILL_GRACE_MS = 4000;

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private state: ProcessState = 'idle';
  private since = Date.now();
  private restarts = 0;
  private lastExit: ExitInfo | undefined;
  private failure: Failure | undefined;
  private progress: Progress | undefined;
  private lastAdvanceAt = 0;
  private spawnedAt = 0;
  private killReason: string | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopping = false;
  /** Between the decision to start and the spawn (prepare may take a while): a second start must wait its turn. */
  private launching = false;
  private pending: Promise<void> = Promise.resolve();
  private exited: Promise<void> = Promise.resolve();
  private readonly stderr = new RingBuffer();
  private readonly backoff: Backoff;

  constructor(
    private readonly spec: ProcessSpec,
    private readonly log: Logger,
  ) {
    this.backoff = new Backoff(spec.backoff);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    this.stopping = false;
    this.kick();
  }

  /** Ends the process (SIGTERM, then SIGKILL) and starts it again at once, e.g. with new arguments. */
  async restart(reason: string): Promise<void> {
    if (this.stopping) return;
    clearTimeout(this.retryTimer);
    if (this.child) {
      this.killReason = reason;
      this.terminate();
      await this.exited; // the exit handler schedules the next start
    } else {
      this.kick();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.watchdog);
    await this.pending; // a start in progress finishes (or gives up) first
    if (this.child) {
      this.killReason = 'stopped';
      this.terminate();
      await this.exited;
    }
    this.setState('stopped');
  }

  health(): ProcessHealth {
    const p = this.progress;
    return {
      name: this.spec.name,
      state: this.state,
      ...(this.child?.pid !== undefined ? { pid: this.child.pid } : {}),
      restarts: this.restarts,
      since: new Date(this.since).toISOString(),
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(this.failure ? { failure: { kind: this.failure.kind, config: this.failure.config, text: this.failure.text } } : {}),
      ...(p && this.child
        ? {
            progress: {
              fps: p.fps,
              speed: p.speed,
              dropFrames: p.dropFrames,
              dupFrames: p.dupFrames,
              outTimeS: Math.round(p.outTimeUs / 1e5) / 10,
              ageMs: Date.now() - this.lastAdvanceAt,
            },
          }
        : {}),
      stderrTail: this.stderr.tail(),
    };
  }

  private setState(state: ProcessState): void {
    if (state !== this.state) {
      this.state = state;
      this.since = Date.now();
    }
  }

  /** Starts a launch unless one is under way or a process runs; `pending` is what stop() waits for. */
  private kick(): void {
    if (this.stopping || this.child || this.launching) return;
    this.launching = true;
    this.pending = this.launch();
  }

  private async launch(): Promise<void> {
    this.setState('starting');
    try {
      if (this.spec.pidFile) await endLeftover(this.spec.pidFile, this.log, KILL_GRACE_MS);
      await this.spec.prepare?.();
    } catch (err) {
      this.launching = false;
      this.log.warn({ proc: this.spec.name, err: this.spec.redact((err as Error).message) }, 'cannot start');
      this.failure = { kind: 'input-error', config: false, text: this.spec.redact((err as Error).message), line: '' };
      this.scheduleRestart(this.backoff.next());
      return;
    }
    this.launching = false;
    if (this.stopping) return;
    const args = this.spec.args();
    const run = diesWithDaemon(this.spec.command, args, this.log);
    const child = spawn(run.command, run.args, {
      detached: true, // own process group: a signal to -pid reaches everything ffmpeg started
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TZ: 'UTC' }, // -strftime names use local time: make it UTC
    });
    this.child = child;
    this.spawnedAt = Date.now();
    this.lastAdvanceAt = 0;
    this.progress = undefined;
    this.failure = undefined;
    this.killReason = undefined;
    let resolveExited: () => void = () => undefined;
    this.exited = new Promise((r) => (resolveExited = r));
    if (child.pid !== undefined) {
      if (this.spec.pidFile) writePidFile(this.spec.pidFile, child.pid, this.spec.name);
      this.spec.onSpawn?.(child.pid);
    }
    this.log.info({ proc: this.spec.name, pid: child.pid, argv: args.map(this.spec.redact).join(' ') }, 'process started');

    const parser = this.spec.progress ? new ProgressParser((p) => this.onProgress(p)) : undefined;
    let outLine = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (parser) parser.push(chunk);
      if (this.spec.onStdoutLine) outLine = eachLine(outLine + chunk, this.spec.onStdoutLine);
    });
    let errLine = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      errLine = eachLine(errLine + chunk, (line) => this.onStderr(line));
    });
    child.on('error', (err) => {
      // spawn failed (ENOENT: not installed): reported like an exit
      this.failure = { kind: 'encoder-unavailable', config: true, text: `cannot run ${this.spec.command}: ${err.message}`, line: '' };
    });
    child.on('close', (code, signal) => void this.onExit(child, code, signal).finally(resolveExited));
    if (this.spec.progress) {
      clearInterval(this.watchdog);
      this.watchdog = setInterval(() => this.checkStall(), 500);
      this.watchdog.unref();
    } else {
      this.setState('running');
    }
  }

  private onProgress(p: Progress): void {
    const prev = this.progress;
    this.progress = p;
    if (!prev || p.outTimeUs > prev.outTimeUs) {
      this.lastAdvanceAt = Date.now();
      if (this.state === 'starting') this.setState('running');
    }
    this.spec.onProgress?.(p);
  }

  private onStderr(raw: string): void {
    const line = this.spec.redact(raw);
    if (!line.trim()) return;
    this.stderr.push(line);
    const failure = classify(line);
    if (failure) {
      this.failure = failure;
      if (failure.config && this.child) {
        this.log.error({ proc: this.spec.name, kind: failure.kind, line }, failure.text);
        this.killReason = failure.kind;
        this.terminate();
      }
    }
    this.spec.onStderrLine?.(line);
  }

  private checkStall(): void {
    if (!this.child || this.killReason) return;
    const now = Date.now();
    const stalled = this.lastAdvanceAt === 0 ? now - this.spawnedAt > this.spec.startupMs : now - this.lastAdvanceAt > this.spec.stallMs;
    if (!stalled) return;
    this.log.warn({ proc: this.spec.name, sinceProgressMs: now - (this.lastAdvanceAt || this.spawnedAt) }, 'stalled: restarting');
    this.setState('stalled');
    this.killReason = 'stalled';
    this.terminate();
  }

  /** SIGTERM (with SIGCONT, in case it was stopped) to the whole group, SIGKILL if it is still there after a grace. */
  private terminate(): void {
    const child = this.child;
    if (!child?.pid) return;
    const group = -child.pid;
    signalGroup(group, 'SIGTERM');
    signalGroup(group, 'SIGCONT');
    const killer = setTimeout(() => signalGroup(group, 'SIGKILL'), KILL_GRACE_MS);
    killer.unref();
    child.once('close', () => clearTimeout(killer));
  }

  private async onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.child !== child) return;
    clearInterval(this.watchdog);
    // Whatever it started is ended with it (a stray helper must not keep the camera or a port).
    if (child.pid) signalGroup(-child.pid, 'SIGKILL');
    if (this.spec.pidFile) removePidFile(this.spec.pidFile);
    const ranMs = Date.now() - this.spawnedAt;
    const reason = this.killReason ?? this.failure?.text ?? (code === 0 ? 'input ended' : `exit ${signal ?? code}`);
    this.lastExit = { code, signal, at: new Date().toISOString(), reason };
    this.child = undefined;
    if (!this.stopping) this.restarts++;
    const level = this.stopping ? 'info' : 'warn';
    this.log[level]({ proc: this.spec.name, code, signal, reason, ranMs }, 'process exited');
    try {
      await this.spec.afterExit?.(this.lastExit);
    } catch (err) {
      this.log.error({ proc: this.spec.name, err: (err as Error).message }, 'after-exit step failed');
    }
    if (this.stopping) return;
    if (ranMs > HEALTHY_RUN_MS) this.backoff.reset();
    if (this.failure?.config) {
      this.setState('config-error');
      this.scheduleRestart(this.spec.configErrorRetryMs);
    } else if (this.killReason && this.killReason !== 'stalled' && !this.failure) {
      this.scheduleRestart(0); // asked for (new settings): at once
    } else {
      this.setState('waiting');
      this.scheduleRestart(this.backoff.next());
    }
  }

  private scheduleRestart(delayMs: number): void {
    if (this.stopping) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.kick(), delayMs);
  }
}

function signalGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch {
    /* already gone */
  }
}

/** Calls `fn` for each complete line of `text`; returns the incomplete rest. */
function eachLine(text: string, fn: (line: string) => void): string {
  let start = 0;
  let nl: number;
  while ((nl = text.indexOf('\n', start)) !== -1) {
    fn(text.slice(start, nl).replace(/\r$/, ''));
    start = nl + 1;
  }
  const rest = text.slice(start);
  return rest.length > 8192 ? '' : rest;
}
