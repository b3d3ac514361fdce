// `ambulink demo` supervises its daemon as systemd would: kill -9 of the daemon → its children die with it, and it is
// restarted (with a delay) and said on screen; SIGTERM to the demo → the demo exits and every process it started (daemon, its ffmpeg children, the
// SRT stand-in) is gone. Runs the built CLI on a copy of config/demo.yaml with free ports and a private demo dir.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { CLI, runCli } from './helpers/cli.js';
import { demoConfig } from './helpers/demo-config.js';
import { alive, commOf, descendants } from './helpers/procs.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

t.test('kill -9 of the demo daemon: restarted and said so; SIGTERM to the demo: everything gone', async (t) => {
  const dir = tempDir(t);
  const { file } = await demoConfig(dir);
  const env = { ...process.env, AMBULINK_DEMO_DIR: join(dir, 'demo'), AMBULINK_SOCKET: '' };
  const demo = spawn(process.execPath, [CLI, 'demo', '--plain', '--duration', '600', '--config', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
  demo.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
  let seen: number[] = [];
  t.teardown(() => {
    if (demo.exitCode === null) demo.kill('SIGKILL');
    for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  const first = Number((await waitFor(() => /daemon +pid (\d+)/.exec(out) ?? undefined, () => `the daemon's pid (so far:\n${out}\n${err})`, 90_000))[1]);
  t.ok(alive(first), `daemon ${first} runs`);
  // Its video children (ffmpeg, srt-live-transmit) must die with it, although nothing else ends them.
  const orphans = await waitFor(() => {
    const kids = descendants(first);
    return kids.length > 0 ? kids : undefined;
  }, "the daemon's children", 90_000);
  process.kill(first, 'SIGKILL');
  await waitFor(() => orphans.every((p) => !alive(p)), 'the children of the killed daemon gone', 15_000).catch(() => undefined);
  t.same(orphans.filter(alive).map((p) => `${p} ${commOf(p)}`), [], 'no child of the killed daemon outlived it');
  await waitFor(() => /the daemon \(pid \d+\) exited unexpectedly \(SIGKILL\).*restarting it in \d+ s/.test(err), () => `the restart announced (stderr:\n${err})`, 30_000);
  const second = Number((await waitFor(() => /the daemon was restarted \(pid (\d+)\)/.exec(err) ?? undefined, () => `the restart (stderr:\n${err})`, 60_000))[1]);
  t.not(second, first, 'a new daemon process');
  await waitFor(async () => (await runCli(['status'], { env, timeoutMs: 30_000 }).catch(() => undefined))?.code === 0, 'the restarted daemon answers ambulink status', 150_000);
  t.equal(demo.exitCode, null, 'the demo runs on');

  seen = descendants(demo.pid!);
  t.ok(seen.includes(second), `the restarted daemon is the demo's child (processes: ${seen.map((p) => `${p} ${commOf(p)}`).join(', ')})`);
  demo.kill('SIGTERM');
  const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000))]);
  t.equal(code, 0, `the demo exits on SIGTERM (stderr:\n${err})`);
  await waitFor(() => seen.every((p) => !alive(p)), 'every process the demo started is gone', 10_000).catch(() => undefined);
  t.same(seen.filter(alive).map((p) => `${p} ${commOf(p)}`), [], 'no process of the demo left');
  t.match(out, /demo stopped/);
});
