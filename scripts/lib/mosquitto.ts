// Debian's mosquitto as a real MQTT 5 broker for tests, the benchmark and the chaos harness: its own config in a temp
// directory, a free port on loopback, restartable on the same port (persistence survives a clean restart).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, waitForPort } from './free-port.js';

export const MOSQUITTO = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';

export interface MosquittoOptions {
  dir: string;
  /** Fixed port (default: a free one). */
  port?: number;
  /** set_tcp_nodelay true: without it mosquitto shows a ~1.3 ms latency floor with spikes to ~40 ms. */
  nodelay?: boolean;
  persistence?: boolean;
  /** Mutual TLS listener: CA, server certificate and key files; clients must present a certificate. */
  tls?: { ca: string; cert: string; key: string };
  /** More config lines (bridges, autosave …). */
  extra?: string[];
  /**
   * Debian's defaults for what a hospital's broker is likely to run with: no `max_queued_messages 0` (mosquitto then
   * keeps at most 1000 messages per client beyond those in flight, and drops the rest silently), no tcp_nodelay.
   */
  debianDefaults?: boolean;
  /** Each chunk mosquitto writes to its log (errors and warnings, notices with debianDefaults). */
  onLog?: (text: string) => void;
}

export interface Mosquitto {
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  readonly configFile: string;
  /** Clean stop (SIGTERM: persistence is written), or SIGKILL. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** Starts again on the same port. */
  start(): Promise<void>;
  running(): boolean;
}

export function mosquittoAvailable(): boolean {
  return existsSync(MOSQUITTO);
}

export async function startMosquitto(options: MosquittoOptions): Promise<Mosquitto> {
  mkdirSync(options.dir, { recursive: true });
  for (let attempt = 0; ; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await launch(options, port);
    } catch (err) {
      if (options.port !== undefined || attempt >= 4) throw err;
    }
  }
}

async function launch(options: MosquittoOptions, port: number): Promise<Mosquitto> {
  const configFile = join(options.dir, `mosquitto-${port}.conf`);
  const lines = [
    `listener ${port} 127.0.0.1`,
    'allow_anonymous true',
    `persistence ${options.persistence ? 'true' : 'false'}`,
    `persistence_location ${options.dir}/`,
    'log_dest stderr',
    'log_type error',
    'log_type warning',
    // Started as root, mosquitto would switch to its own user and could no longer read our private temp dirs.
    ...(process.getuid?.() === 0 ? ['user root'] : []),
    ...(options.debianDefaults ? ['log_type notice'] : ['max_queued_messages 0', 'max_inflight_messages 20']),
    ...(options.nodelay === false || options.debianDefaults ? [] : ['set_tcp_nodelay true']),
    ...(options.tls
      ? [`cafile ${options.tls.ca}`, `certfile ${options.tls.cert}`, `keyfile ${options.tls.key}`, 'require_certificate true', 'use_identity_as_username true']
      : []),
    ...(options.extra ?? []),
  ];
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  let child: ChildProcess | undefined;
  let stderr = '';
  const spawnIt = async () => {
    stderr = '';
    const c = spawn(MOSQUITTO, ['-c', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    c.stderr!.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
      options.onLog?.(d.toString());
    });
    child = c;
    try {
      await waitForPort('127.0.0.1', port, 15_000, () => c.exitCode === null && c.signalCode === null);
    } catch (err) {
      c.kill('SIGKILL');
      throw new Error(`mosquitto did not start on port ${port}: ${(err as Error).message}\n${stderr}`);
    }
  };
  await spawnIt();
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    port,
    url: `mqtt${options.tls ? 's' : ''}://127.0.0.1:${port}`,
    get pid() {
      return child?.pid;
    },
    configFile,
    running,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      const c = child;
      if (!c || !running()) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill(signal);
      const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    async start() {
      if (running()) return;
      await spawnIt();
    },
  };
}
