// The HL7 handover's delivery, end to end in one process: canonical records → the HL7 builder → the durable queue
// (LevelDB) → MLLP → a node-hl7-server listener on loopback → ACK → deleted.
// - live: ORU^R01 at a fixed rate (default 1,000/s for 30 s); ACK latency = from the transport writing a message to
//   the matching ACK (one in flight, so this is the round trip an interface engine sees), and queue latency = from
//   enqueue to commit. Target: p99 ACK ≤ 50 ms.
// - backlog: the listener is stopped while N messages (default 10,000) are queued — what a 10-minute outage at the
//   live rate of a real vehicle (a few messages a second per device) leaves is far less; it is the backlog's size that
//   matters here, not the wall time of the outage — then started again; reports the drain rate and checks the order.
// The listener shares the process (and its one core) with the gateway side: the figures include both ends' work.
// Run after a build:  node dist/scripts/bench-handover.js [rate] [seconds] [backlog]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock.js';
import { createLogger, silentLogger } from '../src/core/logger.js';
import { packageRoot } from '../src/core/paths.js';
import type { DeliveryOutcome, HandoverMessage, HandoverTransport } from '../src/handover/destination.js';
import { Hl7Builder } from '../src/handover/hl7/index.js';
import { MllpTransport } from '../src/handover/mllp-transport.js';
import { DestinationQueue } from '../src/handover/queue.js';
import { StandInListener } from '../src/handover/stand-in-listener.js';
import { HandoverStore } from '../src/handover/store.js';
import { mdcTerm, mdcUnit, SCHEMA_VERSION, type NumericRecord } from '../src/schema/index.js';

const rate = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 30);
const backlogSize = Number(process.argv[4] ?? 10_000);
const ENCOUNTER = 'ENC-BENCH-1';

/** Times each attempt and each message from enqueue to commit. */
class TimedTransport implements HandoverTransport {
  readonly ackMs: number[] = [];
  readonly queueMs: number[] = [];
  readonly enqueuedAt = new Map<string, number>();
  committedIds: string[] = [];
  constructor(private readonly inner: HandoverTransport) {}
  get linkState(): string {
    return this.inner.linkState;
  }
  start(): Promise<void> {
    return this.inner.start();
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  async send(message: HandoverMessage, signal: AbortSignal): Promise<DeliveryOutcome> {
    const t0 = performance.now();
    const outcome = await this.inner.send(message, signal);
    if (outcome.kind === 'committed') {
      const now = performance.now();
      this.ackMs.push(now - t0);
      const at = this.enqueuedAt.get(message.id);
      if (at !== undefined) this.queueMs.push(now - at);
      this.enqueuedAt.delete(message.id);
      this.committedIds.push(message.id);
    }
    return outcome;
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

function numeric(ref: string, unitRef: string, value: number, atMs: number): NumericRecord {
  const at = new Date(atMs).toISOString();
  return {
    kind: 'numeric', schema: SCHEMA_VERSION, vehicle: 'BENCH', device: 'mon', driver: 'hl7-pcd01', observedAt: at, receivedAt: at,
    mono: atMs, encounter: ENCOUNTER, metric: mdcTerm(ref), value, unit: mdcUnit(unitRef), validity: 'valid',
  };
}

/** One ORU^R01 per call: the builder closes a device's cycle when the next one starts (later time, same metrics). */
function makeMessages(builder: Hl7Builder, count: number, clock: { t: number }): HandoverMessage[] {
  const out: HandoverMessage[] = [];
  while (out.length < count) {
    clock.t += 2000;
    out.push(...builder.onRecord(numeric('MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 60 + (clock.t % 40), clock.t), clock.t));
    out.push(...builder.onRecord(numeric('MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 90 + (clock.t % 10), clock.t), clock.t));
    out.push(...builder.onRecord(numeric('MDC_PRESS_BLD_NONINV_SYS', 'MDC_DIM_MMHG', 110 + (clock.t % 20), clock.t), clock.t));
  }
  return out;
}

const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bench-handover-'));
let received: string[] = [];
const listener = new StandInListener({ remember: false, handler: (m, res) => {
  received.push(m.get('MSH.10').toString());
  return res.sendResponse('AA');
} });
try {
  await listener.start();
  const port = listener.port;
  const store = new HandoverStore(join(dir, 'handover'));
  await store.open();
  const transport = new TimedTransport(
    new MllpTransport({ host: '127.0.0.1', port, ackTimeoutMs: 10_000, connectTimeoutMs: 5000, reconnect: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 }, log: process.env.BENCH_LOG ? createLogger('debug', process.stderr) : silentLogger() }),
  );
  const queue = new DestinationQueue({
    name: 'bench', kind: 'hl7v2-mllp', store, transport, clock: systemClock, log: silentLogger(), onDeadLetter: () => undefined,
    options: { maxRetries: 5, retryBackoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.2 }, syncWrites: false },
  });
  await queue.start();
  const builder = new Hl7Builder({
    sendingApplication: 'AMBULINK', sendingFacility: 'BENCH', receivingApplication: 'ENGINE', receivingFacility: 'HOSPITAL', vehicle: 'BENCH',
    encounter: () => ({ id: ENCOUNTER }), processingId: 'T',
  });
  // The builder's own cost is measured apart: node-hl7-client builds a message in milliseconds, and the delivery path
  // is what this bench is about. The messages sent are the builder's, each a copy under a control id of its own.
  const sim = { t: Date.UTC(2026, 11, 6, 12) };
  const b0 = performance.now();
  const templates = makeMessages(builder, 200, sim);
  const buildPerS = Math.round(templates.length / ((performance.now() - b0) / 1000));
  const sample = templates[0]!;
  let serial = 0;
  const copies = (n: number): HandoverMessage[] =>
    Array.from({ length: n }, () => {
      const t = templates[serial % templates.length]!;
      // Digits only: node-hl7-client's parser (in the listener) takes any "MSH|" for a segment start, and a base-36
      // id can end in "MSH" (the builder's own ids end in a hex tag and cannot).
      const id = `B${String(serial++).padStart(t.id.length - 1, '0')}`.slice(-20);
      return { ...t, id, body: t.body.split(t.id).join(id), createdAt: Date.now() };
    });

  // Live: paced by elapsed time, not by timer ticks, so a late tick catches up instead of lowering the rate.
  const t0 = performance.now();
  let sent = 0;
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    if (due > sent) {
      const batch = copies(due - sent);
      for (const m of batch) transport.enqueuedAt.set(m.id, performance.now());
      await queue.enqueue(batch);
      sent += batch.length;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  const liveS = (performance.now() - t0) / 1000;
  while (queue.status().queued > 0) await new Promise((r) => setTimeout(r, 20));
  const live = {
    offered: sent,
    ratePerS: Math.round(sent / liveS),
    committed: transport.ackMs.length,
    ackP50Ms: +percentile(transport.ackMs, 50).toFixed(2),
    ackP99Ms: +percentile(transport.ackMs, 99).toFixed(2),
    ackMaxMs: +Math.max(...transport.ackMs).toFixed(2),
    queueP50Ms: +percentile(transport.queueMs, 50).toFixed(2),
    queueP99Ms: +percentile(transport.queueMs, 99).toFixed(2),
  };

  // Backlog: the engine away while the queue fills, then back.
  await listener.stop();
  received = [];
  transport.committedIds = [];
  const backlog = copies(backlogSize);
  for (let i = 0; i < backlog.length; i += 500) await queue.enqueue(backlog.slice(i, i + 500));
  const queued = queue.status().queued;
  const again = new StandInListener({ port, remember: false, handler: (m, res) => {
    received.push(m.get('MSH.10').toString());
    return res.sendResponse('AA');
  } });
  const d0 = performance.now();
  await again.start();
  while (queue.status().queued > 0) await new Promise((r) => setTimeout(r, 20));
  const drainS = (performance.now() - d0) / 1000;
  const collapsed = received.filter((id, i) => id !== received[i - 1]);
  const inOrder = collapsed.length === backlog.length && collapsed.every((id, i) => id === backlog[i]!.id);
  await queue.stop();
  await store.close();
  await again.stop();

  const result = {
    at: new Date().toISOString(),
    node: process.version,
    messageBytes: Buffer.byteLength(sample.body),
    builderMessagesPerS: buildPerS,
    loadAverage: (await import('node:os')).loadavg().map((l) => +l.toFixed(1)),
    live: { seconds, targetRatePerS: rate, ...live, targetAckP99Ms: 50, met: live.ackP99Ms <= 50 && live.committed === live.offered },
    backlog: { messages: backlog.length, queuedAtRestart: queued, drainSeconds: +drainS.toFixed(2), drainPerS: Math.round(backlog.length / drainS), inOrder, resent: received.length - collapsed.length },
    rssMb: +(process.memoryUsage().rss / 1024 / 1024).toFixed(1),
  };
  const out = join(packageRoot(), 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'handover.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `handover bench: ${live.ratePerS} ORU/s for ${seconds} s, ACK p50 ${live.ackP50Ms} ms p99 ${live.ackP99Ms} ms (target ≤ 50: ${result.live.met ? 'met' : 'MISSED'}); ` +
      `backlog of ${backlog.length} drained in ${result.backlog.drainSeconds} s (${result.backlog.drainPerS}/s), in order: ${inOrder}\n`,
  );
  process.exitCode = result.live.met && inOrder ? 0 : 1;
} finally {
  await listener.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
