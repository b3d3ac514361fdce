// `ambulink demo` as a child process for the console's screenshot and bench scripts: started from the built CLI,
// ready when its crew console answers, stopped with SIGTERM (SIGKILL after a grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { join } from 'node:path';
import { packageRoot } from '../../src/core/paths.js';

export const DEMO_CONSOLE = 'https://127.0.0.1:18443/';
export const DEMO_HOSPITAL_VIEW = 'http://127.0.0.1:18444/';

export function cli(args: string[], stdio: 'ignore' | 'inherit' = 'ignore'): ChildProcess {
  return spawn(process.execPath, [join(packageRoot(), 'dist', 'src', 'cli', 'main.js'), ...args], { stdio: ['ignore', stdio, stdio] });
}

function answers(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    https
      .get(url, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('error', () => resolve(false));
  });
}

export async function startDemo(): Promise<ChildProcess> {
  // Another demo's console would answer for ours (the demo's ports are fixed): measure and shoot only our own.
  if (await answers(DEMO_CONSOLE)) throw new Error(`something already answers at ${DEMO_CONSOLE}: stop the running demo first`);
  const demo = cli(['demo', '--plain']);
  const deadline = Date.now() + 90_000;
  while (!(await answers(DEMO_CONSOLE))) {
    if (demo.exitCode !== null) throw new Error(`ambulink demo exited (${demo.exitCode}) before its console answered`);
    if (Date.now() > deadline) throw new Error(`the demo console did not answer at ${DEMO_CONSOLE} within 90 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  return demo;
}

export async function stopDemo(demo: ChildProcess): Promise<void> {
  if (demo.exitCode !== null) return;
  const exited = new Promise((r) => demo.once('exit', r));
  demo.kill('SIGTERM');
  const killer = setTimeout(() => demo.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}
