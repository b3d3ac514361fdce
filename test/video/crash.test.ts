// kill -9 of the whole daemon (a power cut of the software), run as `ambulink run` outside systemd. With setpriv, its
// ffmpeg and srt-live-transmit children die with it (PR_SET_PDEATHSIG); without, a restarted daemon ends what the
// earlier one left (pid files with start times). Either way every segment written is signed in by the next daemon
// (the interrupted one as partial) and the recording verifies.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { ffprobe, missingTools, mp4Files, segmentsOf, startReceiver, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
const pidIn = (file: string) => (existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : undefined);
const PASSPHRASE = 'crash-test-passphrase-0123';

async function rig(t: Tap, live: boolean) {
  const dir = tempDir(t);
  const config = join(dir, 'vehicle.yaml');
  writeFileSync(join(dir, 'srt.passphrase'), `${PASSPHRASE}\n`);
  const rx = live ? await startReceiver(t, { passphrase: PASSPHRASE }) : undefined;
  writeFileSync(
    config,
    stringify({
      vehicle: { id: 'TEST-1' },
      storage: { dataDir: join(dir, 'data') },
      control: { socket: join(dir, 'control.sock') },
      localBroker: { port: 0 },
      video: { segmentSeconds: 4, ...(rx ? { live: { url: `srt://127.0.0.1:${rx.port}`, passphraseFile: join(dir, 'srt.passphrase'), latencyMs: 2000 } } : {}) },
      cameras: [testCamera('cabin', live ? {} : { live: { enabled: false } })],
    }),
  );
  const camDir = join(dir, 'data', 'video', 'cabin');
  const children: ChildProcess[] = [];
  const run = (env: NodeJS.ProcessEnv = {}) => {
    const child = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let log = '';
    const keep = (b: Buffer) => (log = (log + b.toString()).slice(-200_000));
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    children.push(child);
    return { child, log: () => log };
  };
  const leftovers: number[] = [];
  t.teardown(async () => {
    for (const pid of leftovers) if (alive(pid)) process.kill(pid, 'SIGKILL');
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    }
  });
  /** Waits for an open segment with a fragment or two on disk; returns its name. */
  const openSegment = () =>
    waitFor(() => {
      const known = new Set(segmentsOf(camDir).map((s) => s.file));
      const open = mp4Files(camDir).filter((f) => !known.has(f)).at(-1);
      return open && readFileSync(join(camDir, open)).length > 40_000 ? open : undefined;
    }, 'an open segment with fragments', 90_000);
  /** After the next daemon has run a while: every mp4 on disk is in the manifest, and the recording verifies. */
  const allSigned = async (t: Tap) => {
    const count = segmentsOf(camDir).length;
    await waitFor(() => segmentsOf(camDir).length > count, 'recording again', 90_000);
    const signed = new Set(segmentsOf(camDir).map((s) => s.file));
    const open = mp4Files(camDir).filter((f) => !signed.has(f));
    t.ok(open.length <= 1, `no segment left unsigned but the one being written (${open.join(', ')})`);
    const verify = await runCli(['video', 'verify', '--config', config]);
    t.equal(verify.code, 0, verify.stdout + verify.stderr);
  };
  return { camDir, run, leftovers, openSegment, allSigned };
}
type Tap = Parameters<Parameters<typeof t.test>[1]>[0];

t.test('kill -9 of the daemon: its ffmpeg and SRT children die with it; the next one signs the partial segment', { skip: missingTools() }, async (t) => {
  const r = await rig(t, true);
  const first = r.run();
  await waitFor(() => existsSync(r.camDir) && segmentsOf(r.camDir).length >= 1, 'a first segment', 90_000);
  const pids = await waitFor(() => {
    const found = ['.recorder.pid', '.live-shaper.pid', '.srt-sender.pid'].map((f) => pidIn(join(r.camDir, f)));
    return found.every((p) => p !== undefined) ? (found as number[]) : undefined;
  }, 'recorder, shaper and sender running', 90_000);
  r.leftovers.push(...pids);
  t.ok(pids.every(alive), `children ${pids.join(', ')} run`);
  const victim = await r.openSegment();
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  await waitFor(() => pids.every((p) => !alive(p)), 'the children to die with their daemon', 10_000).catch(() => undefined);
  t.same(pids.filter(alive), [], 'no child outlived the daemon (no other daemon has started)');

  r.run();
  const partial = await waitFor(() => segmentsOf(r.camDir).find((s) => s.partial), 'a partial segment signed in', 90_000);
  t.equal(partial.file, victim, 'the interrupted segment is signed in as partial');
  t.ok((await ffprobe(join(r.camDir, partial.file))).frames > 0, 'it plays');
  await r.allSigned(t);
});

t.test('without setpriv: the recorder outlives kill -9, and the next daemon ends it and signs what it wrote', async (t) => {
  const r = await rig(t, false);
  const first = r.run({ SETPRIV_PATH: '/nonexistent/setpriv' });
  await waitFor(() => existsSync(r.camDir) && segmentsOf(r.camDir).length >= 1, 'a first segment', 90_000);
  const orphan = await waitFor(() => pidIn(join(r.camDir, '.recorder.pid')), 'the recorder pid');
  r.leftovers.push(orphan);
  await waitFor(() => /will not die with the daemon on kill -9/.test(first.log()), 'the warning that children will not die with the daemon');
  await r.openSegment();
  first.child.kill('SIGKILL');
  await new Promise((resolve) => first.child.once('exit', resolve));
  // It keeps writing segments that no manifest signs: wait for one more closed file than the manifest knows.
  const signedBefore = segmentsOf(r.camDir).length;
  await waitFor(() => mp4Files(r.camDir).length >= signedBefore + 2, 'the orphan writing on', 90_000);
  t.ok(alive(orphan), 'the recorder outlived its daemon');

  const second = r.run();
  await waitFor(() => !alive(orphan), 'the new daemon to end the stray recorder', 60_000);
  await waitFor(() => /ending a process left running by an earlier daemon/.test(second.log()), 'said in the log');
  await r.allSigned(t);
});
