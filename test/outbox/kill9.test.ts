// kill -9 of a process feeding the outbox, mid-burst, several times over: after each restart every stream's seqs on
// disk (and then at the consumer) run from 1 without a hole, and every record the outbox said it stored (the local
// broker is shown exactly these) is there. A record the kill took before its write never had a seq: its seq goes to
// the next record, so nobody ever sees a seq that will neither arrive nor be announced. Then what a kill takes, counted
// on a few kills (`npm run bench:kill9` counts many): the records handed to the outbox and not stored are only the tail.
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseEnvelope } from '../../src/outbox/envelope.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { runAndKillAfterReady } from '../../scripts/lib/kill-after-ready.js';
import { measureKill9Window } from '../../scripts/lib/kill9-window.js';
import { makeOutbox } from './helpers.js';

const MAIN = fileURLToPath(new URL('../helpers/outbox-writer-main.ts', import.meta.url));
const ALL = { maxRecords: 10_000, maxBytes: 16 << 20, backlog: true };

/** Runs the writer until `ms` after it is ready, then SIGKILL; returns what it was told was stored: stream → seqs. */
async function runAndKill(dir: string, ms: number): Promise<Map<string, number[]>> {
  const stored = new Map<string, number[]>();
  await runAndKillAfterReady('writer', MAIN, [dir], ms, (line) => {
    const [stream, seq] = line.split(' ');
    const list = stored.get(stream!) ?? [];
    list.push(Number(seq));
    stored.set(stream!, list);
  });
  return stored;
}

t.test('kill -9 mid-burst, five times: no seq missing on disk, none reused, every record shown as stored is kept', async (t) => {
  const dir = tempDir(t);
  const told = new Map<string, Set<number>>();
  let shownTwice = 0;
  for (let run = 0; run < 5; run++) {
    const stored = await runAndKill(dir, 150 + Math.floor(Math.random() * 400));
    for (const [stream, seqs] of stored) {
      const set = told.get(stream) ?? new Set<number>();
      for (const s of seqs) {
        if (set.has(s)) shownTwice++;
        set.add(s);
      }
      told.set(stream, set);
    }
  }
  t.equal(shownTwice, 0, 'no seq shown as stored twice (a seq is never given to a second record)');
  t.ok((told.get('mon/numeric')?.size ?? 0) > 1000, `${told.get('mon/numeric')?.size} numerics stored over five runs`);
  // Now read everything back, as the uplink would, and check each stream.
  const { outbox, losses } = makeOutbox(dir);
  await outbox.start();
  outbox.linkUp();
  const got = new Map<string, number[]>();
  await waitFor(async () => {
    for (let m = outbox.take(ALL); m; m = outbox.take(ALL)) {
      const env = parseEnvelope(m.payload)!;
      const list = got.get(env.stream) ?? [];
      list.push(...env.items.map((i) => Number(i.seq)));
      got.set(env.stream, list);
      outbox.acked(m);
    }
    await outbox.flush();
    return outbox.stats().records === 0;
  }, 'the outbox to drain', 60_000);
  await outbox.stop();
  t.same(losses, [], 'nothing announced lost: nothing that had a seq was lost');
  for (const stream of ['mon/numeric', 'mon/waveform', 'mon/alarm']) {
    const seqs = [...new Set(got.get(stream) ?? [])].sort((a, b) => a - b);
    const holes = seqs.filter((s, i) => s !== i + 1);
    t.equal(holes.length, 0, `${stream}: ${seqs.length} seqs, 1..${seqs.at(-1)} without a hole`);
    const delivered = new Set(seqs);
    const missing = [...(told.get(stream) ?? [])].filter((s) => !delivered.has(s));
    t.same(missing, [], `${stream}: every seq shown as stored is delivered`);
  }
});

t.test('what a kill -9 takes, counted: at 1,000 records/s and at full intake, only the tail of what was handed over, never a seq', async (t) => {
  for (const [rate, kills] of [[1000, 4], ['flood', 2]] as const) {
    const w = await measureKill9Window({ dir: tempDir(t), kills, rate });
    const label = rate === 'flood' ? 'full intake' : `${rate} records/s`;
    t.ok(w.kills.every((k) => k.handed > 0 && k.stored > 0), `${label}: every run handed records over and stored some`);
    t.ok(w.kills.every((k) => k.stored + k.lost === k.handed), `${label}: every stored record was one handed over`);
    t.same(w.kills.map((k) => k.lostBeforeStored), w.kills.map(() => 0), `${label}: a kill takes only the tail (lost per kill: ${w.kills.map((k) => k.lost).join(', ')})`);
    t.same(w.streams.filter((s) => s.holes > 0 || s.reused > 0), [], `${label}: in every stream each stored record has its own seq, 1..last without a hole`);
    t.ok(w.streams.some((s) => s.stream === 'mon/waveform' && s.seqs > 100), `${label}: waveforms checked`);
  }
});
