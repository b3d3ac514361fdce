// The benchmark's phases. Each runs in a fresh child process (see bench.ts) so that one's memory, JIT state and
// garbage do not colour the next, and prints one JSON line with its figures.
import { mkdirSync } from 'node:fs';
import mqtt from 'mqtt';
import { systemClock } from '../../src/core/clock.js';
import { feedAtRate, feedFlatOut, percentile, RssSampler, startPipeline, VEHICLE } from './pipeline.js';
import { renderEpochs, virtualReceivers } from './nmea-load.js';
import { topicsFor } from '../../src/core/topics.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/**
 * The ceiling: bare mqtt.js publishing the same records, one per message, at QoS 1, keeping `window` messages
 * unacknowledged (mqtt.js alone publishes without limit, and mosquitto stops reading an MQTT 5 client that exceeds its
 * receive maximum by that much).
 */
export async function ceiling(url: string, count: number, window: number): Promise<Record<string, number>> {
  const protocolVersion = url.includes('#v4') ? 4 : 5;
  const client = await mqtt.connectAsync(url.replace('#v4', ''), { protocolVersion, clientId: `ceiling-${process.pid}` });
  // The payloads the pipeline sends as records: location records from the same decoder.
  const payloads: Buffer[] = [];
  const { devices } = virtualReceivers(VEHICLE, 4, (r) => payloads.push(Buffer.from(JSON.stringify(r))));
  const epochs = renderEpochs(4000);
  for (let i = 0; i < 4000; i++) devices[i % 4]!.push(epochs[i]!, { wallMs: Date.now(), monoMs: systemClock.monoMs() });
  const topics = topicsFor(VEHICLE);
  const topicsBy = devices.map((d) => topics.data(d.id, 'location'));
  const rss = new RssSampler();
  const t0 = performance.now();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    client.once('close', () => reject(new Error('the broker closed the connection')));
    const pump = () => {
      while (sent < count && sent - acked < window) {
        const i = sent++;
        client.publish(topicsBy[i % 4]!, payloads[i % payloads.length]!, { qos: 1 }, () => {
          if (++acked === count) resolve();
          else pump();
        });
      }
    };
    pump();
  });
  const seconds = (performance.now() - t0) / 1000;
  await client.endAsync();
  return { msgs_per_s: Math.round(count / seconds), window, bytes: payloads[0]!.length, rss_mb: rss.stop() };
}

/** The whole pipeline, fed as fast as it takes records: records/s from the first frame to the last PUBACK. */
export async function throughput(dir: string, url: string, count: number): Promise<Record<string, number>> {
  const rss = new RssSampler();
  const p = await startPipeline(dir, url, 4);
  await until(() => p.uplink!.connected, 15_000, 'the uplink to connect');
  const t0 = performance.now();
  // The decoder emits an epoch when the next begins: one extra epoch per receiver.
  await feedFlatOut(p, count + p.devices.length);
  await until(() => p.acked >= count, 300_000, 'every record acknowledged');
  const seconds = (performance.now() - t0) / 1000;
  const link = p.uplink!.stats();
  await until(() => p.outbox.stats().records === 0, 60_000, 'the outbox to empty');
  const result = {
    records_per_s: Math.round(p.acked / seconds),
    records: p.acked,
    mqtt_messages: link.published,
    records_per_message: round(link.publishedRecords / Math.max(1, link.published)),
    rejected: p.rejected(),
    rss_mb: rss.stop(),
  };
  await p.stop();
  return result;
}

/** Frame arrival → PUBACK at a steady rate. */
export async function latency(dir: string, url: string, rate: number, seconds: number): Promise<Record<string, number>> {
  const rss = new RssSampler();
  const p = await startPipeline(dir, url, 4);
  await until(() => p.uplink!.connected, 15_000, 'the uplink to connect');
  // Warm up (JIT, LevelDB files) before measuring.
  const w0 = performance.now();
  await feedAtRate(p, rate, () => performance.now() - w0 > 2000);
  p.measure = true;
  p.latencies = [];
  p.storeLatencies = [];
  const t0 = performance.now();
  await feedAtRate(p, rate, () => performance.now() - t0 > seconds * 1000);
  p.measure = false;
  await sleep(500);
  const l = p.latencies.sort((a, b) => a - b);
  const s = p.storeLatencies.sort((a, b) => a - b);
  const result = {
    rate,
    samples: l.length,
    p50_ms: round(percentile(l, 50), 2),
    p99_ms: round(percentile(l, 99), 2),
    max_ms: round(l[l.length - 1] ?? NaN, 2),
    store_p50_ms: round(percentile(s, 50), 2),
    store_p99_ms: round(percentile(s, 99), 2),
    store_max_ms: round(s[s.length - 1] ?? NaN, 2),
    rss_mb: rss.stop(),
  };
  await p.stop();
  return result;
}

/** Fills an outbox with `count` records through the pipeline, with no uplink (the hospital unreachable). */
export async function fill(dir: string, count: number): Promise<Record<string, number>> {
  const rss = new RssSampler();
  const p = await startPipeline(dir, undefined, 4);
  const t0 = performance.now();
  await feedFlatOut(p, count + p.devices.length);
  await p.outbox.flush();
  const seconds = (performance.now() - t0) / 1000;
  const stored = p.outbox.stats().records;
  await p.stop();
  return { records: stored, intake_records_per_s: Math.round(stored / seconds), rss_mb: rss.stop() };
}

/**
 * Opens an outbox holding a backlog (from `fill`), connects, and drains it while live records keep arriving at
 * `liveRate`: start-up time, drain rate, live latency during the drain, memory.
 */
export async function drain(dir: string, url: string, liveRate: number, processStart: number): Promise<Record<string, number>> {
  const rss = new RssSampler();
  const tOpen = performance.now();
  const p = await startPipeline(dir, url, 4);
  const openMs = performance.now() - tOpen;
  const readyMs = performance.now() - processStart;
  const backlog = p.outbox.stats().records;
  await until(() => p.uplink!.connected, 15_000, 'the uplink to connect');
  const tConnected = performance.now();
  let firstAckMs = NaN;
  let backlogAcked = 0;
  // RSS as the drain progresses (after 10,000 records, and at each quarter): flat means memory does not follow the
  // backlog's size.
  const marks = [10_000, backlog / 4, backlog / 2, (3 * backlog) / 4, backlog];
  const rssAt: number[] = [];
  p.onAck = (msg) => {
    if (Number.isNaN(firstAckMs)) firstAckMs = performance.now() - processStart;
    if (!msg.backlog) return;
    backlogAcked += msg.records;
    while (rssAt.length < marks.length && backlogAcked >= marks[rssAt.length]!) rssAt.push(round(process.memoryUsage.rss() / 1048576));
  };
  p.measure = true;
  let drainedAt = NaN;
  await feedAtRate(p, liveRate, () => {
    if (backlogAcked >= backlog && Number.isNaN(drainedAt)) drainedAt = performance.now();
    return !Number.isNaN(drainedAt) || performance.now() - tConnected > 900_000;
  });
  p.measure = false;
  await sleep(300);
  const l = p.latencies.sort((a, b) => a - b);
  const seconds = (drainedAt - tConnected) / 1000;
  const result = {
    backlog,
    open_ms: Math.round(openMs),
    ready_ms: Math.round(readyMs),
    first_puback_ms: Math.round(firstAckMs),
    drain_records_per_s: Math.round(backlogAcked / seconds),
    drain_seconds: round(seconds),
    live_rate: liveRate,
    live_samples: l.length,
    live_p50_ms: round(percentile(l, 50), 2),
    live_p99_ms: round(percentile(l, 99), 2),
    live_max_ms: round(l[l.length - 1] ?? NaN, 2),
    rss_mb_after_10k: rssAt[0] ?? NaN,
    rss_mb_quarter: rssAt[1] ?? NaN,
    rss_mb_half: rssAt[2] ?? NaN,
    rss_mb_three_quarters: rssAt[3] ?? NaN,
    rss_mb_drained: rssAt[4] ?? NaN,
    rss_mb: rss.stop(),
    rss_anon_mb: rss.anonMb,
  };
  await p.stop();
  return result;
}

/**
 * Records into the outbox at full intake until killed (the parent sends SIGKILL at a random moment). Reports on stdout,
 * after every write, how many records are stored: what the pipeline has acknowledged to its producer.
 */
export async function intakeUntilKilled(dir: string): Promise<never> {
  mkdirSync(dir, { recursive: true });
  const p = await startPipeline(dir, undefined, 4);
  let reported = 0;
  for (;;) {
    await feedFlatOut(p, 2000, 4000);
    await p.outbox.flush();
    const stored = p.outbox.stats().stored;
    if (stored !== reported) {
      reported = stored;
      process.stdout.write(`stored ${stored}\n`);
    }
  }
}
