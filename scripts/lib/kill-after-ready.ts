// A child node process killed with SIGKILL a set time after it says `ready`: the kill -9 tests and the kill -9 bench
// run a writer this way and collect what it printed (one line per record it was told was handed over or stored).
import { spawn } from 'node:child_process';

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
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, s) => resolve(s)));
  if (!ready) throw new Error(`the ${what} never became ready`);
  if (signal !== 'SIGKILL') throw new Error(`the ${what} ended with ${signal}, not SIGKILL`);
}
