// The outbox and uplink sections of the vehicle YAML: defaults, relative file paths, and the mistakes a technician
// can make with TLS files.
import t from 'tap';
import { ConfigError, parseConfig } from '../../src/config/index.js';

const problemsOf = (yaml: string) => {
  try {
    parseConfig(yaml, '/etc/ambulink/vehicle.yaml', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

t.test('without an uplink there is no outbox to run; the outbox section has defaults anyway', async (t) => {
  const { config } = parseConfig('vehicle: { id: V1 }\n', '/etc/ambulink/vehicle.yaml', {});
  t.equal(config.uplink, undefined);
  t.equal(config.outbox.dir, '/var/lib/ambulink/outbox', 'under the data dir');
  t.equal(config.outbox.syncIntervalMs, 200);
  t.match(config.outbox.classes, { alarm: { quotaBytes: Number }, waveform: { expirySeconds: 3600 }, location: { expirySeconds: 86_400 } });
  t.notOk('expirySeconds' in config.outbox.classes.lab, 'lab results never expire: there is no setting for it');
});

t.test('uplink defaults, and TLS files relative to the YAML', async (t) => {
  const { config } = parseConfig(
    `vehicle: { id: V1 }
uplink:
  url: mqtts://broker.hospital.example:8883
  username: amb-v1
  passwordFile: secrets/uplink.password
  tls: { ca: tls/ca.pem, cert: tls/v1.pem, key: /secure/v1.key }
`,
    '/etc/ambulink/vehicle.yaml',
    {},
  );
  t.match(config.uplink, {
    enabled: true,
    protocolVersion: 'auto',
    keepaliveSeconds: 15,
    inflight: 16,
    passwordFile: '/etc/ambulink/secrets/uplink.password',
    tls: { ca: '/etc/ambulink/tls/ca.pem', cert: '/etc/ambulink/tls/v1.pem', key: '/secure/v1.key', rejectUnauthorized: true },
  });
});

t.test('a certificate without its key, a password without a user, a bad URL, an inline password: each named', async (t) => {
  const problems = problemsOf(`vehicle: { id: V1 }
uplink:
  url: http://broker
  passwordFile: pw
  password: hunter2
  tls:
    cert: v1.pem
`);
  const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
  t.match(byPath['uplink.url'], { line: 3 });
  t.match(byPath['uplink.password'], { message: /unknown key "password"/ }, 'secrets are only ever referenced by file');
  // Semantic checks run once the shape is valid.
  const semantic = problemsOf(`vehicle: { id: V1 }
uplink:
  url: mqtts://broker:8883
  passwordFile: pw
  tls:
    cert: v1.pem
`);
  t.match(semantic, [
    { path: 'uplink.passwordFile', line: 4, message: /password without a username/ },
    { path: 'uplink.tls', line: 6, message: /certificate needs its key/ },
  ]);
});

t.test('quotas and expiry are checked', async (t) => {
  const problems = problemsOf(`vehicle: { id: V1 }
outbox:
  maxBytes: 1000
  classes:
    waveform: { quotaBytes: 10, expirySeconds: -1 }
    alarm: { expirySeconds: 60 }
`);
  const paths = problems.map((p) => p.path).sort();
  t.same(paths, ['outbox.classes.alarm.expirySeconds', 'outbox.classes.waveform.expirySeconds', 'outbox.classes.waveform.quotaBytes', 'outbox.maxBytes']);
  t.match(problems.find((p) => p.path === 'outbox.classes.alarm.expirySeconds'), { message: /unknown key/ }, 'alarms cannot be given an expiry');
});
