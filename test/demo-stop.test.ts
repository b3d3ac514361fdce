// `ambulink demo` stops everything within 5 s of SIGTERM (as `kill` or systemd sends it, to the demo alone) and of
// SIGINT (as Ctrl-C in a terminal sends it, to the demo's whole process group): it exits, no process it started is
// left (daemon, ffmpeg and srt-live-transmit, socat for the pty simulators) and none of its ports is still open (the
// stand-in hospital broker, the HL7 and FHIR stand-ins, the simulators, the daemon's listeners). And the daemon
// stopped cleanly rather than being SIGKILLed at its grace. The built CLI on a copy of config/demo.yaml with free
// ports and a private demo dir, with every simulated device connected when the signal comes.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { CLI, runCli } from './helpers/cli.js';
import { demoConfig } from './helpers/demo-config.js';
import { alive, commOf, descendants, portsOf, stillOpen } from './helpers/procs.js';
import { tempDir } from './helpers/tmp.js';
import { waitFor } from './helpers/wait.js';

/** The requirement; the demo's own deadline is inside it (DEMO_STOP_BUDGET). */
const REQUIRED_MS = 5000;

for (const [signal, to] of [
  ['SIGTERM', 'the demo'],
  ['SIGINT', "the demo's process group"],
] as const) {
  t.test(`${signal} to ${to}: exits within 5 s, leaving no process and no open port`, async (t) => {
    const dir = tempDir(t);
    const { file, config } = await demoConfig(dir);
    const demoDir = join(dir, 'demo');
    const env = { ...process.env, AMBULINK_DEMO_DIR: demoDir, AMBULINK_SOCKET: '' };
    // Its own process group, as a shell gives a foreground job: a signal to -pid reaches the demo and what it
    // started in its group (the daemon, socat, the SRT stand-in), as Ctrl-C does.
    const demo = spawn(process.execPath, [CLI, 'demo', '--plain', '--duration', '600', '--config', file], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    demo.stdout.on('data', (d: Buffer) => (out += d.toString()));
    demo.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => demo.once('exit', (code) => r(code)));
    let tree: number[] = [];
    t.teardown(() => {
      if (demo.exitCode === null && demo.signalCode === null) demo.kill('SIGKILL');
      for (const pid of tree) if (alive(pid)) process.kill(pid, 'SIGKILL');
    });

    const daemon = Number((await waitFor(() => /daemon +pid (\d+)/.exec(out) ?? undefined, () => `the daemon's pid (so far:\n${out}\n${err})`, 90_000))[1]);
    // Everything up: every simulated device connected (exit 0), the daemon's video children running.
    await waitFor(async () => (await runCli(['status'], { env, timeoutMs: 30_000 }).catch(() => undefined))?.code === 0, 'every device connected', 150_000);
    await waitFor(() => descendants(daemon).some((p) => commOf(p) === 'ffmpeg'), "the daemon's ffmpeg children", 90_000);

    tree = descendants(demo.pid!);
    const ports = portsOf([demo.pid!, ...tree]);
    const names = tree.map((p) => `${p} ${commOf(p)}`);
    t.ok(tree.includes(daemon), `the daemon is among the demo's processes (${names.join(', ')})`);
    t.ok(names.some((n) => / (ffmpeg|socat)$/.test(n)), 'so are ffmpeg and socat');
    const uplinkPort = new URL(config.uplink.url).port;
    t.ok(ports.includes(`tcp ${uplinkPort}`), `the stand-in hospital broker's port is among the demo's open ports (${ports.join(', ')})`);

    const sentAt = Date.now();
    process.kill(signal === 'SIGINT' ? -demo.pid! : demo.pid!, signal);
    const code = await Promise.race([exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000))]);
    const tookMs = Date.now() - sentAt;
    t.equal(code, 0, `the demo exits cleanly (stderr:\n${err})`);
    t.ok(tookMs < REQUIRED_MS, `the demo exited ${tookMs} ms after ${signal} (at most ${REQUIRED_MS})`);
    t.match(out, /demo stopped/);
    t.notMatch(err, /did not stop|leaving now/, 'every part stopped within its deadline');

    // What it started is gone by the time the 5 s are up (a zombie waiting for init to reap it counts as gone).
    const rest = () => Math.max(200, sentAt + REQUIRED_MS - Date.now());
    await waitFor(() => tree.every((p) => !alive(p)) && stillOpen(ports).length === 0, 'every process and port of the demo gone', rest()).catch(() => undefined);
    t.same(tree.filter(alive).map((p) => `${p} ${commOf(p)}`), [], 'no process of the demo left');
    t.same(stillOpen(ports), [], 'no port of the demo left open');

    // The daemon stopped on its SIGTERM (SIGINT) and said so; it was not SIGKILLed at its grace.
    const log = readFileSync(join(demoDir, 'daemon.log'), 'utf8');
    t.match(log.trim().split('\n').slice(-3).join('\n'), /"msg":"ambulink stopped"/, 'the daemon log ends with its clean stop');
  });
}
