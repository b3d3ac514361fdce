// Starts the real daemon (the Controller, in-process) on a vehicle YAML written to a temp dir, collects every record
// it publishes, and stops it when the test ends. Ports are ephemeral (port: 0) so tests can run side by side.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import { parseConfig, type LoadedConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/core/logger.js';
import { Controller, type ControllerOptions } from '../../src/daemon/controller.js';
import type { CanonicalRecord } from '../../src/schema/index.js';
import { tempDir } from './tmp.js';
import { waitFor } from './wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

export interface TestDaemon {
  controller: Controller;
  loaded: LoadedConfig;
  dir: string;
  socket: string;
  records: CanonicalRecord[];
  /** Parsed JSON log lines the daemon wrote. */
  logs: Array<Record<string, unknown>>;
  waitForRecord<R extends CanonicalRecord = CanonicalRecord>(
    match: (r: CanonicalRecord) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<R>;
  stop(): Promise<void>;
}

/**
 * `config` is the vehicle config as an object (devices, policies …); storage, control socket and local broker
 * port are filled in with test-private values unless given.
 */
export async function startDaemon(
  t: TestLike,
  config: Record<string, unknown>,
  options: { env?: NodeJS.ProcessEnv; dir?: string; video?: ControllerOptions['video']; controller?: Partial<Pick<ControllerOptions, 'clock' | 'hospital'>> } = {},
): Promise<TestDaemon> {
  const dir = options.dir ?? tempDir(t);
  const full = {
    vehicle: { id: 'TEST-1' },
    ...config,
    storage: { dataDir: join(dir, 'data'), ...(config.storage as object | undefined) },
    control: { socket: join(dir, 'control.sock'), ...(config.control as object | undefined) },
    localBroker: { host: '127.0.0.1', port: 0, ...(config.localBroker as object | undefined) },
  };
  const file = join(dir, 'vehicle.yaml');
  const text = stringify(full);
  writeFileSync(file, text);
  const loaded = parseConfig(text, file, { ...process.env, ...options.env });
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const log = createLogger('debug', sink);
  const controller = new Controller({ loaded, log, env: options.env ?? {}, ...(options.video ? { video: options.video } : {}), ...options.controller });
  const records: CanonicalRecord[] = [];
  let stopped = false;
  await controller.start();
  controller.env.bus.on(records, 'record', (r) => records.push(r));
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await controller.stop();
  };
  t.teardown(stop);
  return {
    controller,
    loaded,
    dir,
    socket: loaded.config.control.socket,
    records,
    logs,
    stop,
    waitForRecord: <R extends CanonicalRecord>(match: (r: CanonicalRecord) => boolean, what: string, timeoutMs = 30_000) =>
      waitFor(() => records.find(match) as R | undefined, what, timeoutMs),
  };
}
