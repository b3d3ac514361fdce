// A child node process killed with SIGKILL a set time after it says `ready`: the kill -9 tests and the kill -9 bench
// run a writer this way and collect what it printed (one line per record it was told was handed over or stored).
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';

/**
 * Runs `script args…` with this process's node options; every stdout line but `ready` goes to `onLine`. Resolves once
 * the child is dead; rejects if it never said `ready` or ended otherwise than by the kill.
 */
export async function runAndKillAfterReady(what: string, script: string, args: string[], ms: number, onLine: (line: string) => void): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let buf = '';
  let ready = false;
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const line of lines) {
      if (line !== 'ready') onLine(line);
      else if (!ready) {
        ready = true;
        setTimeout(() => child.kill('SIGKILL'), ms);
      }
    }
  });
  // 'close', not 'exit': the child can be dead while what it wrote before the kill still waits in the pipe (at full
  // intake up to a pipe's worth of lines), and those records were handed over too.
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, s) => resolve(s)));
  if (!ready) throw new Error(`the ${what} never became ready`);
  if (signal !== 'SIGKILL') throw new Error(`the ${what} ended with ${signal}, not SIGKILL`);
}

/**
 * The child's side: one line into stdout, whole, before it goes on. process.stdout writes a pipe asynchronously on
 * POSIX (what the pipe cannot take at once waits in the child, and a kill -9 takes it, so the parent is not told of
 * records that were stored); fs.writeSync on fd 1 blocks while the pipe is full. A child that prints this way must
 * not touch process.stdout, which would make fd 1 non-blocking (EAGAIN is retried all the same).
 */
export function printLine(line: string): void {
  const bytes = Buffer.from(`${line}\n`);
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(1, bytes, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}
