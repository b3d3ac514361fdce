// Ending what an earlier daemon left: a process recorded in a pid file is ended only if it is still that process
// (same start time), with SIGTERM and then SIGKILL when it ignores SIGTERM. Real processes, real /proc.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { createLogger } from '../../src/core/logger.js';
import { endLeftover, startTimeOf, writePidFile } from '../../src/video/child-lifetime.js';
import { ManagedProcess } from '../../src/video/managed-process.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

function capture() {
  const lines: string[] = [];
  return { lines, log: createLogger('debug', new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) })) };
}

/** A process in its own group that ignores SIGTERM (as the ffmpeg of the issue did). */
function stubborn(t: { teardown(fn: () => void): void }) {
  const child = spawn('sh', ['-c', 'trap "" TERM; while :; do sleep 1; done'], { detached: true, stdio: 'ignore' });
  t.teardown(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  return child;
}

t.test('a leftover that ignores SIGTERM is killed after the grace', async (t) => {
  const dir = tempDir(t);
  const child = stubborn(t);
  await waitFor(() => startTimeOf(child.pid!), 'the process in /proc');
  const file = join(dir, 'x.pid');
  writePidFile(file, child.pid!, 'cabin/recorder');
  const { lines, log } = capture();
  const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
  t.equal(await endLeftover(file, log, 500), child.pid, 'ended');
  t.equal(await exited, 'SIGKILL', 'SIGTERM was ignored: SIGKILL');
  t.notOk(existsSync(file), 'the pid file is gone');
  t.ok(lines.some((l) => l.includes('did not stop on SIGTERM')), 'said so');
});

t.test('a pid reused by another process is left alone', async (t) => {
  const dir = tempDir(t);
  const child = stubborn(t);
  const start = await waitFor(() => startTimeOf(child.pid!), 'the process in /proc');
  const file = join(dir, 'x.pid');
  writeFileSync(file, JSON.stringify({ pid: child.pid, startTime: String(Number(start) - 1), name: 'cabin/recorder' }));
  t.equal(await endLeftover(file, capture().log, 500), undefined, 'not ended');
  t.ok(startTimeOf(child.pid!), 'still running');
  t.notOk(existsSync(file), 'the stale pid file is removed');
  writeFileSync(file, 'not json');
  t.equal(await endLeftover(file, capture().log, 500), undefined, 'an unreadable pid file ends nothing');
});

t.test('a managed process keeps its pid file while it runs, with its start time', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'p.pid');
  const p = new ManagedProcess(
    { name: 'pidfile', command: process.execPath, args: () => ['-e', 'setInterval(()=>{},1000)'], redact: (s) => s, progress: false, stallMs: 1000, startupMs: 1000, configErrorRetryMs: 60_000, pidFile: file },
    capture().log,
  );
  t.teardown(() => p.stop());
  p.start();
  await waitFor(() => p.pid !== undefined && existsSync(file), 'running');
  const rec = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; startTime: string };
  t.equal(rec.pid, p.pid);
  t.equal(rec.startTime, startTimeOf(p.pid!));
  await p.stop();
  t.notOk(existsSync(file), 'removed when it exits');
});
