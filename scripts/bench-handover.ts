// The HL7 handover's delivery, end to end in one process: canonical records → the HL7 builder → the durable queue
// (LevelDB) → MLLP → the stand-in listener on loopback → ACK → deleted.
// - live: ORU^R01 at a fixed rate (default 1,000/s for 30 s); ACK latency = from the transport writing a message to
//   the matching ACK (one in flight, so this is the round trip an interface engine sees), and queue latency = from
//   enqueue to commit. Target: p99 ACK ≤ 50 ms.
// - backlog: the listener is stopped, N messages (default 10,000) are queued, and it is started again; reports the
//   time from the listener being back to the first ACK (the transport's reconnect wait), the drain time from that ACK
//   to an empty queue, and checks the order. By default the listener is away only while the queue fills (a second or
//   two: the backlog's size, not a real outage); BENCH_OUTAGE_S=600 keeps it away for 600 s, the N messages queued
//   evenly over that time (a vehicle producing through the outage), so the reconnect backoff has reached its cap.
// The transport and the queue run with the destination's defaults from the config schema (reconnect from 0.5 s doubling
// to 30 s, ±30 %; ACK timeout 10 s), as a vehicle configured without these keys would.
// The listener shares the process (and its one core) with the gateway side: the figures include both ends' work.
// Run after a build:  [BENCH_OUTAGE_S=600] node dist/scripts/bench-handover.js [rate] [seconds] [backlog]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock.js';
import { createLogger, silentLogger } from '../src/core/logger.js';
import { packageRoot } from '../src/core/paths.js';
import type { DeliveryOutcome, HandoverMessage, HandoverTransport } from '../src/handover/destination.js';
import { Hl7Builder } from '../src/handover/hl7/index.js';
import { hl7v2Mllp } from '../src/handover/hl7-kind.js';
import { MllpTransport, reconnectBackoff } from '../src/handover/mllp-transport.js';
import { DestinationQueue, defaultQueueOptions } from '../src/handover/queue.js';
import { StandInListener } from '../src/handover/stand-in-listener.js';
import { HandoverStore } from '../src/handover/store.js';
import { mdcTerm, mdcUnit, SCHEMA_VERSION, type NumericRecord } from '../src/schema/index.js';

const rate = Number(process.argv[2] ?? 1000);
const seconds = Number(process.argv[3] ?? 30);
const backlogSize = Number(process.argv[4] ?? 10_000);
const outageS = Number(process.env.BENCH_OUTAGE_S ?? 0);
if (!Number.isFinite(outageS) || outageS < 0) throw new Error('BENCH_OUTAGE_S must be a number of seconds ≥ 0');
/** The MLLP destination's defaults, as the config schema gives them to a destination without these keys. */
const defaults = hl7v2Mllp.optionsSchema.properties as Record<string, { default?: number }>;
const setting = (key: string) => defaults[key]!.default!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ENCOUNTER = 'ENC-BENCH-1';

/** Times each attempt and each message from enqueue to commit. */
class TimedTransport implements HandoverTransport {
  readonly ackMs: number[] = [];
  readonly queueMs: number[] = [];
  readonly enqueuedAt = new Map<string, number>();
  committedIds: string[] = [];
  /** performance.now() of the first commit since it was last cleared. */
  firstCommitAt: number | undefined;
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
      this.firstCommitAt ??= now;
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
  const reconnect = reconnectBackoff(setting('reconnectInitialMs'), setting('reconnectMaxMs'));
  const store = new HandoverStore(join(dir, 'handover'));
  await store.open();
  const transport = new TimedTransport(
    new MllpTransport({
      host: '127.0.0.1',
      port,
      ackTimeoutMs: setting('ackTimeoutMs'),
      connectTimeoutMs: setting('connectTimeoutMs'),
      reconnect,
      log: process.env.BENCH_LOG ? createLogger('debug', process.stderr) : silentLogger(),
    }),
  );
  const queue = new DestinationQueue({
    name: 'bench', kind: 'hl7v2-mllp', store, transport, clock: systemClock, log: silentLogger(), onDeadLetter: () => undefined,
    options: defaultQueueOptions,
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

  // Backlog: the engine away while the queue fills (for BENCH_OUTAGE_S, paced over that long), then back.
  await listener.stop();
  const downAt = performance.now();
  received = [];
  transport.committedIds = [];
  transport.firstCommitAt = undefined;
  const backlog: HandoverMessage[] = [];
  if (outageS > 0) {
    while (backlog.length < backlogSize) {
      const due = Math.min(backlogSize, Math.ceil(((performance.now() - downAt) / 1000 / outageS) * backlogSize));
      if (due > backlog.length) {
        const batch = copies(due - backlog.length);
        backlog.push(...batch);
        await queue.enqueue(batch);
      }
      await sleep(100);
    }
    const rest = outageS * 1000 - (performance.now() - downAt);
    if (rest > 0) await sleep(rest);
  } else {
    backlog.push(...copies(backlogSize));
    for (let i = 0; i < backlog.length; i += 500) await queue.enqueue(backlog.slice(i, i + 500));
  }
  const queued = queue.status().queued;
  const linkAtRestart = queue.status().link;
  const outageActualS = (performance.now() - downAt) / 1000;
  const again = new StandInListener({ port, remember: false, handler: (m, res) => {
    received.push(m.get('MSH.10').toString());
    return res.sendResponse('AA');
  } });
  const d0 = performance.now();
  await again.start();
  while (transport.firstCommitAt === undefined) await sleep(5);
  const firstAckS = (transport.firstCommitAt - d0) / 1000;
  while (queue.status().queued > 0) await sleep(20);
  const doneAt = performance.now();
  const drainS = (doneAt - transport.firstCommitAt) / 1000;
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
    reconnect,
    backlog: {
      messages: backlog.length,
      /** BENCH_OUTAGE_S, or 0: the listener away only while the queue filled. */
      outageSetS: outageS,
      outageSeconds: +outageActualS.toFixed(1),
      queuedAtRestart: queued,
      linkAtRestart,
      listenerBackToFirstAckSeconds: +firstAckS.toFixed(2),
      drainSeconds: +drainS.toFixed(2),
      drainPerS: Math.round(backlog.length / drainS),
      listenerBackToEmptySeconds: +((doneAt - d0) / 1000).toFixed(2),
      inOrder,
      resent: received.length - collapsed.length,
    },
    rssMb: +(process.memoryUsage().rss / 1024 / 1024).toFixed(1),
  };
  const out = join(packageRoot(), 'bench-results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'handover.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `handover bench: ${live.ratePerS} ORU/s for ${seconds} s, ACK (write → ACK) p50 ${live.ackP50Ms} ms p99 ${live.ackP99Ms} ms (target ≤ 50: ${result.live.met ? 'met' : 'MISSED'}), ` +
      `enqueue → commit p99 ${live.queueP99Ms} ms; backlog of ${backlog.length} after ${result.backlog.outageSeconds} s away: ` +
      `first ACK ${result.backlog.listenerBackToFirstAckSeconds} s after the listener was back, drained in ${result.backlog.drainSeconds} s more (${result.backlog.drainPerS}/s), in order: ${inOrder}\n`,
  );
  process.exitCode = result.live.met && inOrder ? 0 : 1;
} finally {
  await listener.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
