import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, parseConfig, publishedSchema } from '../../src/config/index.js';
import { packageRoot } from '../../src/core/paths.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const problemsOf = (yaml: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parseConfig(yaml, 'vehicle.yaml', env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

const typoTypeMissing = `vehicle:
  id: AMB-042
localBroker:
  port: "fast"
devices:
  - id: gps
    driver: nmea0183
    transprot:
      type: serial
      path: /dev/ttyUSB0
`;

t.test('a typo in a key, a wrong type and a missing transport: all three, with lines', async (t) => {
  const problems = problemsOf(typoTypeMissing);
  t.equal(problems.length, 3);
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
  t.match(byPath['localBroker.port'], { line: 4, message: /must be a whole number, got "fast"/ });
  t.match(byPath['devices[0].transprot'], { line: 8, column: 5, message: /unknown key "transprot" \(did you mean "transport"\?\)/ });
  t.match(byPath['devices[0]'], { line: 6, message: /missing required key "transport"/, hint: /serial, tcp-client/ });
  for (const p of problems) t.ok(p.hint, `${p.path} says what to do`);
});

t.test('driver-specific rules: unknown driver, transport not allowed for the driver, transport keys', async (t) => {
  const problems = problemsOf(`vehicle: { id: V1 }
devices:
  - id: gps
    driver: nmea0138
    transport: { type: serial, path: /dev/x, baudrate: 9600 }
  - id: gps2
    driver: nmea0183
    transport: { type: tcp-server, port: 5000 }
`);
  t.match(problems.find((p) => p.path === 'devices[0].driver'), { message: /did you mean "nmea0183"/ });
  t.match(problems.find((p) => p.path === 'devices[0].transport.baudrate'), { message: /did you mean "baudRate"/ });
  t.ok(problems.find((p) => p.path === 'devices[1].transport.type'), 'nmea0183 does not listen on TCP');
});

t.test('duplicate and reserved device ids', async (t) => {
  const problems = problemsOf(`vehicle: { id: V1 }
devices:
  - { id: gps, driver: nmea0183, transport: { type: serial, path: /dev/a } }
  - { id: gps, driver: nmea0183, transport: { type: serial, path: /dev/b } }
  - { id: gateway, driver: nmea0183, transport: { type: serial, path: /dev/c } }
`);
  t.match(problems, [{ line: 4, message: /duplicate device id "gps"/ }, { line: 5, message: /reserved/ }]);
});

t.test('YAML syntax errors name the line', async (t) => {
  const problems = problemsOf('vehicle:\n  id: V1\n devices: [\n');
  t.ok(problems.length >= 1);
  t.match(problems[0], { message: /YAML syntax/ });
  t.ok(problems[0]!.line >= 2);
});

t.test('defaults are applied and relative paths resolve against the file', async (t) => {
  const { config } = parseConfig('vehicle: { id: V1 }\nlocalBroker:\n  users: [{ username: u, passwordFile: secrets/u.pw, role: consumer }]\n', '/etc/ambulink/vehicle.yaml', {});
  t.equal(config.storage.dataDir, '/var/lib/ambulink');
  t.equal(config.control.socket, '/run/ambulink/control.sock');
  t.equal(config.localBroker.host, '127.0.0.1');
  t.equal(config.localBroker.port, 1883);
  t.equal(config.localBroker.users[0]!.passwordFile, '/etc/ambulink/secrets/u.pw');
  t.same(config.devices, []);
});

t.test('${VAR} takes the environment; an unset variable is an error with its line', async (t) => {
  const yaml = 'vehicle: { id: V1 }\nstorage:\n  dataDir: ${STATE_DIR}/x\n';
  t.equal(parseConfig(yaml, 'v.yaml', { STATE_DIR: '/srv' }).config.storage.dataDir, '/srv/x');
  t.match(problemsOf(yaml, {}), [{ line: 3, path: 'storage.dataDir', message: /STATE_DIR is not set/ }]);
});

t.test('the shipped example and demo configs are valid', async (t) => {
  const root = packageRoot();
  t.doesNotThrow(() => parseConfig(readFileSync(join(root, 'config/example-vehicle.yaml'), 'utf8'), join(root, 'config/example-vehicle.yaml'), {}));
  t.doesNotThrow(() => parseConfig(readFileSync(join(root, 'config/demo.yaml'), 'utf8'), join(root, 'config/demo.yaml'), { AMBULINK_DEMO_DIR: '/tmp/d' }));
});

t.test('config/vehicle.schema.json is the schema the code validates with', async (t) => {
  const published = JSON.parse(readFileSync(join(packageRoot(), 'config/vehicle.schema.json'), 'utf8')) as object;
  t.same(published, publishedSchema(), 'regenerate with: node dist/src/cli/main.js config schema > config/vehicle.schema.json');
});

t.test('ambulink config validate: exit 0 when valid, 1 with every problem when not', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, typoTypeMissing);
  const res = await runCli(['config', 'validate', bad]);
  t.equal(res.code, 1);
  t.match(res.stderr, new RegExp(`${bad}:4:9: localBroker.port`));
  t.match(res.stderr, new RegExp(`${bad}:8:5: devices\\[0\\].transprot`));
  t.match(res.stderr, new RegExp(`${bad}:6:5: devices\\[0\\]: missing required key "transport"`));
  const ok = await runCli(['config', 'validate', join(packageRoot(), 'config/example-vehicle.yaml')]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /valid/);
  const missing = await runCli(['config', 'validate', join(dir, 'nope.yaml')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /cannot read the file \(ENOENT\)/);
});

t.test('the daemon refuses to start on an invalid file', async (t) => {
  const dir = tempDir(t);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, typoTypeMissing);
  const res = await runCli(['run', '--config', bad]);
  t.equal(res.code, 1);
  t.match(res.stderr, /not valid; not starting/);
});

t.test('cameras: defaults, per-source checks with lines, unique ids, live limits', async (t) => {
  const { config } = parseConfig('vehicle: { id: V1 }\ncameras:\n  - id: cab\n    source: { type: rtsp, url: "rtsp://cam/s" }\n', '/etc/ambulink/vehicle.yaml', {});
  t.match(config.cameras[0], { width: 1280, height: 720, fps: 30, encoders: ['libx264'], recordBitrateKbps: 2500, live: { enabled: true, minBitrateKbps: 300 }, source: { transport: 'tcp', timeoutMs: 5000 } });
  t.match(config.video, { segmentSeconds: 10, stallTimeoutMs: 8000, retention: { evictUploadedBelowFreePercent: 15, alarmBelowFreePercent: 5, evictUnuploaded: false } });
  const problems = problemsOf(`vehicle: { id: V1 }
video:
  recordDir: /rec|x
  live: { url: "http://h:1" }
cameras:
  - id: a
    source: { type: v4l2, devise: /dev/video0 }
  - id: a
    source: { type: usb }
    encoders: [x265]
`);
  const byPath = (p: string) => problems.filter((x) => x.path === p);
  t.match(byPath('video.live.url'), [{ line: 4 }]);
  t.match(byPath('cameras[0].source.devise'), [{ line: 7, message: /did you mean "device"/ }]);
  t.match(byPath('cameras[1].source.type'), [{ line: 9, message: /"usb" is not allowed/, hint: /test, v4l2, rtsp/ }]);
  t.match(byPath('cameras[1].encoders[0]'), [{ line: 10, hint: /libx264, vaapi, nvenc, v4l2m2m/ }]);
  const semantic = problemsOf(`vehicle: { id: V1 }
video: { recordDir: /rec|x }
cameras:
  - { id: a, source: { type: test } }
  - { id: a, source: { type: test }, live: { maxBitrateKbps: 200, minBitrateKbps: 300 } }
`);
  t.match(semantic, [{ path: 'video.recordDir', line: 2 }, { path: 'cameras[1].id', line: 5, message: /duplicate camera id/ }, { path: 'cameras[1].live', line: 5, message: /below minBitrateKbps/ }]);
});
