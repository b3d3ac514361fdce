// MEDIBUS decoding throughput, against a ceiling measured in the same run: a loop that reads every byte and sorts it
// into the three channels (slow ASCII, realtime, structure) and does nothing else. The ratio says how much the framer
// and decoder cost over touching the bytes at all; a serial line at 115200 bit/s carries about 0.01 MB/s.
// Run after a build:  node dist/scripts/bench-medibus.js [MB]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { draegerMedibus } from '../drivers/draeger-medibus/index.js';
import { MedibusFramer } from '../drivers/draeger-medibus/framer.js';
import { packageRoot } from '../src/core/paths.js';

const targetMb = Number(process.argv[2] ?? 32);
const capture = readFileSync(join(packageRoot(), 'fixtures/draeger-medibus/ventilator-session.bin'));
const input = Buffer.concat(Array.from({ length: Math.ceil((targetMb * 1e6) / capture.length) }, () => capture));
// Delivered as a serial port would: in chunks of 64 bytes.
const chunks: Buffer[] = [];
for (let i = 0; i < input.length; i += 64) chunks.push(input.subarray(i, i + 64));

function best(run: () => number, rounds = 5): { ms: number; result: number } {
  let ms = Infinity;
  let result = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    result = run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return { ms, result };
}

const ceiling = best(() => {
  let slow = 0;
  let fast = 0;
  for (const c of chunks) for (let i = 0; i < c.length; i++) if (c[i]! >= 0x80) fast++;
  else slow++;
  return slow + fast;
});

const framer = best(() => {
  const f = new MedibusFramer();
  let frames = 0;
  for (const c of chunks) f.push(c, () => frames++);
  return frames;
});

const ids = { vehicle: 'BENCH', device: 'vent', driver: 'draeger-medibus' };
const options = { pollIntervalMs: 1000, codePage2: true, curves: ['airway-pressure', 'flow', 'volume', 'co2'] as const, waveformBlockMs: 500, alarmPriority: { high: 11, medium: 6 } };
const pipeline = best(() => {
  const dec = draegerMedibus.offline!({ ...options, curves: [...options.curves] }, ids);
  let records = 0;
  const rx = { wallMs: Date.now(), monoMs: performance.now() };
  for (const c of chunks) dec.push(c, rx, () => records++);
  dec.end(rx, () => records++);
  return records;
});

const mb = input.length / 1e6;
const rate = (ms: number) => mb / (ms / 1000);
const result = {
  bench: 'medibus',
  mb: Number(mb.toFixed(1)),
  ceilingMBps: Number(rate(ceiling.ms).toFixed(1)),
  framerMBps: Number(rate(framer.ms).toFixed(1)),
  framesPerRun: framer.result,
  pipelineMBps: Number(rate(pipeline.ms).toFixed(1)),
  recordsPerRun: pipeline.result,
  framerVsCeiling: Number((ceiling.ms / framer.ms).toFixed(3)),
  pipelineVsCeiling: Number((ceiling.ms / pipeline.ms).toFixed(3)),
};
process.stdout.write(
  `MEDIBUS over ${result.mb} MB: byte-sorting ceiling ${result.ceilingMBps} MB/s; framer ${result.framerMBps} MB/s ` +
    `(${result.framerVsCeiling}× the ceiling); framer + decoder ${result.pipelineMBps} MB/s (${result.pipelineVsCeiling}×)\n` +
    `${JSON.stringify(result)}\n`,
);
