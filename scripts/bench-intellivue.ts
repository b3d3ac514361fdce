// Benchmark of the philips-intellivue driver under realistic wave traffic: a monitor exporting ECG I, II, III at
// 500 Hz, pleth and ABP at 125 Hz, CO2 and respiration at 62.5 Hz, numerics and alarms each second.
//
//   npm run build && npm run bench:intellivue [-- --seconds 20]
//
// Ceiling: the framer and decoder alone on the same bytes (no sockets, no session, no timers), as fast as they go.
// Live: the simulator in a child process on a real UDP socket (LAN) and on a real pty (MIB), the driver in this
// process behind the SDK's supervisor exactly as the daemon runs it. Reported per framing: records/s, samples/s
// against the waves' nominal rates (keeping up reads ~100 %; the measuring window's edges make it ±1 %; falling
// behind or losing blocks would show as less), the CPU this process spent per second of wall time
// (the cost of one monitor), and that cost with every record also validated against the canonical schema as the
// daemon's record gate does. Ratios are against the ceiling measured in the same run.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { philipsIntellivue } from '../drivers/philips-intellivue/index.js';
import { IntellivueCapture } from '../drivers/philips-intellivue/capture.js';
import { encodeMibFrame } from '../drivers/philips-intellivue/mib-framer.js';
import { recordMonitor } from '../drivers/philips-intellivue/simulator/recording.js';
import type { WaveName } from '../drivers/philips-intellivue/nomenclature.js';
import { DeviceSupervisor } from '../drivers/sdk/supervisor.js';
import type { TransportConfig } from '../drivers/sdk/transports/config.js';
import { systemClock } from '../src/core/clock.js';
import { silentLogger } from '../src/core/logger.js';
import { packageRoot } from '../src/core/paths.js';
import { isCanonicalRecord, type CanonicalRecord } from '../src/schema/index.js';

const WAVES: WaveName[] = ['ecg-i', 'ecg-ii', 'ecg-iii', 'pleth', 'abp', 'co2', 'resp'];
const SAMPLES_PER_S = 3 * 500 + 2 * 125 + 2 * 62.5;
const seconds = Number(process.argv[process.argv.indexOf('--seconds') + 1]) || 15;

interface Ceiling {
  framing: string;
  records: number;
  cpuMs: number;
  monitorSeconds: number;
}

/** Decodes the recorded traffic repeatedly for about two CPU seconds. */
function ceiling(framing: 'LAN' | 'MIB', bytes: Buffer, monitorSeconds: number): Ceiling {
  let records = 0;
  let rounds = 0;
  const rx = { wallMs: Date.now(), monoMs: 0 };
  const count = () => void records++;
  const start = process.cpuUsage();
  let cpuMs = 0;
  while (cpuMs < 2000) {
    const dec = new IntellivueCapture({ vehicle: 'B', device: 'm', driver: 'philips-intellivue' }, 'clinical');
    for (let o = 0; o < bytes.length; o += 4096) dec.push(bytes.subarray(o, o + 4096), rx, count);
    dec.end();
    rounds++;
    const u = process.cpuUsage(start);
    cpuMs = (u.user + u.system) / 1000;
  }
  return { framing, records, cpuMs, monitorSeconds: monitorSeconds * rounds };
}

interface Live {
  framing: string;
  wallMs: number;
  cpuMs: number;
  records: number;
  samples: number;
  expectedSamples: number;
}

function startSimulator(args: string[]): Promise<{ child: ChildProcess; description: string }> {
  const child = spawn(process.execPath, [join(packageRoot(), 'dist/src/cli/main.js'), 'sim', 'philips-intellivue', ...args, '--seed', '1'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /philips-intellivue simulator: (.*) \(Ctrl-C/.exec(err);
      if (m) resolve({ child, description: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}): ${err}`)));
  });
}

async function live(framing: 'LAN' | 'MIB', validate: boolean): Promise<Live> {
  const dir = mkdtempSync(join(tmpdir(), 'al-bench-'));
  const pty = join(dir, 'monitor.pty');
  const sim = await startSimulator(framing === 'LAN' ? ['--udp', '127.0.0.1:0'] : ['--pty', pty]);
  const transport: TransportConfig =
    framing === 'LAN' ? { type: 'udp', host: '127.0.0.1', port: Number(/:(\d+) /.exec(sim.description)![1]) } : { type: 'serial', path: pty };
  let records = 0;
  let samples = 0;
  let counting = false;
  const emit = (r: CanonicalRecord) => {
    if (validate && !isCanonicalRecord(r)) throw new Error('invalid record');
    if (!counting) return;
    records++;
    if (r.kind === 'waveform') samples += r.samples.length;
  };
  const supervisor = new DeviceSupervisor(
    {
      id: 'monitor',
      driver: philipsIntellivue,
      options: { waves: WAVES, alarms: true, demographics: 'clinical', pollWindowS: 30, keepAliveMs: 5000, silenceTimeoutMs: 10_000, associationTimeoutMs: 5000 },
      transport,
      staleAfterMs: 5000,
    },
    { vehicle: 'BENCH', clock: systemClock, log: silentLogger(), emit },
  );
  supervisor.start();
  await sleep(3000); // association, first replies, JIT warm-up
  counting = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const u = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  counting = false;
  await supervisor.stop();
  sim.child.kill('SIGTERM');
  await new Promise((r) => sim.child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  return { framing, wallMs, cpuMs: (u.user + u.system) / 1000, records, samples, expectedSamples: (SAMPLES_PER_S * wallMs) / 1000 };
}

const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

async function main(): Promise<void> {
  const traffic = recordMonitor({ scenario: 'normal', seconds: 60, waves: WAVES, seed: 1 });
  const lanBytes = Buffer.concat(traffic);
  const mibBytes = Buffer.concat(traffic.map((m) => encodeMibFrame(m)));
  process.stdout.write(
    `philips-intellivue benchmark — ${WAVES.join(', ')} (${SAMPLES_PER_S} samples/s), numerics and alarms each second\n` +
      `traffic: ${(lanBytes.length / 60 / 1024).toFixed(1)} KiB/s on LAN, ${(mibBytes.length / 60 / 1024).toFixed(1)} KiB/s on MIB (115200 baud carries ~11.2 KiB/s)\n\n`,
  );
  const ceilings = [ceiling('LAN', lanBytes, 60), ceiling('MIB', mibBytes, 60)];
  process.stdout.write('ceiling: framer + decoder alone on the same bytes\n');
  for (const c of ceilings) {
    process.stdout.write(
      `  ${c.framing}  ${Math.round((c.records / c.cpuMs) * 1000).toLocaleString('en')} records/s   ${Math.round(c.monitorSeconds / (c.cpuMs / 1000)).toLocaleString('en')} monitor-seconds per CPU-second   CPU for one monitor in real time: ${pct(1 / (c.monitorSeconds / (c.cpuMs / 1000)))}\n`,
    );
  }
  process.stdout.write(`\nlive: simulator in a child process, driver behind the supervisor, ${seconds} s each\n`);
  for (const framing of ['LAN', 'MIB'] as const) {
    for (const validate of [false, true]) {
      const r = await live(framing, validate);
      const c = ceilings.find((x) => x.framing === framing)!;
      const cpuShare = r.cpuMs / r.wallMs;
      const ceilingShare = 1 / (c.monitorSeconds / (c.cpuMs / 1000));
      process.stdout.write(
        `  ${framing}${validate ? ' + schema validation' : '                    '}  ${Math.round((r.records / r.wallMs) * 1000)} records/s   ` +
          `${Math.round((r.samples / r.wallMs) * 1000)} samples/s = ${pct(r.samples / r.expectedSamples)} of the nominal ${SAMPLES_PER_S}/s   ` +
          `CPU ${pct(cpuShare)} of one core   ${(cpuShare / ceilingShare).toFixed(1)}× the ceiling's cost\n`,
      );
    }
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
