// Video children (ffmpeg, srt-live-transmit) must not outlive the daemon, whatever ends it — kill -9 included, and not
// only under systemd, whose cgroup would take them along. Two parts:
//
// - Each child is started through util-linux `setpriv --pdeathsig KILL -- <program> …`: setpriv sets
//   PR_SET_PDEATHSIG between fork and exec (Node's spawn cannot) and then execs the program, same pid. The signal is
//   sent when the *thread* that forked the child ends, not the process: Node's child_process.spawn forks from the
//   main thread (libuv's uv_spawn runs on the event loop), which lives exactly as long as the daemon — so it fires
//   when the daemon dies, never earlier. Without setpriv the daemon says so once and runs the programs directly.
// - Each child's pid and its start time (field 22 of /proc/<pid>/stat, so a reused pid is never mistaken for it) are
//   written to a pid file beside what it writes. A daemon that starts finds the files an earlier run left, ends
//   those processes (SIGTERM to the group, SIGKILL after a grace) before starting its own, so nothing keeps writing
//   segments that no manifest will sign; the recorder's sweep then signs in what they wrote.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Logger } from '../core/logger.js';

let setprivChecked: { path: string | undefined; why?: string } | undefined;
let warned = false;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A program as spawn would find it: a path that is executable, or a bare name on the PATH. */
function findProgram(command: string, env: NodeJS.ProcessEnv): string | undefined {
  if (command.includes('/')) return executable(command) ? command : undefined;
  return (env.PATH ?? '').split(delimiter).map((dir) => dir && join(dir, command)).find((c) => c && executable(c)) || undefined;
}

/** setpriv with --pdeathsig: $SETPRIV_PATH, else on the PATH; undefined (and why) when there is none that can. */
export function resolveSetpriv(env: NodeJS.ProcessEnv = process.env): { path: string | undefined; why?: string } {
  if (setprivChecked) return setprivChecked;
  const path = env.SETPRIV_PATH || findProgram('setpriv', env);
  if (!path) return (setprivChecked = { path: undefined, why: 'setpriv (util-linux) not found' });
  try {
    const help = execFileSync(path, ['--help'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'pipe'] });
    setprivChecked = help.includes('--pdeathsig') ? { path } : { path: undefined, why: `${path} has no --pdeathsig (util-linux ≥ 2.33 has)` };
  } catch (err) {
    setprivChecked = { path: undefined, why: `${path} --help failed: ${(err as Error).message}` };
  }
  return setprivChecked;
}

/**
 * The command line that makes `command` die with the daemon — with the process that spawns it, whichever that is —
 * (or the command itself, with a warning, without setpriv). `signal` is what it gets then: KILL by default; TERM for a
 * child that should stop cleanly on its own (the demo's daemon).
 */
export function diesWithDaemon(command: string, args: string[], log: Logger, signal: 'KILL' | 'TERM' = 'KILL'): { command: string; args: string[] } {
  // A program that cannot be run is spawned as it is, so that the failure is reported as the program's, not setpriv's.
  if (!findProgram(command, process.env)) return { command, args };
  const setpriv = resolveSetpriv();
  if (setpriv.path) return { command: setpriv.path, args: ['--pdeathsig', signal, '--', command, ...args] };
  if (!warned) {
    warned = true;
    log.warn({ why: setpriv.why }, 'video children will not die with the daemon on kill -9 (install util-linux setpriv); a restarted daemon still ends what it left');
  }
  return { command, args };
}

/** The kernel's start time of a process (clock ticks since boot), or undefined when it is gone or a zombie. */
export function startTimeOf(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // After "pid (comm) ": state is field 3, starttime field 22. comm may hold spaces and parentheses: cut at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
  return fields[19];
}

interface PidRecord {
  pid: number;
  startTime: string;
  name: string;
}

export function writePidFile(file: string, pid: number, name: string): void {
  const startTime = startTimeOf(pid);
  if (startTime === undefined) return; // already gone
  writeFileSync(file, `${JSON.stringify({ pid, startTime, name } satisfies PidRecord)}\n`);
}

export function removePidFile(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    /* not there */
  }
}

const signal = (target: number, sig: NodeJS.Signals) => {
  try {
    process.kill(target, sig);
  } catch {
    /* gone, or not ours to signal */
  }
};

/**
 * Ends the process an earlier daemon recorded in `file`, if it is still that process (same pid and start time):
 * SIGTERM (and SIGCONT) to its group, SIGKILL after `graceMs`, and waits until it is gone. Returns its pid if it did.
 */
export async function endLeftover(file: string, log: Logger, graceMs = 4000): Promise<number | undefined> {
  if (!existsSync(file)) return undefined;
  let rec: Partial<PidRecord> = {};
  try {
    rec = JSON.parse(readFileSync(file, 'utf8')) as Partial<PidRecord>;
  } catch {
    log.warn({ file }, 'unreadable pid file left by an earlier run: removed');
  }
  removePidFile(file);
  const { pid, startTime } = rec;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 1 || typeof startTime !== 'string') return undefined;
  if (startTimeOf(pid) !== startTime) return undefined; // gone, or the pid now belongs to another process
  log.warn({ proc: rec.name, pid }, 'ending a process left running by an earlier daemon');
  for (const sig of ['SIGTERM', 'SIGCONT'] as const) {
    signal(-pid, sig);
    signal(pid, sig);
  }
  const deadline = Date.now() + graceMs;
  while (startTimeOf(pid) === startTime && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (startTimeOf(pid) === startTime) {
    log.warn({ proc: rec.name, pid, graceMs }, 'it did not stop on SIGTERM: SIGKILL');
    signal(-pid, 'SIGKILL');
    signal(pid, 'SIGKILL');
    for (let i = 0; i < 100 && startTimeOf(pid) === startTime; i++) await new Promise((r) => setTimeout(r, 50));
  }
  return pid;
}
