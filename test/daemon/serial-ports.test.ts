import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { listSerialPorts } from '../../drivers/sdk/transports/serial-ports.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

t.test('without udevadm, ports are listed from /dev with their stable names', async (t) => {
  const dev = tempDir(t);
  for (const n of ['ttyUSB0', 'ttyACM1', 'ttyS0', 'null', 'tty']) writeFileSync(join(dev, n), '');
  mkdirSync(join(dev, 'ambulink'));
  symlinkSync('../ttyUSB0', join(dev, 'ambulink', 'gps'));
  const path = process.env.PATH;
  process.env.PATH = dev; // no udevadm here
  t.teardown(() => {
    process.env.PATH = path;
  });
  const listing = await listSerialPorts(dev);
  t.equal(listing.source, 'dev');
  t.same(listing.ports.map((p) => p.path), ['ttyACM1', 'ttyS0', 'ttyUSB0'].map((n) => join(dev, n)));
  t.same(listing.ports.find((p) => p.path.endsWith('ttyUSB0'))?.aliases, [join(dev, 'ambulink', 'gps')]);
});

t.test('ambulink ports says when udevadm is missing instead of failing', async (t) => {
  const res = await runCli(['ports'], { env: { PATH: '/nonexistent' } });
  t.equal(res.code, 0, res.stderr);
  t.match(res.stdout, /udevadm is not available/);
});
