// The child that `kill9-window` kills: an outbox fed at a steady rate the way a monitor feeds it (a cycle every
// 20 ms: wave blocks, numerics, now and then a position and an alarm), or as fast as it can (`flood`). After each
// append has returned it prints "h <id>" (the record was handed to the outbox: the driver is done with it, nothing is
// durable yet); the id is the record's `mono`, unique in this run. Each line is in the pipe before the next record is
// handed over (printLine), so every record the outbox may have stored was printed: with process.stdout, a kill at full
// intake once took lines still waiting in this process, and the parent found stored records it was never told of.
//
//   node kill9-feeder.js <dir> <records per second | flood>
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { topicsFor } from '../../src/core/topics.js';
import { Outbox } from '../../src/outbox/outbox.js';
import { mdcTerm, mdcUnit, ucumUnit, type CanonicalRecord } from '../../src/schema/index.js';
import { benchOutboxConfig, VEHICLE } from '../bench/pipeline.js';
import { printLine } from './kill-after-ready.js';

const CYCLE_MS = 20;

const dir = process.argv[2]!;
const rate = process.argv[3] === 'flood' ? Infinity : Number(process.argv[3] ?? 1000);
const outbox = new Outbox({ vehicle: VEHICLE, config: benchOutboxConfig(dir), topics: topicsFor(VEHICLE), log: silentLogger(), clock: systemClock });

let id = 0;
function record(i: number): CanonicalRecord {
  const at = new Date().toISOString();
  const base = { schema: 1, vehicle: VEHICLE, device: 'mon', driver: 'kill9', observedAt: at, receivedAt: at, mono: ++id } as const;
  // Of every 100 records: 1 alarm, 1 position, 28 numerics, 70 wave blocks (5 waves at 25 Hz-ish blocks).
  const k = i % 100;
  if (k === 0) return { ...base, kind: 'alarm', alarmId: `a${i}`, text: 'HR HIGH', priority: 'high', category: 'physiological', state: 'active' };
  if (k === 1) return { ...base, device: 'gps', kind: 'location', fix: '3d', lat: 55.78, lon: 23.58, validity: 'valid' };
  if (k < 30) return { ...base, kind: 'numeric', metric: mdcTerm('MDC_ECG_HEART_RATE'), unit: mdcUnit('MDC_DIM_BEAT_PER_MIN'), value: 60 + (i % 40), validity: 'valid' };
  return { ...base, kind: 'waveform', metric: mdcTerm('MDC_PULS_OXIM_SAT_O2'), unit: ucumUnit('1'), rate: 100, scale: { factor: 1, offset: 0 }, samples: Array.from({ length: 20 }, (_, s) => (i + s) % 100), validity: 'valid' };
}

function hand(n: number): void {
  for (let k = 0; k < n; k++) {
    const r = record(id);
    outbox.enqueueRecord(r);
    printLine(`h ${r.mono}`);
  }
}

await outbox.start();
printLine('ready');
if (rate === Infinity) {
  const burst = () => {
    hand(200);
    setImmediate(burst);
  };
  burst();
} else {
  // A cycle's records at once, as a monitor's frame brings them; the cycles keep the rate over time.
  const started = Date.now();
  const cycle = () => {
    const due = Math.floor(((Date.now() - started) * rate) / 1000) - id;
    if (due > 0) hand(due);
    setTimeout(cycle, CYCLE_MS);
  };
  cycle();
}
