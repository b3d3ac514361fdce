// The demo's supervisor restarts its daemon as systemd's Restart=on-failure with a growing delay would: the delay
// doubles on each quick failure up to a cap, and starts again from the first after a run that stayed up. Real child
// processes (node, exiting with 1 at once, or running until killed) in place of the daemon, with small delays; the
// delays are read from what the supervisor says on screen, and each restart is checked to come no earlier.
import { spawn, type ChildProcess } from 'node:child_process';
import t from 'tap';
import { SupervisedDaemon } from '../../src/cli/commands/demo-supervisor.js';
import { alive } from '../helpers/procs.js';
import { waitFor } from '../helpers/wait.js';

const BACKOFF = { initialMs: 200, maxMs: 800, healthyAfterMs: 3000 };

t.test('restart delay: doubles, stops at the cap, starts over after a run that stayed up', async (t) => {
  // What each run does: fail at once, except the fifth, which stays up until the test kills it.
  const stays = (run: number) => run === 5;
  const runs: Array<{ child: ChildProcess; spawnedAt: number; exitedAt?: number }> = [];
  const lines: string[] = [];
  const spawnDaemon = () => {
    const run = runs.length + 1;
    const child = spawn(process.execPath, ['-e', stays(run) ? 'setTimeout(() => process.exit(1), 120000)' : 'process.exit(1)'], { stdio: 'ignore' });
    const entry: (typeof runs)[number] = { child, spawnedAt: Date.now() };
    child.once('exit', () => (entry.exitedAt = Date.now()));
    runs.push(entry);
    return child;
  };
  const sup = new SupervisedDaemon(spawnDaemon, (line) => lines.push(line), BACKOFF);
  t.teardown(async () => {
    await sup.stop(1000);
    for (const r of runs) if (r.child.pid && alive(r.child.pid)) r.child.kill('SIGKILL');
  });
  const delays = () => lines.flatMap((l) => {
    const m = /restarting it in ([\d.]+) s/.exec(l);
    return m ? [Math.round(Number(m[1]) * 1000)] : [];
  });

  sup.start();
  await waitFor(() => runs.length === 5, () => `the fifth run (so far: ${lines.join(' | ')})`, 60_000);
  t.same(delays(), [200, 400, 800, 800], 'quick failures: the delay doubles, then stays at the cap');

  // The fifth run stays up past healthyAfterMs, then dies (as a crash would): the delay starts over.
  const fifth = runs[4]!;
  await new Promise((r) => setTimeout(r, BACKOFF.healthyAfterMs + 300));
  t.equal(sup.current, fifth.child, 'the fifth run is the daemon now');
  fifth.child.kill('SIGKILL');
  await waitFor(() => runs.length === 6, 'the restart after the long run', 30_000);
  await waitFor(() => delays().length === 6, 'the quick failure after it', 30_000);
  t.same(delays().slice(4), [200, 400], 'after a run that stayed up: the first delay again, then doubling');
  t.match(lines[lines.length - 1], /exited unexpectedly \(code 1\) after [\d.]+ s; restarting it in 0\.4 s \(restart 6\)/);
  t.match(lines.find((l) => l.includes('restart 5')), /exited unexpectedly \(SIGKILL\)/, 'how it ended is said');

  // No restart came before its delay (they may come later on a busy machine: setTimeout is never early).
  for (let i = 1; i < runs.length; i++) {
    const gap = runs[i]!.spawnedAt - runs[i - 1]!.exitedAt!;
    t.ok(gap >= delays()[i - 1]! - 5, `restart ${i} came ${gap} ms after the exit (delay ${delays()[i - 1]} ms)`);
  }
  t.equal(sup.restarts, 6);

  // Stopped while a restart is pending: none comes.
  await sup.stop(1000);
  await new Promise((r) => setTimeout(r, BACKOFF.maxMs + 500));
  t.equal(runs.length, 6, 'no restart after stop()');
  t.equal(sup.current, undefined);
});

t.test('stop() ends a daemon that ignores SIGTERM with SIGKILL after the grace', async (t) => {
  let child: ChildProcess | undefined;
  const sup = new SupervisedDaemon(
    () => (child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000); process.stdout.write('ready')"], { stdio: ['ignore', 'pipe', 'ignore'] })),
    () => undefined,
    BACKOFF,
  );
  sup.start();
  await new Promise((r) => child!.stdout!.once('data', r)); // its SIGTERM handler is in place
  await sup.stop(500);
  t.equal(child!.signalCode, 'SIGKILL', 'killed after the grace');
  t.notOk(alive(child!.pid!));
});
