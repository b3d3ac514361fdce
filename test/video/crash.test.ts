// kill -9 of the whole daemon (a power cut of the software): the recorder it leaves behind is ended by the next
// daemon, the interrupted segment is signed in as partial, and the recording still verifies.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { ffprobe, mp4Files, segmentsOf, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');

t.test('kill -9 of the daemon mid-segment', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'vehicle.yaml');
  writeFileSync(
    config,
    stringify({
      vehicle: { id: 'TEST-1' },
      storage: { dataDir: join(dir, 'data') },
      control: { socket: join(dir, 'control.sock') },
      localBroker: { port: 0 },
      video: { segmentSeconds: 4 },
      cameras: [testCamera('cabin', { live: { enabled: false } })],
    }),
  );
  const camDir = join(dir, 'data', 'video', 'cabin');
  const pidFile = join(camDir, '.recorder.pid');
  const run = () => spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: 'ignore' });
  const first = run();
  t.teardown(() => first.kill('SIGKILL'));
  await waitFor(() => existsSync(camDir) && segmentsOf(camDir).length >= 1, 'a first segment', 60_000);
  const orphan = await waitFor(() => (existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : undefined), 'the recorder pid');
  t.teardown(() => {
    try {
      process.kill(-orphan, 'SIGKILL');
    } catch {
      /* ended, as it should be */
    }
  });
  // Wait until the open segment has a fragment or two on disk, then pull the plug on the daemon alone.
  const victim = await waitFor(() => {
    const known = new Set(segmentsOf(camDir).map((s) => s.file));
    const open = mp4Files(camDir).filter((f) => !known.has(f)).at(-1);
    return open && readFileSync(join(camDir, open)).length > 40_000 ? open : undefined;
  }, 'an open segment with fragments', 60_000);
  // Frozen where it is (so the moment of the crash is this one, however loaded the machine), then the daemon dies.
  process.kill(orphan, 'SIGSTOP');
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));
  t.ok(alive(orphan), 'the recorder outlived its daemon (as after a crash)');

  const second = run();
  t.teardown(() => new Promise<void>((resolve) => {
    if (second.exitCode !== null) return resolve();
    second.once('exit', () => resolve());
    second.kill('SIGTERM');
  }));
  await waitFor(() => !alive(orphan), 'the new daemon to end the stray recorder', 60_000);
  const partial = await waitFor(() => segmentsOf(camDir).find((s) => s.partial), 'a partial segment signed in', 60_000);
  t.equal(partial.file, victim, 'the interrupted segment is signed in as partial');
  t.ok((await ffprobe(join(camDir, partial.file))).frames > 0, 'it plays');
  const count = segmentsOf(camDir).length;
  await waitFor(() => segmentsOf(camDir).length > count, 'recording again', 60_000);
  const verify = await runCli(['video', 'verify', '--config', config]);
  t.equal(verify.code, 0, verify.stdout + verify.stderr);
  t.match(verify.stdout, /cabin: OK .*partial/);
});
