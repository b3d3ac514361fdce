// `npm run bench:kill9`: what a kill -9 of the daemon takes, counted rather than inferred from a latency. A feeder
// process hands records to the outbox at 1,000 records/s (a monitor's cycle every 20 ms) and is killed with SIGKILL
// at a random moment, again and again; after each kill the store is read back and the handed-over records missing
// from it are counted. Then the same at full intake. Prints the per-kill figures and one summary line per rate.
//
//   npm run bench:kill9 -- [--kills 40] [--flood-kills 10]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureKill9Window, type Kill9Window } from './lib/kill9-window.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function summary(w: Kill9Window): string {
  const holes = w.streams.reduce((n, s) => n + s.holes, 0);
  const reused = w.streams.reduce((n, s) => n + s.reused, 0);
  const tail = w.kills.reduce((n, k) => n + k.lostBeforeStored, 0);
  return (
    `kill -9 at ${w.rate === 'flood' ? 'full intake' : `${w.rate} records/s`}: ${w.kills.length} kills, records handed over and not stored per kill ` +
    `median ${w.lostMedian}, max ${w.lostMax} (${w.killsWithLoss} of ${w.kills.length} kills took any); ` +
    `seq holes ${holes}, seqs reused ${reused}, lost before a stored record ${tail}, loss records ${w.lossRecords}`
  );
}

const runs: Array<[number | 'flood', number]> = [
  [1000, arg('kills', 40)],
  ['flood', arg('flood-kills', 10)],
];
const lines: string[] = [];
for (const [rate, kills] of runs) {
  if (kills <= 0) continue;
  const dir = mkdtempSync(join(tmpdir(), 'ambulink-kill9-'));
  try {
    const w = await measureKill9Window({ dir, kills, rate });
    process.stdout.write(`${JSON.stringify(w)}\n`);
    lines.push(summary(w));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
for (const l of lines) process.stdout.write(`${l}\n`);
