// `ambulink capture --device ID --output FILE`: raw bytes from a device, exactly as received, for `decode` and for
// bug reports. Through the running daemon when there is one (the port is the daemon's); otherwise standalone, with
// the device's driver attached so that polled protocols keep talking.
import { createWriteStream } from 'node:fs';
import { findDriver } from '../../../drivers/index.js';
import { DeviceSupervisor } from '../../../drivers/sdk/supervisor.js';
import { DaemonError, DaemonNotRunning, resolveSocket, streamDaemon } from '../../control/client.js';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/logger.js';
import { EXIT, fail } from '../output.js';
import { loadOrExit } from './run.js';

export interface CaptureOptions {
  device: string;
  output: string;
  seconds?: string;
  config?: string;
  socket?: string;
}

export async function captureCommand(opts: CaptureOptions): Promise<number> {
  const seconds = opts.seconds === undefined ? undefined : Number(opts.seconds);
  if (seconds !== undefined && !(seconds > 0)) fail('--seconds must be a positive number', EXIT.usage);
  const file = createWriteStream(opts.output);
  let bytes = 0;
  const write = (chunk: Buffer) => {
    bytes += chunk.length;
    file.write(chunk);
  };
  const stop = new AbortController();
  process.on('SIGINT', () => stop.abort());
  if (seconds !== undefined) setTimeout(() => stop.abort(), seconds * 1000).unref();
  process.stderr.write(`capturing ${opts.device} to ${opts.output}${seconds ? ` for ${seconds} s` : ' (Ctrl-C to stop)'}\n`);
  try {
    await streamDaemon(resolveSocket(opts.socket), 'capture', { device: opts.device }, (event) => write(Buffer.from((event as { data: string }).data, 'base64')), stop.signal);
  } catch (err) {
    if (err instanceof DaemonError) fail(err.message);
    if (!(err instanceof DaemonNotRunning)) throw err;
    if (!opts.config) fail(`${err.message}\nTo capture without the daemon, name the vehicle config: --config /etc/ambulink/vehicle.yaml`, EXIT.notRunning);
    await standalone(opts.config, opts.device, write, stop.signal);
  }
  await new Promise<void>((resolve) => file.end(() => resolve()));
  process.stderr.write(`${bytes} bytes written to ${opts.output}\n`);
  return EXIT.ok;
}

async function standalone(configFile: string, deviceId: string, write: (chunk: Buffer) => void, signal: AbortSignal): Promise<void> {
  const { config } = loadOrExit(configFile);
  const device = config.devices.find((d) => d.id === deviceId);
  if (!device) fail(`no device "${deviceId}" in ${configFile}`);
  const driver = findDriver(device.driver)!;
  const supervisor = new DeviceSupervisor(
    { id: device.id, driver, options: device.options, transport: device.transport, staleAfterMs: 60_000 },
    { vehicle: config.vehicle.id, clock: systemClock, log: silentLogger(), emit: () => undefined },
  );
  supervisor.setRawTap(write);
  supervisor.start();
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
  await supervisor.stop();
}
