// The CLI against a real daemon process (`ambulink run`), as an operator uses it, and without one.
import { spawn } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { nmeaSimulator } from '../../drivers/nmea0183/simulator.js';
import { silentLogger } from '../../src/core/logger.js';
import { packageRoot } from '../../src/core/paths.js';
import { CLI, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

t.test('status and devices say clearly that no daemon runs (exit 3)', async (t) => {
  const dir = tempDir(t);
  for (const cmd of ['status', 'devices']) {
    const res = await runCli([cmd, '--socket', join(dir, 'none.sock')]);
    t.equal(res.code, 3, `${cmd} exit code`);
    t.match(res.stderr, /ambulink is not running/);
  }
});

t.test('run, status, devices, capture and decode against a live daemon', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  const sim = await nmeaSimulator.start({ endpoint: { type: 'pty', path: pty }, params: { retime: 'true', speed: '4' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  const socket = join(dir, 'control.sock');
  const config = join(dir, 'vehicle.yaml');
  writeFileSync(
    config,
    stringify({
      vehicle: { id: 'CLI-1' },
      storage: { dataDir: join(dir, 'data') },
      control: { socket },
      localBroker: { port: 0 },
      devices: [{ id: 'gps', driver: 'nmea0183', transport: { type: 'serial', path: pty } }],
    }),
  );
  const daemon = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let logs = '';
  daemon.stdout.on('data', (d: Buffer) => (logs += d.toString()));
  const exited = new Promise<number | null>((r) => daemon.once('exit', (code) => r(code)));
  t.teardown(() => {
    if (daemon.exitCode === null) daemon.kill('SIGKILL');
  });

  const status = await waitFor(async () => {
    const res = await runCli(['status', '--json', '--socket', socket]);
    const s = res.code === 0 ? (JSON.parse(res.stdout) as { devices: { connected: number }; records: { accepted: number } }) : undefined;
    return s && s.records.accepted > 3 ? s : undefined;
  }, 'the daemon up with its GPS connected and records flowing');
  t.equal(status.devices.connected, 1);
  t.equal(statSync(socket).mode & 0o777, 0o660, 'control socket is mode 0660');

  const human = await runCli(['status', '--socket', socket]);
  t.equal(human.code, 0);
  t.match(human.stdout, /vehicle CLI-1/);
  t.match(human.stdout, /1\/1 connected/);

  const devices = await runCli(['devices', '--socket', socket]);
  t.equal(devices.code, 0);
  t.match(devices.stdout, /gps\s+nmea0183\s+connected/);
  const list = JSON.parse((await runCli(['devices', '--json', '--socket', socket])).stdout) as Array<{ id: string; counters: { framesOk: number } }>;
  t.equal(list[0]?.id, 'gps');
  t.ok(list[0]!.counters.framesOk > 0);

  // Capture through the daemon, then decode the capture offline: the two ends of a field bug report.
  const capture = join(dir, 'gps.bin');
  const cap = await runCli(['capture', '--device', 'gps', '--output', capture, '--seconds', '3', '--socket', socket]);
  t.equal(cap.code, 0, cap.stderr);
  const bytes = readFileSync(capture);
  t.ok(bytes.length > 100, `${bytes.length} bytes captured`);
  t.match(bytes.toString('latin1'), /\$GPRMC,/);
  const decoded = await runCli(['decode', '--driver', 'nmea0183', '--input', capture, '--vehicle', 'CLI-1', '--device', 'gps']);
  t.equal(decoded.code, 0, decoded.stderr);
  const records = decoded.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; vehicle: string });
  t.ok(records.length > 0);
  t.ok(records.every((r) => r.kind === 'location' && r.vehicle === 'CLI-1'));
  t.match(decoded.stderr, /nmea0183: \d+ frames, \d+ records/);

  const unknown = await runCli(['capture', '--device', 'nope', '--output', join(dir, 'x.bin'), '--seconds', '1', '--socket', socket]);
  t.equal(unknown.code, 1);
  t.match(unknown.stderr, /no device "nope"/);

  // A second daemon on the same socket refuses to start.
  const second = await runCli(['run', '--config', config]);
  t.equal(second.code, 1);
  t.match(second.stderr, /already running/);

  daemon.kill('SIGTERM');
  t.equal(await exited, 0, 'clean exit on SIGTERM');
  t.match(logs, /"msg":"ambulink stopped"/, 'logs flushed before exit');
  const after = await runCli(['status', '--socket', socket]);
  t.equal(after.code, 3, 'the socket is gone with the daemon');
});

t.test('decode reads stdin and reports bad checksums without decoding them', async (t) => {
  const good = readFileSync(join(packageRoot(), 'fixtures/nmea0183/neo-m8n.log'));
  const bad = Buffer.from('$GNGGA,171926.00,4404.14063,N,12118.85478,W,1,12,0.91,1147.2,M,-21.3,M,,*45\r\n');
  const res = await runCli(['decode', '--driver', 'nmea0183', '--received-at', '2026-01-01T00:00:00.000Z'], { input: Buffer.concat([good, bad]) });
  t.equal(res.code, 0);
  t.match(res.stderr, /1 checksum errors/);
  const lines = res.stdout.trim().split('\n');
  t.ok(lines.length > 20);
  t.ok(lines.every((l) => (JSON.parse(l) as { receivedAt: string }).receivedAt === '2026-01-01T00:00:00.000Z'));
  const unknownDriver = await runCli(['decode', '--driver', 'nmea0138'], { input: '' });
  t.equal(unknownDriver.code, 2);
  t.match(unknownDriver.stderr, /no driver "nmea0138"/);
});
