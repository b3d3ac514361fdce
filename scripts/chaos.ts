// `npm run chaos`: the daemon under fire. Simulated GPS receivers feed the real daemon (a child process) over ptys;
// its uplink reaches the hospital's mosquitto through the project's link emulator, which adds delay, jitter and a
// bandwidth cap, and at random moments stalls (connections open, nothing passing), resets, and blacks out for
// 5–120 s. Meanwhile the broker is restarted and the daemon is killed with SIGKILL. A consumer at the hospital
// records every envelope; at the end, after the link has healed and the outbox has drained, it checks every stream:
// each seq from 1 to the last the daemon handed out is there, once after deduplication, or announced by a loss record.
//
// A GE S/5 monitor simulator (numerics, alarms and five waves) feeds it too, so kills land mid-burst.
//
// Two checkers count. The project's own (it knows what the outbox handed out), and an independent one: a plain mqtt.js
// subscriber with a persistent session that knows nothing of the outbox, counts (vehicle, stream, seq) per item and
// checks that every gap in [1, highest seen] is covered by a loss record it received. A second independent subscriber
// on the vehicle's local broker (the tablet) checks that every seq it saw reached the hospital or was announced.
//
//   npm run chaos -- [--duration 600] [--kills 16] [--broker-restarts 6] [--stalls 4] [--blackouts 3]
//                    [--max-blackout 120] [--devices 4] [--speed 50] [--monitors 1] [--location-quota BYTES] [--keep]
//
// Broker restarts alternate between a clean stop (SIGTERM: mosquitto writes its persistence) and kill -9, after which
// mosquitto's own persistence (autosave) may lose what it had acknowledged: that loss is the broker's. A wire tap on
// the link sees which seqs the broker acknowledged, and when, so such gaps are counted apart, not hidden, by the
// first broker restart after the acknowledgement: `broker_own_loss_kill9` (lost to a kill -9 of the broker: expected,
// autosave), `broker_own_loss_graceful` (lost across a clean stop with persistence: must not happen) and
// `broker_own_loss_no_restart` (no restart followed: a drop by the broker, e.g. its queue limit). `gaps_unannounced`
// counts only the gaps the gateway left: seqs never acknowledged by the broker and never announced by a loss record.
//
// Half the daemon kills are aimed at a burst: a few milliseconds after the GE S/5 simulator wrote a wave record (every
// 50 ms); the others land at random. `kills_mid_burst` counts the kills, aimed or not, that landed within 10 ms of a
// wave record written to the daemon.
//
// Ends with one JSON line: {"streams","records","missing","missing_unexplained","duplicates_after_dedupe",
// "loss_accounted","gaps_unannounced","loss_announced","broker_own_loss","broker_own_loss_graceful",
// "broker_own_loss_kill9","broker_own_loss_no_restart","tablet_seen","tablet_seen_not_delivered","drain_failed",
// "kills","kills_aimed_at_burst","kills_mid_burst","broker_restarts","broker_kill9","stalls","blackouts"}.
// `missing` is the project's own checker (up to the last seq the outbox handed out), which counts the broker's own
// loss too; `missing_unexplained` is what remains of it after the seqs a kill -9 of the broker took (and, when the
// broker logged drops, those it dropped). Exit 0 only when no gap is unannounced, nothing is missing unexplained, no
// acknowledged seq was lost across a clean broker restart, the tablet saw nothing the hospital neither got nor heard
// of, no seq was reused, and the outbox drained.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { geS5Simulator, type RunningGeS5Simulator } from '../drivers/ge-s5/simulator.js';
import { nmeaSimulator } from '../drivers/nmea0183/simulator.js';
import type { RunningSimulator } from '../drivers/sdk/simulator.js';
import { callDaemon } from '../src/control/client.js';
import { silentLogger } from '../src/core/logger.js';
import type { OutboxStats, StreamInfo } from '../src/outbox/index.js';
import type { LinkStats } from '../src/uplink/index.js';
import { startHospitalConsumer } from './lib/hospital-consumer.js';
import { startIndependentConsumer } from './lib/independent-consumer.js';
import { LinkEmulator } from './lib/link-emulator.js';
import { WireTap } from './lib/wire-tap.js';
import { freePort, waitForPort } from './lib/free-port.js';
import { startMosquitto } from './lib/mosquitto.js';

const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const VEHICLE = 'CHAOS-1';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (a: number, b: number) => a + Math.random() * (b - a);

interface Options {
  duration: number;
  kills: number;
  brokerRestarts: number;
  stalls: number;
  blackouts: number;
  maxBlackout: number;
  devices: number;
  speed: number;
  monitors: number;
  locationQuota: number | undefined;
  keep: boolean;
  /** The hospital broker with Debian's default limits (max_queued_messages 1000). */
  brokerDefaults: boolean;

}

function parseArgs(argv: string[]): Options {
  const get = (name: string, dflt: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : dflt;
  };
  const lq = argv.indexOf('--location-quota');
  return {
    duration: get('duration', 600),
    kills: get('kills', 16),
    brokerRestarts: get('broker-restarts', 6),
    stalls: get('stalls', 4),
    blackouts: get('blackouts', 3),
    maxBlackout: get('max-blackout', 120),
    devices: get('devices', 4),
    speed: get('speed', 50),
    monitors: get('monitors', 1),
    locationQuota: lq >= 0 ? Number(argv[lq + 1]) : undefined,
    keep: argv.includes('--keep'),
    brokerDefaults: argv.includes('--broker-defaults'),

  };
}

const log = (s: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

class Daemon {
  private child: ChildProcess | undefined;
  kills = 0;

  constructor(
    private readonly configFile: string,
    private readonly logFile: string,
    readonly socket: string,
  ) {}

  start(): void {
    const out = `${this.logFile}`;
    const c = spawn(process.execPath, [CLI, 'run', '--config', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    const append = (d: Buffer) => writeFileSync(out, d, { flag: 'a' });
    c.stdout!.on('data', append);
    c.stderr!.on('data', append);
    this.child = c;
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async kill9(): Promise<void> {
    const c = this.child;
    if (!c || !this.running()) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || !this.running()) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    const t = setTimeout(() => c.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(t);
  }

  async ask<T>(method: string): Promise<T | undefined> {
    try {
      return (await callDaemon(this.socket, method, {}, 5000)) as T;
    } catch {
      return undefined;
    }
  }
}

/** A kill within this long after a wave record was written to the daemon counts as mid-burst. */
const MID_BURST_MS = 10;

/** A stop of the hospital broker: when the signal went, and which. */
interface BrokerStop {
  at: number;
  hard: boolean;
}

/** Which broker stop took a seq it had acknowledged at `ackedAt`: the first one after it, if any. */
function stopAfter(stops: readonly BrokerStop[], ackedAt: number): BrokerStop | undefined {
  return stops.find((s) => s.at >= ackedAt);
}

/** Spreads `count` events over [from, to) with random jitter, one slot each. */
function schedule(count: number, from: number, to: number): number[] {
  const slot = (to - from) / Math.max(1, count);
  return Array.from({ length: count }, (_, i) => from + slot * i + rand(0.1, 0.9) * slot);
}

export async function chaos(opts: Options): Promise<Record<string, number>> {
  const work = mkdtempSync(join(tmpdir(), 'ambulink-chaos-'));
  log(`chaos run: ${opts.duration} s, ${opts.kills} kills, ${opts.brokerRestarts} broker restarts, ${opts.stalls} stalls, ${opts.blackouts} blackouts (≤ ${opts.maxBlackout} s); work dir ${work}`);
  // What mosquitto itself drops (a client's queue over max_queued_messages) is the broker's loss, not the gateway's:
  // counted from its log so the report can say which is which.
  const brokerDrops = { warnings: 0 };
  const broker = await startMosquitto({
    dir: join(work, 'hospital'),
    persistence: true,
    nodelay: true,
    debianDefaults: opts.brokerDefaults,
    // Bounded, so that what a kill -9 of the broker takes is seconds of its traffic (Debian's default is 30 min).
    extra: ['autosave_interval 10'],
    onLog: (text) => {
      brokerDrops.warnings += text.split('\n').filter((l) => /dropped|dropping/i.test(l)).length;
    },
  });
  // The tap reads what crosses the link: which seqs the broker acknowledged (so a gap it made is told from one the
  // gateway made).
  const tap = new WireTap();
  const link = new LinkEmulator({ host: '127.0.0.1', port: broker.port }, { delayMs: 15, jitterMs: 10, bytesPerSecond: 2_000_000 }, tap);
  await link.start();
  const consumer = await startHospitalConsumer(broker.url, { vehicle: VEHICLE, persistent: true, clientId: `chaos-hospital-${process.pid}` });
  const independent = await startIndependentConsumer(broker.url, { clientId: `chaos-independent-${process.pid}` });
  const sims: RunningSimulator[] = [];
  const monitors: RunningGeS5Simulator[] = [];
  const devices = [];
  for (let d = 0; d < opts.devices; d++) {
    const path = join(work, `gps${d}.pty`);
    sims.push(await nmeaSimulator.start({ endpoint: { type: 'pty', path }, params: { retime: 'true', speed: String(opts.speed) }, log: silentLogger() }));
    devices.push({ id: `gps${d}`, driver: 'nmea0183', transport: { type: 'serial', path, baudRate: 115200 }, staleAfterMs: 5000 });
  }
  for (let m = 0; m < opts.monitors; m++) {
    const path = join(work, `mon${m}.pty`);
    const monitor = await geS5Simulator.start({ endpoint: { type: 'pty', path }, params: { scenario: 'stemi', pace: '10' }, log: silentLogger() });
    monitors.push(monitor);
    sims.push(monitor);
    devices.push({ id: `mon${m}`, driver: 'ge-s5', transport: { type: 'serial', path, baudRate: 115200 }, options: { intervalS: 5, waves: ['ECG1', 'ECG2', 'PLETH', 'CO2', 'INVP1'] } });
  }
  // The tablet: a consumer on the vehicle's local broker (on a fixed port, so it finds the restarted daemon).
  const localPort = await freePort();
  writeFileSync(join(work, 'tablet.pw'), 'tablet-secret\n', { mode: 0o600 });
  const config = {
    vehicle: { id: VEHICLE },
    storage: { dataDir: join(work, 'data') },
    control: { socket: join(work, 'control.sock') },
    log: { level: 'info' },
    localBroker: { host: '127.0.0.1', port: localPort, users: [{ username: 'tablet', passwordFile: join(work, 'tablet.pw'), role: 'consumer' }] },
    devices,
    ...(opts.locationQuota ? { outbox: { classes: { location: { quotaBytes: opts.locationQuota } } } } : {}),
    uplink: {
      url: link.url,
      keepaliveSeconds: 5,
      stallTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      reconnectInitialMs: 200,
      reconnectMaxMs: 5000,
      statusIntervalMs: 5000,
    },
  };
  mkdirSync(join(work, 'data'), { recursive: true });
  const configFile = join(work, 'vehicle.yaml');
  writeFileSync(configFile, stringify(config));
  const daemon = new Daemon(configFile, join(work, 'daemon.log'), config.control.socket);
  daemon.start();
  await waitForPort('127.0.0.1', localPort, 30_000);
  const tablet = await startIndependentConsumer(`mqtt://127.0.0.1:${localPort}`, { clientId: `chaos-tablet-${process.pid}`, filter: `ambulink/v1/${VEHICLE}/#`, username: 'tablet', password: 'tablet-secret' });
  const counts = { kills: 0, kills_aimed_at_burst: 0, kills_mid_burst: 0, broker_restarts: 0, broker_kill9: 0, stalls: 0, blackouts: 0, resets: 0 };
  const brokerStops: BrokerStop[] = [];
  const lastWaveAt = () => Math.max(0, ...monitors.map((m) => m.lastWaveAt));
  /** Resolves a few ms after the next wave record is written (or after 2 s without one). */
  const nextBurst = async () => {
    const before = lastWaveAt();
    const until = Date.now() + 2000;
    while (lastWaveAt() === before && Date.now() < until) await new Promise((r) => setImmediate(r));
    await sleep(rand(0, 6));
  };

  // The disturbances: link events one at a time, kills and broker restarts on their own timelines.
  const t0 = Date.now();
  const end = t0 + opts.duration * 1000;
  const at = (offsetMs: number) => sleep(Math.max(0, t0 + offsetMs - Date.now()));
  const ms = opts.duration * 1000;
  const linkEvents = [
    ...Array.from({ length: opts.stalls }, () => 'stall'),
    ...Array.from({ length: opts.blackouts }, () => 'blackout'),
    ...Array.from({ length: Math.max(1, Math.round(opts.duration / 120)) }, () => 'reset'),
  ].sort(() => Math.random() - 0.5);
  const linkTimeline = (async () => {
    const times = schedule(linkEvents.length, 0.05 * ms, 0.85 * ms);
    for (let i = 0; i < linkEvents.length; i++) {
      await at(times[i]!);
      const ev = linkEvents[i]!;
      if (ev === 'stall') {
        const len = rand(5, Math.min(30, opts.maxBlackout));
        log(`link: stall for ${len.toFixed(0)} s (connections stay open, nothing passes)`);
        counts.stalls++;
        link.stall();
        await sleep(len * 1000);
        link.unstall();
      } else if (ev === 'blackout') {
        const len = rand(5, opts.maxBlackout);
        log(`link: blackout for ${len.toFixed(0)} s`);
        counts.blackouts++;
        link.blackout();
        await sleep(len * 1000);
        link.blackoutEnd();
        log('link: coverage back');
      } else {
        log('link: reset');
        counts.resets++;
        link.reset();
      }
      link.setProfile({ delayMs: rand(5, 60), jitterMs: rand(0, 30), bytesPerSecond: Math.random() < 0.3 ? rand(100_000, 500_000) : 2_000_000 });
    }
  })();
  const killTimeline = (async () => {
    let n = 0;
    for (const when of schedule(opts.kills, 0.05 * ms, 0.9 * ms)) {
      await at(when);
      const aimed = monitors.length > 0 && n++ % 2 === 1;
      if (aimed) await nextBurst();
      const sinceWave = Date.now() - lastWaveAt();
      const midBurst = monitors.length > 0 && sinceWave <= MID_BURST_MS;
      await daemon.kill9();
      log(`daemon: kill -9${aimed ? ' (aimed at a wave burst)' : ''}, ${sinceWave} ms after the last wave record${midBurst ? ': mid-burst' : ''}`);
      counts.kills++;
      if (aimed) counts.kills_aimed_at_burst++;
      if (midBurst) counts.kills_mid_burst++;
      await sleep(rand(300, 3000));
      daemon.start();
    }
  })();
  const brokerTimeline = (async () => {
    for (const when of schedule(opts.brokerRestarts, 0.08 * ms, 0.9 * ms)) {
      await at(when);
      // Every other restart is a kill -9: what the broker had acknowledged and not yet saved is then its own loss.
      const hard = counts.broker_restarts % 2 === 1;
      log(`broker: restart (${hard ? 'kill -9' : 'clean stop'})`);
      brokerStops.push({ at: Date.now(), hard });
      await broker.stop(hard ? 'SIGKILL' : 'SIGTERM');
      if (hard) counts.broker_kill9++;
      await sleep(rand(500, 5000));
      await broker.start();
      counts.broker_restarts++;
    }
  })();
  const progress = setInterval(() => {
    void daemon.ask<OutboxStats>('outbox').then((o) => {
      if (o) log(`  outbox ${o.records} record(s), in flight ${o.inflightRecords}; hospital has ${consumer.checker.report().records}`);
    });
  }, 15_000);
  await Promise.all([linkTimeline, killTimeline, brokerTimeline]);
  await sleep(Math.max(0, end - Date.now()));

  // Heal, stop the sources, let the outbox drain, then check.
  log('healing the link and stopping the simulators; waiting for the outbox to drain');
  link.unstall();
  link.setProfile({ delayMs: 5, jitterMs: 0, bytesPerSecond: 0 });
  if (!broker.running()) await broker.start();
  if (!daemon.running()) daemon.start();
  await Promise.all(sims.map((s) => s.stop()));
  const drainDeadline = Date.now() + 300_000;
  let streams: StreamInfo[] | undefined;
  let drainFailed = false;
  for (;;) {
    const o = await daemon.ask<OutboxStats & { streams: StreamInfo[] }>('outbox');
    const up = await daemon.ask<LinkStats>('uplink');
    if (o && up && o.records === 0 && o.inflightRecords === 0 && up.state === 'connected') {
      streams = o.streams;
      break;
    }
    if (Date.now() > drainDeadline) {
      log(`the outbox did not drain in time: ${JSON.stringify({ records: o?.records, link: up?.state })}`);
      drainFailed = true;
      streams = o?.streams;
      break;
    }
    await sleep(500);
  }
  // Let the last messages travel from the broker to the consumer.
  let quiet = consumer.checker.messages;
  for (let i = 0; i < 40; i++) {
    await sleep(250);
    if (consumer.checker.messages === quiet && i > 8) break;
    quiet = consumer.checker.messages;
  }
  clearInterval(progress);
  const expected = new Map((streams ?? []).map((s) => [s.stream, Number(s.lastSeq)]));
  const report = consumer.checker.report(expected);
  const ind = independent.report();
  // Each gap nobody announced: did the broker acknowledge that seq (then lose it: its own loss), or did the gateway
  // never get it acknowledged (the gateway's silent gap, which must never happen)?
  const silent = independent.gaps();
  const brokerOwn = silent.filter(([key, seq]) => tap.brokerAcked(key, seq));
  const gatewaySilent = silent.filter(([key, seq]) => !tap.brokerAcked(key, seq));
  // The broker's own losses, by the stop that took them.
  const takenBy = (key: string, seq: number): 'not-acked' | 'kill9' | 'graceful' | 'none' => {
    const ackedAt = tap.ackedAt(key, seq);
    if (ackedAt === undefined) return 'not-acked';
    const stop = stopAfter(brokerStops, ackedAt);
    return stop === undefined ? 'none' : stop.hard ? 'kill9' : 'graceful';
  };
  const ownBy = { kill9: [] as string[], graceful: [] as string[], none: [] as string[] };
  for (const [key, seq] of brokerOwn) {
    const by = takenBy(key, seq);
    if (by !== 'not-acked') ownBy[by].push(`${key}#${seq}`);
  }
  if (gatewaySilent.length > 0) log(`gaps the gateway left unannounced, e.g.: ${gatewaySilent.slice(0, 20).map(([k, s]) => `${k}#${s}`).join(' ')}`);
  if (ownBy.kill9.length > 0) log(`gaps the broker made, lost to its kill -9 (acknowledged, not yet saved): ${ownBy.kill9.length}, e.g. ${ownBy.kill9.slice(0, 10).join(' ')}`);
  if (ownBy.graceful.length > 0) log(`gaps the broker made across a CLEAN restart with persistence (acknowledged, then lost: must not happen): ${ownBy.graceful.length}, e.g. ${ownBy.graceful.slice(0, 10).join(' ')}`);
  if (ownBy.none.length > 0) log(`gaps the broker made without a restart (acknowledged, dropped; drop warnings in its log: ${brokerDrops.warnings}): ${ownBy.none.length}, e.g. ${ownBy.none.slice(0, 10).join(' ')}`);
  // The project's checker: what is missing up to the last seq the outbox handed out, less what the broker's kill -9
  // took (and what it dropped, when it said so in its log).
  const missingAll = consumer.checker.missingSeqs(expected);
  const unexplained = missingAll.filter(([stream, seq]) => {
    const by = takenBy(`${VEHICLE}/${stream}`, seq);
    return !(by === 'kill9' || (by === 'none' && brokerDrops.warnings > 0));
  });
  if (unexplained.length > 0) log(`missing and not explained by the broker's kill -9: ${unexplained.length}, e.g. ${unexplained.slice(0, 20).map(([k, s]) => `${k}#${s}`).join(' ')}`);
  log(`wire tap: ${tap.publishes} QoS 1 publishes, ${tap.pubacks} acknowledged by the broker`);
  // What the tablet saw must have reached the hospital, or be announced there.
  let tabletSeen = 0;
  let tabletNotDelivered = 0;
  const tabletSample: string[] = [];
  for (const [key, seqs] of tablet.seen()) {
    for (const seq of seqs) {
      tabletSeen++;
      if (independent.accounted(key, seq) || tap.brokerAcked(key, seq)) continue;
      tabletNotDelivered++;
      if (tabletSample.length < 10) tabletSample.push(`${key}#${seq}`);
    }
  }
  log(`tablet (local broker) saw ${tabletSeen} (stream, seq); not at the hospital and not announced: ${tabletNotDelivered} ${tabletSample.join(' ')}`);
  log(`hospital broker's own drop warnings in its log: ${brokerDrops.warnings}`);
  log(`independent consumer: ${JSON.stringify(ind.perStream)}`);

  const result = {
    streams: report.streams,
    records: report.records,
    missing: report.missing,
    missing_unexplained: unexplained.length,
    duplicates_after_dedupe: report.duplicates_after_dedupe,
    loss_accounted: report.loss_accounted,
    gaps_unannounced: gatewaySilent.length,
    loss_announced: ind.loss_announced,
    broker_own_loss: brokerOwn.length,
    broker_own_loss_graceful: ownBy.graceful.length,
    broker_own_loss_kill9: ownBy.kill9.length,
    broker_own_loss_no_restart: ownBy.none.length,
    tablet_seen: tabletSeen,
    tablet_seen_not_delivered: tabletNotDelivered,
    broker_drop_warnings: brokerDrops.warnings,
    drain_failed: drainFailed ? 1 : 0,
    kills: counts.kills,
    kills_aimed_at_burst: counts.kills_aimed_at_burst,
    kills_mid_burst: counts.kills_mid_burst,
    broker_restarts: counts.broker_restarts,
    broker_kill9: counts.broker_kill9,
    stalls: counts.stalls,
    blackouts: counts.blackouts,
  };
  log(`resent copies removed by deduplication: ${report.duplicates}; link resets: ${counts.resets}; connections through the emulator: ${link.counts.connections}`);
  if (report.missing > 0) log(`missing, e.g.: ${report.missingSample.join(' ')}`);
  await daemon.stop();
  await consumer.stop();
  await independent.stop();
  await tablet.stop();
  await link.stop();
  await broker.stop();
  if (opts.keep || report.missing > 0 || drainFailed) log(`work dir kept: ${work}`);
  else rmSync(work, { recursive: true, force: true });
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  chaos(parseArgs(process.argv.slice(2))).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      const ok =
        result.gaps_unannounced === 0 &&
        result.missing_unexplained === 0 &&
        result.broker_own_loss_graceful === 0 &&
        result.tablet_seen_not_delivered === 0 &&
        result.duplicates_after_dedupe === 0 &&
        result.drain_failed === 0;
      process.exit(ok ? 0 : 1);
    },
    (err: Error) => {
      process.stderr.write(`chaos failed: ${err.stack}\n`);
      process.exit(2);
    },
  );
}
