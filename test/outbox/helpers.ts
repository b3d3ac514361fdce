// Building outboxes and records for the outbox tests: a real LevelDB in a temp dir, the vehicle config's defaults.
import { join } from 'node:path';
import type { OutboxConfig } from '../../src/config/schema.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import { topicsFor } from '../../src/core/topics.js';
import { Outbox, type OutboxOptions } from '../../src/outbox/outbox.js';
import { mdcTerm, mdcUnit, ucumUnit, type CanonicalRecord, type LossRecord } from '../../src/schema/index.js';

const MiB = 1024 * 1024;

export function outboxConfig(dir: string, overrides: Partial<OutboxConfig> = {}): OutboxConfig & { dir: string } {
  return {
    dir: join(dir, 'outbox'),
    maxBytes: 2048 * MiB,
    syncIntervalMs: 200,
    memoryRingBytes: 32 * MiB,
    classes: {
      alarm: { quotaBytes: 256 * MiB },
      lab: { quotaBytes: 64 * MiB },
      numeric: { quotaBytes: 512 * MiB },
      location: { quotaBytes: 128 * MiB, expirySeconds: 86_400 },
      waveform: { quotaBytes: 1024 * MiB, expirySeconds: 3_600 },
      diagnostic: { quotaBytes: 64 * MiB, expirySeconds: 3_600 },
    },
    ...overrides,
  };
}

export function makeOutbox(dir: string, overrides: Partial<OutboxConfig> = {}, extra: Partial<OutboxOptions> = {}): { outbox: Outbox; losses: LossRecord[] } {
  const losses: LossRecord[] = [];
  const outbox = new Outbox({
    vehicle: 'TEST-1',
    config: outboxConfig(dir, overrides),
    topics: topicsFor('TEST-1'),
    log: silentLogger(),
    clock: systemClock,
    onLoss: (r) => losses.push(r),
    ...extra,
  });
  return { outbox, losses };
}

let mono = 1;
const iso = (ms = Date.now()) => new Date(ms).toISOString();

export function numeric(device: string, value: number): CanonicalRecord {
  const now = Date.now();
  return {
    kind: 'numeric', schema: 1, vehicle: 'TEST-1', device, driver: 'test', observedAt: iso(now), receivedAt: iso(now), mono: mono++,
    metric: mdcTerm('MDC_ECG_HEART_RATE'), unit: mdcUnit('MDC_DIM_BEAT_PER_MIN'), value, validity: 'valid',
  };
}

export function waveform(device: string, samples: number): CanonicalRecord {
  const now = Date.now();
  return {
    kind: 'waveform', schema: 1, vehicle: 'TEST-1', device, driver: 'test', observedAt: iso(now), receivedAt: iso(now), mono: mono++,
    metric: mdcTerm('MDC_PULS_OXIM_SAT_O2'), unit: ucumUnit('1'), rate: 100, scale: { factor: 1, offset: 0 },
    samples: Array.from({ length: samples }, (_, i) => i % 100), validity: 'valid',
  };
}

export function alarm(device: string, id: string): CanonicalRecord {
  const now = Date.now();
  return {
    kind: 'alarm', schema: 1, vehicle: 'TEST-1', device, driver: 'test', observedAt: iso(now), receivedAt: iso(now), mono: mono++,
    alarmId: id, text: 'HR HIGH', priority: 'high', category: 'physiological', state: 'active',
  };
}

export function location(device: string, lat: number): CanonicalRecord {
  const now = Date.now();
  return {
    kind: 'location', schema: 1, vehicle: 'TEST-1', device, driver: 'test', observedAt: iso(now), receivedAt: iso(now), mono: mono++,
    fix: '3d', lat, lon: 23.6, validity: 'valid',
  };
}

import type { UplinkConfig } from '../../src/config/schema.js';
import { Uplink } from '../../src/uplink/uplink.js';

export function uplinkConfig(url: string, overrides: Partial<UplinkConfig> = {}): UplinkConfig {
  return {
    enabled: true,
    url,
    protocolVersion: 'auto',
    keepaliveSeconds: 15,
    connectTimeoutMs: 5000,
    reconnectInitialMs: 100,
    reconnectMaxMs: 1000,
    inflight: 16,
    batchMaxRecords: 500,
    batchMaxBytes: 65_536,
    statusIntervalMs: 10_000,
    ...overrides,
  };
}

export interface TestLink {
  outbox: Outbox;
  uplink: Uplink;
  losses: LossRecord[];
  stop(): Promise<void>;
}

/** An outbox in `dir` sending through an uplink to `url`: the gateway's durable path without devices. */
export async function startLink(
  t: { teardown(fn: () => Promise<void> | void): void },
  dir: string,
  url: string,
  options: { outbox?: Partial<OutboxConfig>; uplink?: Partial<UplinkConfig>; clientId?: string } = {},
): Promise<TestLink> {
  const { outbox, losses } = makeOutbox(dir, options.outbox);
  await outbox.start();
  const uplink = new Uplink({
    vehicle: 'TEST-1',
    config: uplinkConfig(url, { clientId: options.clientId ?? `ambulink-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, ...options.uplink }),
    topics: topicsFor('TEST-1'),
    log: silentLogger(),
    clock: systemClock,
    source: outbox,
    bdSeqFile: join(dir, 'uplink.bdseq'),
    epoch: () => outbox.epoch,
    statusReport: () => ({ outbox: outbox.stats() }),
  });
  uplink.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await uplink.stop();
    await outbox.stop();
  };
  t.teardown(stop);
  return { outbox, uplink, losses, stop };
}

export function lab(device: string, value: number): CanonicalRecord {
  const now = Date.now();
  return {
    kind: 'lab', schema: 1, vehicle: 'TEST-1', device, driver: 'test', observedAt: iso(now), receivedAt: iso(now), mono: mono++,
    test: { loinc: '2744-1', name: 'pH of Arterial blood' }, value, unit: ucumUnit('[pH]'), flags: [], status: 'final', validity: 'valid', qc: false,
  };
}
