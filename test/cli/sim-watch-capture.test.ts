// `ambulink sim` as a separate process killed with SIGKILL mid-run, `ambulink watch`, and a standalone capture.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import type { DeviceRecord } from '../../src/schema/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

function simProcess(t: { teardown(fn: () => void): void }, pty: string): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'sim', 'nmea0183', '--pty', pty, '--retime', '--speed', '4'], { stdio: 'ignore' });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  return child;
}

t.test('kill -9 of the simulator: the device goes disconnected, the daemon runs on, and it reconnects', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  let sim = simProcess(t, pty);
  await waitFor(() => existsSync(pty), 'the simulator pty');
  const d = await startDaemon(t, { devices: [{ id: 'gps', driver: 'nmea0183', transport: { type: 'serial', path: pty } }] }, { dir });
  await d.waitForRecord((r) => r.kind === 'location', 'positions');
  sim.kill('SIGKILL');
  await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.state === 'disconnected', 'disconnected after kill -9');
  const mark = d.records.length;
  sim = simProcess(t, pty);
  await waitFor(() => d.records.slice(mark).find((r) => r.kind === 'device' && r.state === 'connected'), 'connected again', 60_000);
  await waitFor(() => d.records.slice(mark).find((r) => r.kind === 'location'), 'positions again', 60_000);
  const devices = await runCli(['devices', '--socket', d.socket]);
  t.equal(devices.code, 0);
  t.match(devices.stdout, /gps\s+nmea0183\s+connected/);
});

t.test('ambulink watch shows the latest values and leaves on Ctrl-C', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  simProcess(t, pty);
  await waitFor(() => existsSync(pty), 'the simulator pty');
  const d = await startDaemon(t, { devices: [{ id: 'gps', driver: 'nmea0183', transport: { type: 'serial', path: pty } }] }, { dir });
  await d.waitForRecord((r) => r.kind === 'location' && r.fix === '3d', 'a fix');
  const watch = spawn(process.execPath, [CLI, 'watch', '--socket', d.socket, '--interval', '300'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  watch.stdout.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => watch.once('exit', (code) => r(code)));
  await waitFor(() => /■ gps \(nmea0183\) — CONNECTED/.test(out) && /position\s+5\d\.\d{6}, 2\d\.\d{6}/.test(out), `the watch view (so far: ${out})`);
  watch.kill('SIGINT');
  t.equal(await exited, 0);
});

t.test('capture without a daemon opens the device itself (--config)', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  simProcess(t, pty);
  await waitFor(() => existsSync(pty), 'the simulator pty');
  const config = join(dir, 'vehicle.yaml');
  writeFileSync(config, stringify({ vehicle: { id: 'CAP-1' }, devices: [{ id: 'gps', driver: 'nmea0183', transport: { type: 'serial', path: pty } }] }));
  const out = join(dir, 'capture.bin');
  const noConfig = await runCli(['capture', '--device', 'gps', '--output', out, '--seconds', '1', '--socket', join(dir, 'none.sock')]);
  t.equal(noConfig.code, 3);
  t.match(noConfig.stderr, /--config/);
  const res = await runCli(['capture', '--device', 'gps', '--output', out, '--seconds', '3', '--socket', join(dir, 'none.sock'), '--config', config]);
  t.equal(res.code, 0, res.stderr);
  t.match(readFileSync(out, 'latin1'), /\$GP(RMC|GGA|VTG),/);
});
