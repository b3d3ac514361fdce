// The pipeline under test, in one process as in the daemon: virtual receivers → nmea0183 framer and decoder →
// validation → outbox (LevelDB) → uplink (mqtt.js, QoS 1) → broker → PUBACK → delete. Latency is measured per
// record from the moment its frame's bytes arrived to the PUBACK of the message that carried it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutboxConfig, UplinkConfig } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { topicsFor } from '../../src/core/topics.js';
import { Outbox } from '../../src/outbox/outbox.js';
import type { MessageSource, OutgoingMessage } from '../../src/uplink/source.js';
import { Uplink } from '../../src/uplink/uplink.js';
import { renderEpochs, virtualReceivers, type VirtualDevice } from './nmea-load.js';

const MiB = 1024 * 1024;
export const VEHICLE = 'BENCH-1';

export function benchOutboxConfig(dir: string): OutboxConfig & { dir: string } {
  const big = { quotaBytes: 16 * 1024 * MiB };
  return {
    dir: join(dir, 'outbox'),
    maxBytes: 64 * 1024 * MiB,
    syncIntervalMs: 200,
    memoryRingBytes: 32 * MiB,
    classes: {
      alarm: big,
      lab: big,
      numeric: big,
      location: { ...big, expirySeconds: 0 },
      waveform: { ...big, expirySeconds: 0 },
      diagnostic: { ...big, expirySeconds: 0 },
    },
  };
}

export function benchUplinkConfig(url: string): UplinkConfig {
  return {
    enabled: true,
    url,
    protocolVersion: 'auto',
    clientId: `ambulink-bench-${process.pid}`,
    keepaliveSeconds: 15,
    connectTimeoutMs: 5000,
    reconnectInitialMs: 200,
    reconnectMaxMs: 2000,
    inflight: 16,
    batchMaxRecords: 500,
    batchMaxBytes: 65_536,
    statusIntervalMs: 10_000,
  };
}

/** Percentiles of a list of samples (sorted in place). */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * The largest resident set seen (VmRSS: what the targets are stated in), and separately its anonymous part (heap and
 * native allocations; /proc/self/status RssAnon). The difference is file-backed: node's own code, and LevelDB's
 * memory-mapped table files, whose pages the drain has read count as resident until the kernel reclaims them.
 */
export class RssSampler {
  max = 0;
  maxAnon = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 200) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  sample(): void {
    this.max = Math.max(this.max, process.memoryUsage.rss());
    this.maxAnon = Math.max(this.maxAnon, rssAnonBytes());
  }

  stop(): number {
    clearInterval(this.timer);
    this.sample();
    return Math.round((this.max / MiB) * 10) / 10;
  }

  /** After stop(): the largest anonymous resident memory, MB. */
  get anonMb(): number {
    return Math.round((this.maxAnon / MiB) * 10) / 10;
  }
}

function rssAnonBytes(): number {
  try {
    const kb = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Pipeline {
  outbox: Outbox;
  uplink: Uplink | undefined;
  devices: VirtualDevice[];
  epochs: Buffer[];
  /** Records acknowledged, and their latencies in ms (only for records fed while `measure` was true). */
  acked: number;
  latencies: number[];
  /**
   * Frame arrival → the record is written (it has its seq), ms: the window a kill -9 can take, since what is accepted
   * and not yet written dies with the process (and never had a seq).
   */
  storeLatencies: number[];
  measure: boolean;
  /** Called for every acknowledged message. */
  onAck?: (msg: OutgoingMessage) => void;
  rejected(): number;
  /** Feeds one epoch to the next device (round robin); returns the record's seq, or undefined. */
  feed(): void;
  stop(): Promise<void>;
}

export async function startPipeline(dir: string, url: string | undefined, devices: number): Promise<Pipeline> {
  /**
   * A record gets its seq when it is written, in the order its stream's records arrived: each stream's frame arrival
   * times wait in order (null: fed while not measuring) until the outbox says which seq the record got.
   */
  const arriving = new Map<string, Array<number | null>>();
  /** stream → seq → frame arrival (monotonic ms). */
  const arrivals = new Map<string, Map<number, number>>();
  const outbox = new Outbox({
    vehicle: VEHICLE,
    config: benchOutboxConfig(dir),
    topics: topicsFor(VEHICLE),
    log: silentLogger(),
    clock: systemClock,
    onStored: (stored) => {
      const at = arriving.get(stored.stream)?.shift();
      if (at === undefined || at === null) return;
      pipeline.storeLatencies.push(systemClock.monoMs() - at);
      let m = arrivals.get(stored.stream);
      if (!m) arrivals.set(stored.stream, (m = new Map()));
      m.set(stored.seq, at);
    },
  });
  const epochs = renderEpochs(4000);
  let next = 0;
  const pipeline: Pipeline = {
    outbox,
    uplink: undefined,
    devices: [],
    epochs,
    acked: 0,
    latencies: [],
    storeLatencies: [],
    measure: false,
    rejected: () => 0,
    feed() {
      const device = pipeline.devices[next % pipeline.devices.length]!;
      const bytes = epochs[next % epochs.length]!;
      next++;
      device.push(bytes, { wallMs: Date.now(), monoMs: systemClock.monoMs() });
    },
    async stop() {
      await pipeline.uplink?.stop();
      await outbox.stop();
    },
  };
  const receivers = virtualReceivers(VEHICLE, devices, (record, rx) => {
    if (!outbox.enqueueRecord(record)) return;
    const stream = `${record.device}/${record.kind}`;
    let q = arriving.get(stream);
    if (!q) arriving.set(stream, (q = []));
    q.push(pipeline.measure ? rx.monoMs : null);
  });
  pipeline.devices = receivers.devices;
  pipeline.rejected = receivers.rejected;
  await outbox.start();
  if (url) {
    // The uplink sees the outbox through this wrapper, which notes each PUBACK's time for the records it carried.
    const source: MessageSource = {
      take: (limits) => outbox.take(limits),
      linkUp: () => outbox.linkUp(),
      linkDown: () => outbox.linkDown(),
      onReady: (l) => outbox.onReady(l),
      acked: (msg) => {
        const now = systemClock.monoMs();
        const stream = msg.userProperties.stream!;
        const m = arrivals.get(stream);
        if (m) {
          for (let seq = Number(msg.userProperties.first); seq <= Number(msg.userProperties.last); seq++) {
            const at = m.get(seq);
            if (at === undefined) continue;
            pipeline.latencies.push(now - at);
            m.delete(seq);
          }
        }
        pipeline.acked += msg.records;
        pipeline.onAck?.(msg);
        outbox.acked(msg);
      },
    };
    pipeline.uplink = new Uplink({
      vehicle: VEHICLE,
      config: benchUplinkConfig(url),
      topics: topicsFor(VEHICLE),
      log: silentLogger(),
      clock: systemClock,
      source,
      bdSeqFile: join(dir, 'uplink.bdseq'),
      epoch: () => outbox.epoch,
      statusReport: () => ({}),
    });
    pipeline.uplink.start();
  }
  return pipeline;
}

/** Feeds `rate` records per second (spread over the ticks of the event loop) until `until()` holds. */
export async function feedAtRate(pipeline: Pipeline, rate: number, until: () => boolean): Promise<void> {
  const t0 = performance.now();
  let fed = 0;
  while (!until()) {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    while (fed < due) {
      pipeline.feed();
      fed++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Feeds `count` records as fast as the outbox takes them (a few thousand queued at most). */
export async function feedFlatOut(pipeline: Pipeline, count: number, maxQueued = 4000): Promise<void> {
  let fed = 0;
  while (fed < count) {
    let burst = 0;
    while (fed < count && burst < 500 && pipeline.outbox.queued < maxQueued) {
      pipeline.feed();
      fed++;
      burst++;
    }
    await new Promise((r) => setImmediate(r));
  }
}
