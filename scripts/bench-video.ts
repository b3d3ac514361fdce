// Benchmark: CPU (in cores) and memory (RSS) of one 720p30 camera, live + recording, run by the ambulink daemon,
// next to the ceiling: ffmpeg alone running the recorder's exact command line. The daemon's own overhead (the node
// process: supervision, progress parsing, hashing and signing segments) must stay under 5 % of a core.
//
//   npm run bench:video                 (BENCH_SECONDS=60 for a longer window; results also in bench-results/)
//
// Both runs use the test source (testsrc2, easy content: a real cabin camera costs about twice as much) and run one
// after the other, so they do not compete for the two cores.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recorderArgs } from '../src/video/ffmpeg-args.js';
import { freeUdpPort } from '../src/video/ports.js';
import { SrtReceiver } from '../src/video/srt-receiver.js';
import { resolveFfmpeg, resolveSrtLiveTransmit } from '../src/video/tools.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 30);
const WARMUP_S = 8;
const TICK = 100; // clock ticks per second (Linux USER_HZ)
const CAMERA = { width: 1280, height: 720, fps: 30, bitrateKbps: 2500 };
const LIMIT_CORES = 0.05;

interface Usage {
  cpuS: number;
  rssKb: number;
}

function usage(pid: number): Usage | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuS = (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuS, rssKb };
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): Array<{ pid: number; name: string }> {
  const out: Array<{ pid: number; name: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const exe = argv[0]!.split('/').pop()!;
      const role = exe === 'ffmpeg' ? (argv.includes('tee') ? 'recorder (ffmpeg)' : 'live shaper (ffmpeg)') : exe === 'srt-live-transmit' ? 'SRT sender' : exe;
      out.push({ pid: Number(entry), name: role });
    } catch {
      /* gone */
    }
  }
  return out;
}

/** CPU cores (CPU seconds per wall second) and mean RSS of each process over the window. */
async function measure(pids: () => Array<{ pid: number; name: string }>, seconds: number): Promise<Map<string, { cores: number; rssMb: number }>> {
  const list = pids();
  const start = new Map(list.map((p) => [p.pid, usage(p.pid)]));
  const rss = new Map<number, number[]>(list.map((p) => [p.pid, []]));
  const t0 = Date.now();
  while (Date.now() - t0 < seconds * 1000) {
    await sleep(1000);
    for (const p of list) {
      const u = usage(p.pid);
      if (u) rss.get(p.pid)!.push(u.rssKb);
    }
  }
  const wall = (Date.now() - t0) / 1000;
  const result = new Map<string, { cores: number; rssMb: number }>();
  for (const p of list) {
    const a = start.get(p.pid);
    const b = usage(p.pid);
    if (!a || !b) throw new Error(`${p.name} (pid ${p.pid}) ended during the measurement`);
    const r = rss.get(p.pid)!;
    result.set(p.name, { cores: (b.cpuS - a.cpuS) / wall, rssMb: r.reduce((x, y) => x + y, 0) / r.length / 1024 });
  }
  return result;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const closed = new Promise((r) => child.once('close', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await closed;
  clearTimeout(timer);
}

async function ffmpegAlone(ffmpeg: string, dir: string): Promise<{ cores: number; rssMb: number }> {
  mkdirSync(join(dir, 'alone'), { recursive: true });
  const argv = recorderArgs({
    source: { type: 'test', pattern: 'testsrc2' },
    encode: { ...CAMERA, encoder: 'libx264', scale: false },
    dir: join(dir, 'alone'),
    prefix: 'BENCH_cam',
    segmentSeconds: 10,
    segmentList: join(dir, 'alone', 'segments.csv'),
    livePort: await freeUdpPort(),
  });
  const child = spawn(ffmpeg, argv, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, TZ: 'UTC' } });
  await sleep(WARMUP_S * 1000);
  const m = await measure(() => [{ pid: child.pid!, name: 'ffmpeg' }], SECONDS);
  await stop(child);
  return m.get('ffmpeg')!;
}

async function daemonRun(dir: string, srt: string): Promise<Map<string, { cores: number; rssMb: number }>> {
  const port = await freeUdpPort();
  writeFileSync(join(dir, 'srt.passphrase'), 'bench-passphrase-0001');
  const rx = new SrtReceiver({ srtLiveTransmit: srt, port, passphrase: 'bench-passphrase-0001', latencyMs: 500 });
  rx.start();
  const config = join(dir, 'vehicle.yaml');
  writeFileSync(
    config,
    [
      'vehicle: { id: BENCH }',
      `storage: { dataDir: ${join(dir, 'data')} }`,
      `control: { socket: ${join(dir, 'control.sock')} }`,
      'localBroker: { port: 0 }',
      'log: { level: warn }',
      'video:',
      '  segmentSeconds: 10',
      `  live: { url: "srt://127.0.0.1:${port}", passphraseFile: srt.passphrase, latencyMs: 500 }`,
      'cameras:',
      `  - { id: cam, source: { type: test }, width: ${CAMERA.width}, height: ${CAMERA.height}, fps: ${CAMERA.fps}, recordBitrateKbps: ${CAMERA.bitrateKbps} }`,
      '',
    ].join('\n'),
  );
  const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'main.js');
  const daemon = spawn(process.execPath, [cli, 'run', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  await sleep(WARMUP_S * 1000);
  const tree = () => [{ pid: daemon.pid!, name: 'daemon (node)' }, ...childrenOf(daemon.pid!)];
  const names = tree().map((p) => p.name);
  for (const want of ['recorder (ffmpeg)', 'live shaper (ffmpeg)', 'SRT sender']) {
    if (!names.includes(want)) throw new Error(`the daemon's ${want} is not running (have: ${names.join(', ')})`);
  }
  const m = await measure(tree, SECONDS);
  const received = rx.bytes;
  await stop(daemon);
  await rx.stop();
  if (received < 100_000) throw new Error('the SRT receiver got (almost) nothing: the live leg did not run');
  return m;
}

async function main(): Promise<void> {
  const ffmpeg = resolveFfmpeg(undefined);
  const srt = resolveSrtLiveTransmit(undefined);
  if (!ffmpeg || !srt) throw new Error('needs ffmpeg and srt-live-transmit (Debian: ffmpeg, srt-tools)');
  const dir = mkdtempSync(join(tmpdir(), 'al-bench-'));
  try {
    process.stdout.write(`bench-video: one ${CAMERA.width}x${CAMERA.height}@${CAMERA.fps} camera, ${CAMERA.bitrateKbps} kb/s, live + recording, ${SECONDS} s per run\n`);
    const alone = await ffmpegAlone(ffmpeg, dir);
    const run = await daemonRun(dir, srt);
    const total = [...run.values()].reduce((a, b) => ({ cores: a.cores + b.cores, rssMb: a.rssMb + b.rssMb }), { cores: 0, rssMb: 0 });
    const daemonNode = run.get('daemon (node)')!;
    const rows: Array<[string, { cores: number; rssMb: number }]> = [['ceiling: ffmpeg alone, same command line', alone], ...run, ['ambulink total per camera', total]];
    const w = Math.max(...rows.map(([n]) => n.length));
    process.stdout.write(`${'process'.padEnd(w)}  cores   RSS MB  vs ceiling\n`);
    for (const [name, u] of rows) {
      process.stdout.write(`${name.padEnd(w)}  ${u.cores.toFixed(3)}  ${u.rssMb.toFixed(1).padStart(7)}  ${(u.cores / alone.cores).toFixed(2)}x\n`);
    }
    const ok = daemonNode.cores < LIMIT_CORES;
    process.stdout.write(`daemon overhead: ${(daemonNode.cores * 100).toFixed(1)} % of a core (limit ${LIMIT_CORES * 100} %): ${ok ? 'PASS' : 'FAIL'}\n`);
    const out = join(process.cwd(), 'bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'bench-video.json'),
      `${JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, camera: CAMERA, ceiling: alone, processes: Object.fromEntries(run), total, daemonOverheadCores: daemonNode.cores, limitCores: LIMIT_CORES, pass: ok }, null, 2)}\n`,
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
