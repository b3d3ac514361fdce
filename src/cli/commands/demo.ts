// `ambulink demo`: the real daemon on config/demo.yaml with a simulator for every device, the embedded broker and a
// throw-away data directory, and a live view. No hardware needed.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { findDriver } from '../../../drivers/index.js';
import type { RunningSimulator, SimEndpoint } from '../../../drivers/sdk/simulator.js';
import type { TransportConfig } from '../../../drivers/sdk/transports/config.js';
import { StandInBroker } from '../../broker/stand-in-broker.js';
import { loadConfig, ConfigError, type VehicleConfig } from '../../config/index.js';
import { callDaemon, demoDir } from '../../control/client.js';
import { silentLogger } from '../../core/logger.js';
import { packageRoot } from '../../core/paths.js';
import { startHospitalStandIn } from '../../video/demo-ingest.js';
import type { StatusReport } from '../../daemon/control-api.js';
import type { CanonicalRecord } from '../../schema/index.js';
import { EXIT, fail } from '../output.js';
import { prepareDemoSetpoints } from './demo-setpoint.js';
import { describeRecord, renderWatch } from './watch.js';

export interface DemoOptions {
  config?: string;
  /** Stop after this many seconds (default: run until Ctrl-C). */
  duration?: string;
  /** Print records as a local MQTT consumer receives them, one per line, instead of the full-screen view. */
  plain?: boolean;
}

/** The simulator endpoint that matches how the daemon expects to reach the device. */
export function simEndpointFor(t: TransportConfig): SimEndpoint {
  switch (t.type) {
    case 'serial':
    case 'modbus-rtu':
      return { type: 'pty', path: t.path };
    case 'tcp-client':
      return { type: 'tcp-server', host: t.host, port: t.port };
    case 'modbus-tcp':
      return { type: 'tcp-server', host: t.host, port: t.port ?? 502 };
    case 'tcp-server':
      return { type: 'tcp-client', host: t.host && t.host !== '0.0.0.0' ? t.host : '127.0.0.1', port: t.port };
    case 'udp':
      return { type: 'udp', host: t.host, port: t.port };
  }
}

export async function startSimulators(config: VehicleConfig): Promise<RunningSimulator[]> {
  const running: RunningSimulator[] = [];
  for (const device of config.devices.filter((d) => d.enabled)) {
    const sim = findDriver(device.driver)?.simulator;
    if (!sim) continue;
    running.push(await sim.start({ endpoint: simEndpointFor(device.transport), params: device.simulate ?? {}, log: silentLogger() }));
  }
  return running;
}

function cliPath(): string {
  return fileURLToPath(new URL('../main.js', import.meta.url));
}

async function waitForDaemon(socket: string, child: ChildProcess, logFile: string): Promise<void> {
  // A deadline, not a count of tries: on a busy edge box the daemon (and each failed try) can take a while.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      await callDaemon(socket, 'status', {}, 1000);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  fail(`the demo daemon did not come up. Last lines of ${logFile}:\n${tail}`);
}

export async function demoCommand(opts: DemoOptions): Promise<number> {
  const dir = demoDir();
  const socket = join(dir, 'control.sock');
  if (existsSync(socket)) {
    try {
      await callDaemon(socket, 'status', {}, 1000);
      fail(`a demo is already running (${socket}); stop it first`);
    } catch {
      /* left over from a demo that was killed: take its place */
    }
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'data'), { recursive: true });
  const configFile = opts.config ?? join(packageRoot(), 'config', 'demo.yaml');
  const env = { ...process.env, AMBULINK_DEMO_DIR: dir };
  let config: VehicleConfig;
  try {
    config = loadConfig(configFile, env).config;
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }

  prepareDemoSetpoints(config, dir);
  const hospital = await startHospital(config);
  const sims = await startSimulators(config).catch((err: Error) => fail(`cannot start the simulators: ${err.message}`));
  const ingest = startHospitalStandIn(config);
  const logFile = join(dir, 'daemon.log');
  const logFd = openSync(logFile, 'a');
  const daemon = spawn(process.execPath, [cliPath(), 'run', '--config', configFile], { env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let finished = false;
  daemon.on('exit', (code, signal) => {
    if (!finished) {
      process.stderr.write(`\nambulink: the demo daemon exited unexpectedly (${signal ?? code}); see ${logFile}\n`);
      process.exitCode = EXIT.failure;
    }
  });
  await waitForDaemon(socket, daemon, logFile);
  // The port actually bound (the YAML may say 0 for "any free port").
  const status = (await callDaemon(socket, 'status')) as StatusReport;
  const lb = { ...config.localBroker, port: status.localBroker.port };
  const user = lb.users[0];
  const password = user ? readFileSync(user.passwordFile, 'utf8').trim() : undefined;
  process.stdout.write(
    [
      `ambulink demo — vehicle ${config.vehicle.id}, ${sims.length} simulated device(s)`,
      ...sims.map((s) => `  simulator   ${s.description}`),
      ...(ingest ? [`  video in    ${ingest.description}`] : []),
      `  daemon log  ${logFile}`,
      `  local MQTT  mqtt://${lb.host}:${lb.port}${user ? ` (user ${user.username}, password in ${user.passwordFile})` : ''}`,
      hospital ? `  hospital    ${hospital.url} (stand-in broker: what the hospital receives over the uplink)` : '',
      hospital ? `              ambulink tail --broker ${hospital.url}      ambulink outbox` : '',
      hospital && config.setpoints.enabled ? '  setpoints   remote ventilator setpoint, scripted (sign → confirm → applied → audit verify):  ambulink demo setpoint' : '',
      '  try, in another terminal:  ambulink status   ambulink devices   ambulink watch   ambulink video status   (from a source tree: ./scripts/ambulink …)',
      user ? `                             mosquitto_sub -h ${lb.host} -p ${lb.port} -u ${user.username} -P ${password} -t 'ambulink/v1/#' -v` : '',
      '',
    ].join('\n') + '\n',
  );

  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  daemon.once('exit', () => stop.abort());
  if (opts.duration) setTimeout(() => stop.abort(), Number(opts.duration) * 1000).unref();

  if (opts.plain || !process.stdout.isTTY) await plainView(config.vehicle.id, lb, password, stop.signal);
  else await screenView(socket, stop.signal);

  finished = true;
  if (daemon.exitCode === null) {
    daemon.kill('SIGTERM');
    const killer = setTimeout(() => daemon.kill('SIGKILL'), 15_000);
    await new Promise((r) => daemon.once('exit', r));
    clearTimeout(killer);
  }
  await Promise.all(sims.map((s) => s.stop()));
  await ingest?.stop();
  await hospital?.stop();
  rmSync(join(dir, 'data'), { recursive: true, force: true });
  process.stdout.write(`\ndemo stopped (daemon log kept in ${logFile})\n`);
  return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
}

/**
 * The hospital's broker, stood in for by an embedded aedes (MQTT 3.1.1, so the uplink falls back from 5) on the
 * loopback address and port the demo vehicle's uplink names.
 */
async function startHospital(config: VehicleConfig): Promise<StandInBroker | undefined> {
  if (!config.uplink?.enabled) return undefined;
  const url = new URL(config.uplink.url);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(url.hostname) || url.protocol !== 'mqtt:') return undefined;
  const broker = new StandInBroker(url.hostname === 'localhost' ? '127.0.0.1' : url.hostname.replace(/[[\]]/g, ''), Number(url.port || 1883));
  await broker.start().catch((err: Error) => fail(`cannot start the stand-in hospital broker: ${err.message}`));
  return broker;
}

/** What an in-vehicle consumer sees: subscribes on the local broker like the crew tablet would. */
async function plainView(vehicle: string, lb: VehicleConfig['localBroker'], password: string | undefined, signal: AbortSignal): Promise<void> {
  const client = mqtt.connect({ host: lb.host, port: lb.port, username: lb.users[0]?.username, password, reconnectPeriod: 1000 });
  client.on('error', (err) => process.stderr.write(`local broker: ${err.message}\n`));
  client.subscribe(`ambulink/v1/${vehicle}/#`, { qos: 0 });
  client.on('message', (topic, payload) => {
    if (topic.endsWith('/status')) return;
    const record = JSON.parse(payload.toString()) as CanonicalRecord;
    const text = record.kind === 'device' ? `device ${record.state}${record.error ? ` (${record.error})` : ''}` : describeRecord(record);
    if (text) process.stdout.write(`${record.receivedAt.slice(11, 23)} ${record.device.padEnd(10)} ${text}\n`);
  });
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
  await client.endAsync();
}

async function screenView(socket: string, signal: AbortSignal): Promise<void> {
  const header = '\x1b[H\x1b[2Jambulink demo — live view (Ctrl-C to stop)\n\n';
  while (!signal.aborted) {
    try {
      const [devices, latest] = (await Promise.all([callDaemon(socket, 'devices'), callDaemon(socket, 'latest')])) as Parameters<typeof renderWatch>;
      process.stdout.write(`${header}${renderWatch(devices, latest)}\n`);
    } catch {
      /* the daemon is stopping */
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}
