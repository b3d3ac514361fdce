// What a kill -9 takes, counted: a feeder child (kill9-feeder.ts) hands records to an outbox and prints each one once
// the append has returned; it is killed at a random moment; the outbox is then opened again and everything in it is
// read back. Per kill: how many handed-over records are not in the store (they were accepted, never written, never
// had a seq). Checked on the way, for every stream over all kills: each stored record has its own seq, and the seqs
// run from 1 without a hole (or a loss record covers it); and a kill takes only the tail: no record handed over
// before the last stored one is missing.
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { topicsFor } from '../../src/core/topics.js';
import { parseEnvelope } from '../../src/outbox/envelope.js';
import { Outbox } from '../../src/outbox/outbox.js';
import type { LossRecord } from '../../src/schema/index.js';
import { benchOutboxConfig, VEHICLE } from '../bench/pipeline.js';
import { runAndKillAfterReady } from './kill-after-ready.js';

const here = import.meta.url;
const FEEDER = fileURLToPath(new URL(`./kill9-feeder${here.endsWith('.ts') ? '.ts' : '.js'}`, here));

export interface KillResult {
  /** ms after the feeder was ready. */
  killedAfterMs: number;
  handed: number;
  stored: number;
  /** Handed over and not stored: what this kill took. */
  lost: number;
  /** Lost records handed over before the last stored one (must be 0: a kill takes only the tail). */
  lostBeforeStored: number;
}

export interface StreamCheck {
  stream: string;
  seqs: number;
  last: number;
  /** Seqs in [1, last] neither stored nor covered by a loss record. */
  holes: number;
  /** Seqs stored for two records. */
  reused: number;
}

export interface Kill9Window {
  rate: number | 'flood';
  kills: KillResult[];
  streams: StreamCheck[];
  lossRecords: number;
  /** Over the kills: the median and the largest count of handed-over records a kill took. */
  lostMedian: number;
  lostMax: number;
  /** Kills that took at least one record (they landed while the outbox had records not yet written). */
  killsWithLoss: number;
}

/** Runs the feeder until `ms` after it is ready, then SIGKILL; the ids it handed over, in order. */
async function feedAndKill(dir: string, rate: number | 'flood', ms: number): Promise<number[]> {
  const handed: number[] = [];
  await runAndKillAfterReady('feeder', FEEDER, [dir, String(rate)], ms, (line) => {
    if (line.startsWith('h ')) handed.push(Number(line.slice(2)));
  });
  return handed;
}

/** Opens the store, reads (and acknowledges) everything in it: (stream, seq, id) of each record, and the loss records. */
async function drainStore(dir: string): Promise<{ items: Array<{ stream: string; seq: number; id: number }>; losses: LossRecord[] }> {
  const losses: LossRecord[] = [];
  const outbox = new Outbox({ vehicle: VEHICLE, config: benchOutboxConfig(dir), topics: topicsFor(VEHICLE), log: silentLogger(), clock: systemClock, onLoss: (r) => losses.push(r) });
  await outbox.start();
  outbox.linkUp();
  const items: Array<{ stream: string; seq: number; id: number }> = [];
  const all = { maxRecords: 10_000, maxBytes: 16 << 20, backlog: true };
  const deadline = Date.now() + 60_000;
  for (;;) {
    for (let m = outbox.take(all); m; m = outbox.take(all)) {
      const env = parseEnvelope(m.payload)!;
      for (const i of env.items) items.push({ stream: env.stream, seq: Number(i.seq), id: Number((i as { mono?: unknown }).mono) });
      outbox.acked(m);
    }
    await outbox.flush();
    if (outbox.stats().records === 0) break;
    if (Date.now() > deadline) throw new Error('the store did not drain');
    await new Promise((r) => setTimeout(r, 10));
  }
  await outbox.stop();
  return { items, losses };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

export async function measureKill9Window(options: { dir: string; kills: number; rate: number | 'flood'; minMs?: number; maxMs?: number; random?: () => number }): Promise<Kill9Window> {
  const { dir, kills, rate } = options;
  const random = options.random ?? Math.random;
  const minMs = options.minMs ?? 300;
  const maxMs = options.maxMs ?? 1500;
  const results: KillResult[] = [];
  const seqs = new Map<string, Map<number, number>>();
  const reused = new Map<string, number>();
  const covered = new Map<string, Array<[number, number]>>();
  let lossRecords = 0;
  for (let k = 0; k < kills; k++) {
    const killedAfterMs = Math.round(minMs + random() * (maxMs - minMs));
    const handed = await feedAndKill(dir, rate, killedAfterMs);
    // Everything stored by this run (the store was emptied after the previous one), and any loss record.
    const { items, losses } = await drainStore(dir);
    const storedIds = new Set<number>();
    for (const it of items) {
      if (it.stream === 'gateway/loss') continue;
      storedIds.add(it.id);
      const m = seqs.get(it.stream) ?? new Map<number, number>();
      const before = m.get(it.seq);
      if (before !== undefined && before !== it.id) reused.set(it.stream, (reused.get(it.stream) ?? 0) + 1);
      m.set(it.seq, it.id);
      seqs.set(it.stream, m);
    }
    for (const l of losses) {
      lossRecords++;
      const list = covered.get(l.stream) ?? [];
      list.push([Number(l.firstSeq), Number(l.lastSeq)]);
      covered.set(l.stream, list);
    }
    const lastStored = Math.max(0, ...storedIds);
    const lost = handed.filter((id) => !storedIds.has(id));
    results.push({ killedAfterMs, handed: handed.length, stored: storedIds.size, lost: lost.length, lostBeforeStored: lost.filter((id) => id < lastStored).length });
  }
  const streams: StreamCheck[] = [...seqs].map(([stream, m]) => {
    const last = Math.max(...m.keys());
    const cover = covered.get(stream) ?? [];
    let holes = 0;
    for (let s = 1; s <= last; s++) if (!m.has(s) && !cover.some(([a, b]) => s >= a && s <= b)) holes++;
    return { stream, seqs: m.size, last, holes, reused: reused.get(stream) ?? 0 };
  });
  const lostCounts = results.map((r) => r.lost);
  return {
    rate,
    kills: results,
    streams,
    lossRecords,
    lostMedian: median(lostCounts),
    lostMax: Math.max(...lostCounts),
    killsWithLoss: lostCounts.filter((n) => n > 0).length,
  };
}
