// `ambulink demo` with the point-of-care analysers: simulated blood-gas and troponin results reach the local MQTT
// broker, as the crew tablet (and, through the uplink, the hospital) sees them. Runs the built CLI in its own demo
// directory with ephemeral ports.
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { stringify } from 'yaml';
import { packageRoot } from '../../../src/core/paths.js';
import { runCli } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

/** A port the OS just handed out (the POCT1-A simulator must know where to dial before the daemon starts). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

t.test('the demo shows blood-gas and troponin results arriving on the local broker', async (t) => {
  const dir = tempDir(t, 'al-demo-');
  const secrets = join(packageRoot(), 'config', 'demo-secrets');
  const config = {
    vehicle: { id: 'DEMO-LAB' },
    storage: { dataDir: '${AMBULINK_DEMO_DIR}/data' },
    control: { socket: '${AMBULINK_DEMO_DIR}/control.sock' },
    localBroker: { host: '127.0.0.1', port: 0, users: [{ username: 'tablet', passwordFile: join(secrets, 'tablet.password'), role: 'consumer' }] },
    devices: [
      { id: 'bga', driver: 'astm', transport: { type: 'serial', path: '${AMBULINK_DEMO_DIR}/bga.pty' }, simulate: { every: '3', first: '1', panel: 'bloodgas' } },
      { id: 'poc', driver: 'poct1a', transport: { type: 'tcp-server', host: '127.0.0.1', port: await freePort() }, simulate: { every: '3', first: '1', panel: 'cardiac' } },
    ],
  };
  const file = join(dir, 'demo.yaml');
  writeFileSync(file, stringify(config));
  const r = await runCli(['demo', '--plain', '--duration', '30', '--config', file], { env: { AMBULINK_DEMO_DIR: join(dir, 'run') }, timeoutMs: 150_000 });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /bga\s+pH BldA\s+7\.\d+ \[pH\] \w+ \[final\]/, 'a blood-gas result from the ASTM analyser, under its LOINC short name');
  t.match(r.stdout, /bga\s+Lactate Bld-sCnc\s+\d+(\.\d+)? mmol\/L/, 'lactate');
  t.match(r.stdout, /poc\s+Troponin I SerPl-mCnc\s+\d+(\.\d+)? ng\/mL/, 'a troponin result from the POCT1-A device');
});
