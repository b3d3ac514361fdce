// The unit file passes systemd-analyze verify (where systemd-analyze exists) and keeps its hardening.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { packageRoot } from '../src/core/paths.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const unit = readFileSync(join(packageRoot(), 'systemd/ambulink.service'), 'utf8');

t.test('the unit is Type=notify with watchdog, restart and the hardening a medical edge service needs', async (t) => {
  for (const line of [
    'Type=notify',
    'WatchdogSec=30s',
    'Restart=on-failure',
    'User=ambulink',
    'ProtectSystem=strict',
    'NoNewPrivileges=yes',
    'PrivateTmp=yes',
    'DevicePolicy=closed',
    'StateDirectory=ambulink',
    'ExecStart=/usr/local/bin/ambulink run --config /etc/ambulink/vehicle.yaml',
  ]) {
    t.ok(unit.split('\n').includes(line), line);
  }
  const devices = unit.split('\n').filter((l) => l.startsWith('DeviceAllow='));
  t.ok(devices.length > 0 && devices.every((l) => /^DeviceAllow=char-(ttyS|ttyUSB|ttyACM|video4linux) rw$/.test(l)), 'only serial and camera devices');
});

t.test('systemd-analyze verify passes', async (t) => {
  try {
    await run('systemd-analyze', ['--version']);
  } catch {
    t.skip('systemd-analyze is not installed on this machine (it comes with the systemd package)');
    return;
  }
  // Verify the unit as written, with ExecStart pointing at this build (the installed path does not exist here).
  const dir = tempDir(t);
  const copy = join(dir, 'ambulink.service');
  writeFileSync(copy, unit.replace('ExecStart=/usr/local/bin/ambulink', `ExecStart=${CLI}`));
  const res = await run('systemd-analyze', ['verify', copy]).then(
    (r) => ({ code: 0, stderr: r.stderr }),
    (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
  );
  t.equal(res.code, 0, res.stderr);
  t.notMatch(res.stderr, /Unknown key|Unknown section|Failed/, 'no warnings either');
});
