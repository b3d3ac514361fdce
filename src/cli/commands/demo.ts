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
import { diesWithDaemon } from '../../video/child-lifetime.js';
import { startHospitalStandIn } from '../../video/demo-ingest.js';
import type { StatusReport } from '../../daemon/control-api.js';
import type { CanonicalRecord } from '../../schema/index.js';
import { EXIT, fail } from '../output.js';
import { consoleLines, prepareDemoConsole, startHospitalView } from './demo-console.js';
import { prepareDemoSetpoints } from './demo-setpoint.js';
import { startHandoverStandIns } from './demo-handover.js';
import { DEMO_STOP_BUDGET, stopDemo, SupervisedDaemon, type Closer } from './demo-supervisor.js';
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

/** Starts a simulator for every enabled device that has one; each is added to `closers` as soon as it runs. */
export async function startSimulators(config: VehicleConfig, closers: Closer[] = []): Promise<RunningSimulator[]> {
  const running: RunningSimulator[] = [];
  for (const device of config.devices.filter((d) => d.enabled)) {
    const sim = findDriver(device.driver)?.simulator;
    if (!sim) continue;
    const started = await sim.start({ endpoint: simEndpointFor(device.transport), params: device.simulate ?? {}, log: silentLogger() });
    running.push(started);
    closers.push({ name: `the ${device.driver} simulator of ${device.id}`, close: () => started.stop() });
  }
  return running;
}

function cliPath(): string {
  return fileURLToPath(new URL('../main.js', import.meta.url));
}

/** Waits until the daemon answers on its control socket; throws (with the log's tail) when it dies or never does. */
async function waitForDaemon(socket: string, child: ChildProcess, logFile: string, signal: AbortSignal): Promise<void> {
  // A deadline, not a count of tries: on a busy edge box the daemon (and each failed try) can take a while.
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !signal.aborted) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    try {
      await callDaemon(socket, 'status', {}, 1000);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (signal.aborted) return;
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new DemoFailure(`the demo daemon did not come up. Last lines of ${logFile}:\n${tail}`);
}

class DemoFailure extends Error {}

/** Resolves when `signal` is aborted (at once if it is). */
const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));

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
  try {
    prepareDemoConsole(config, dir);
  } catch (err) {
    fail(`cannot make the console's certificate: ${(err as Error).message}`);
  }

  // From here on, everything started is stopped on the way out — on SIGINT/SIGTERM also during startup — within
  // DEMO_STOP_BUDGET from the moment the stop is asked for. Should the orderly stop not be done by then (a step
  // that hangs), the daemon is killed and the demo exits anyway; so does a second signal, without waiting. The
  // children die with the demo: the daemon gets SIGTERM if the demo ends without stopping it (even kill -9), its
  // video children and the SRT stand-in SIGKILL, and socat (the pty simulators) ends when its stdin closes.
  const stop = new AbortController();
  const say = (line: string) => process.stderr.write(`\nambulink demo: ${line}\n`);
  let daemon: SupervisedDaemon | undefined;
  let stopAskedAt = 0;
  let backstop: NodeJS.Timeout | undefined;
  const leaveNow = (why: string) => {
    say(`${why}: killing the daemon and leaving now`);
    daemon?.current?.kill('SIGKILL');
    process.exit(EXIT.failure);
  };
  stop.signal.addEventListener('abort', () => {
    stopAskedAt = Date.now();
    daemon?.endRestarts();
    backstop = setTimeout(() => leaveNow(`not everything stopped within ${DEMO_STOP_BUDGET.exitMs} ms`), DEMO_STOP_BUDGET.exitMs).unref();
  });
  const onSignal = (signal: NodeJS.Signals) => {
    if (!stop.signal.aborted) return stop.abort();
    leaveNow(`${signal} again`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (opts.duration) setTimeout(() => stop.abort(), Number(opts.duration) * 1000).unref();
  /** Stopped last to first, after the daemon. Other stand-ins of the demo add themselves here. */
  const closers: Closer[] = [];
  const logFile = join(dir, 'daemon.log');
  let code: number = EXIT.ok;
  try {
    const hospital = await startHospital(config);
    if (hospital) closers.push({ name: 'the stand-in hospital broker', close: () => hospital.stop() });
    const hospitalView = hospital
      ? await startHospitalView(config, hospital).catch((err: Error) => {
          throw new DemoFailure(err.message);
        })
      : undefined;
    if (hospitalView) closers.push({ name: 'the hospital view', close: () => hospitalView.stop(), withDaemon: true });
    const sims = await startSimulators(config, closers).catch((err: Error) => {
      throw new DemoFailure(`cannot start the simulators: ${err.message}`);
    });
    const ingest = startHospitalStandIn(config);
    if (ingest) closers.push({ name: 'the SRT stand-in for the hospital ingest', close: () => ingest.stop(), withDaemon: true });
    const handover = await startHandoverStandIns(config, dir).catch((err: Error) => {
      throw new DemoFailure(`cannot start the stand-in hospital systems: ${err.message}`);
    });
    closers.push(...handover.closers);
    if (stop.signal.aborted) return EXIT.ok; // asked to stop while starting: no daemon to start and stop again
    const spawnDaemon = () => {
      const logFd = openSync(logFile, 'a');
      const run = diesWithDaemon(process.execPath, [cliPath(), 'run', '--config', configFile], silentLogger(), 'TERM');
      const child = spawn(run.command, run.args, { env, stdio: ['ignore', logFd, logFd] });
      closeSync(logFd);
      return child;
    };
    daemon = new SupervisedDaemon(spawnDaemon, (line) => say(`${line}; see ${logFile}`));
    const first = daemon.start();
    await waitForDaemon(socket, first, logFile, stop.signal);
    if (stop.signal.aborted) return EXIT.ok;
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
        `  daemon      pid ${first.pid}, supervised: restarted with backoff if it dies (as systemd would)`,
        `  daemon log  ${logFile}`,
        `  local MQTT  mqtt://${lb.host}:${lb.port}${user ? ` (user ${user.username}, password in ${user.passwordFile})` : ''}`,
        hospital ? `  hospital    ${hospital.url} (stand-in broker: what the hospital receives over the uplink)` : '',
        hospital ? `              ambulink tail --broker ${hospital.url}      ambulink outbox` : '',
        ...handover.lines,
        ...consoleLines(config, (status.sections.console as { url?: string } | undefined)?.url, hospitalView),
        hospital && config.setpoints.enabled ? '  setpoints   remote ventilator setpoint, scripted (sign → confirm → applied → audit verify):  ambulink demo setpoint' : '',
        '  try, in another terminal:  ambulink status   ambulink devices   ambulink watch   ambulink video status   (from a source tree: ./scripts/ambulink …)',
        user ? `                             mosquitto_sub -h ${lb.host} -p ${lb.port} -u ${user.username} -P ${password} -t 'ambulink/v1/#' -v` : '',
        '',
      ].join('\n') + '\n',
    );
    if (opts.plain || !process.stdout.isTTY) await plainView(config.vehicle.id, lb, password, stop.signal);
    else await screenView(socket, stop.signal, () => daemon?.restarts ?? 0);
  } catch (err) {
    if (!(err instanceof DemoFailure)) throw err;
    process.stderr.write(`ambulink: ${err.message}\n`);
    code = EXIT.failure;
  } finally {
    stop.abort(); // also on the way out after a failure: the same budget
    const left = await stopDemo(daemon, closers.reverse(), stopAskedAt, say);
    clearTimeout(backstop); // stopped within the budget (or what is left ends with the demo, which exits now)
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!left.includes('the daemon')) rmSync(join(dir, 'data'), { recursive: true, force: true });
  }
  process.stdout.write(`\ndemo stopped (daemon log kept in ${logFile})\n`);
  return code;
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
  await aborted(signal);
  // Forced: nothing is left to send; it must not hold the stop.
  await Promise.race([client.endAsync(true), new Promise((r) => setTimeout(r, 500).unref())]);
}

/** Redraws every second until `signal`; returns at once then (a question to the daemon is not waited for). */
async function screenView(socket: string, signal: AbortSignal, restarts: () => number): Promise<void> {
  const stopped = aborted(signal);
  while (!signal.aborted) {
    const n = restarts();
    const header = `\x1b[H\x1b[2Jambulink demo — live view (Ctrl-C to stop)${n ? ` — daemon restarted ${n} time(s)` : ''}\n\n`;
    const frame = Promise.all([callDaemon(socket, 'devices'), callDaemon(socket, 'latest')]).then(
      (answers) => {
        if (!signal.aborted) process.stdout.write(`${header}${renderWatch(...(answers as Parameters<typeof renderWatch>))}\n`);
      },
      () => undefined, // the daemon is restarting or stopping
    );
    await Promise.race([frame, stopped]);
    await Promise.race([new Promise((r) => setTimeout(r, 1000).unref()), stopped]);
  }
}
