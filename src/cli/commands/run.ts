// `ambulink run --config FILE`: the daemon, in the foreground, as systemd runs it.
import { ConfigError, loadConfig, type LoadedConfig } from '../../config/index.js';
import { createLogger } from '../../core/logger.js';
import { Controller } from '../../daemon/controller.js';
import { EXIT } from '../output.js';

const STOP_TIMEOUT_MS = 20_000;

export function loadOrExit(file: string): LoadedConfig {
  try {
    return loadConfig(file);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nambulink: ${file} is not valid; not starting\n`);
      process.exit(EXIT.failure);
    }
    throw err;
  }
}

export async function runDaemon(configFile: string): Promise<void> {
  const loaded = loadOrExit(configFile);
  const log = createLogger(loaded.config.log.level);
  const controller = new Controller({ loaded, log });
  const exit = (code: number) => {
    process.exitCode = code;
    log.flush();
    // Give the asynchronous log destination a moment to drain before the process ends.
    setTimeout(() => process.exit(code), 50);
  };
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    const guard = setTimeout(() => {
      log.error('stop took too long; exiting anyway');
      exit(EXIT.failure);
    }, STOP_TIMEOUT_MS);
    await controller.stop();
    clearTimeout(guard);
    exit(EXIT.ok);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('uncaughtException', (err) => {
    log.fatal({ err: err.stack }, 'uncaught exception; exiting so that systemd restarts the daemon');
    exit(EXIT.failure);
  });
  process.on('unhandledRejection', (err) => {
    log.fatal({ err: (err as Error)?.stack ?? String(err) }, 'unhandled rejection; exiting so that systemd restarts the daemon');
    exit(EXIT.failure);
  });
  try {
    await controller.start();
  } catch (err) {
    log.fatal({ err: (err as Error).message }, 'ambulink could not start');
    process.stderr.write(`ambulink: could not start: ${(err as Error).message}\n`);
    exit(EXIT.failure);
  }
}
