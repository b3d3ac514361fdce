// The `handover:` section of the vehicle YAML: off unless configured, defaults per kind, and the mistakes a technician
// can make, each named with the destination it is in.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { tempDir } from '../helpers/tmp.js';

const FILE = '/etc/ambulink/vehicle.yaml';

const problemsOf = (yaml: string, file = FILE) => {
  try {
    parseConfig(yaml, file, {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

const hl7 = (extra = '') => `vehicle: { id: AMB-07 }
handover:
  destinations:
    - name: his
      kind: hl7v2-mllp
      host: mirth.hospital.example
      port: 6661
      receivingApplication: MIRTH
      receivingFacility: ST-MARY-ED
${extra}`;

t.test('off unless configured', async (t) => {
  t.equal(parseConfig('vehicle: { id: V1 }\n', FILE, {}).config.handover, undefined);
});

t.test('an hl7v2-mllp destination gets its defaults', async (t) => {
  const { config } = parseConfig(hl7(), FILE, {});
  t.match(config.handover?.destinations[0], {
    name: 'his',
    kind: 'hl7v2-mllp',
    enabled: true,
    maxRetries: 5,
    retryInitialMs: 1000,
    retryMaxMs: 60_000,
    syncWrites: false,
    ackTimeoutMs: 10_000,
    connectTimeoutMs: 10_000,
    reconnectInitialMs: 500,
    reconnectMaxMs: 30_000,
    sendingApplication: 'AMBULINK',
    processingId: 'P',
  });
});

t.test('mistakes are named with the destination, line and a hint', async (t) => {
  const typo = problemsOf(hl7('      ackTimeoutMS: 5000\n'));
  t.equal(typo.length, 1);
  t.match(typo[0], { line: 10, path: 'handover.destinations[0].ackTimeoutMS', message: /^destination "his": unknown key "ackTimeoutMS" \(did you mean "ackTimeoutMs"\?\)/ });

  const noPort = problemsOf(hl7().replace('      port: 6661\n', ''));
  t.match(noPort, [{ message: 'destination "his": missing required key "port"' }]);

  const badKind = problemsOf(hl7().replace('kind: hl7v2-mllp', 'kind: hl7-mllp'));
  t.match(badKind, [{ path: 'handover.destinations[0].kind', message: /destination "his": "hl7-mllp" is not allowed \(did you mean "hl7v2-mllp"\?\)/ }]);

  const twice = problemsOf(`${hl7()}    - { name: his, kind: hl7v2-mllp, host: b, port: 2, receivingApplication: A, receivingFacility: F }\n`);
  t.match(twice, [{ line: 10, path: "handover.destinations[1].name", message: /destination "his": the name is used twice \(also handover.destinations\[0\]\)/ }]);

  const badPort = problemsOf(hl7().replace('port: 6661', 'port: "6661/tcp"'));
  t.match(badPort, [{ message: /destination "his": must be a whole number/ }]);
});

t.test('TLS files: relative to the YAML, checked at load, a certificate needs its key', async (t) => {
  const dir = tempDir(t, 'al-hc-');
  mkdirSync(join(dir, 'tls'));
  for (const f of ['ca.pem', 'client.pem', 'client.key']) writeFileSync(join(dir, 'tls', f), 'PEM');
  const file = join(dir, 'vehicle.yaml');
  const { config } = parseConfig(hl7('      tls: { ca: tls/ca.pem, cert: tls/client.pem, key: tls/client.key }\n'), file, {});
  t.match(config.handover?.destinations[0], {
    tls: { ca: join(dir, 'tls/ca.pem'), cert: join(dir, 'tls/client.pem'), key: join(dir, 'tls/client.key'), rejectUnauthorized: true },
  });

  const missing = problemsOf(hl7('      tls: { ca: tls/nope.pem }\n'), file);
  t.match(missing, [{ path: 'handover.destinations[0].tls.ca', message: `destination "his": cannot read ${join(dir, 'tls/nope.pem')} (ENOENT)` }]);

  const half = problemsOf(hl7('      tls: { cert: tls/client.pem }\n'), file);
  t.match(half, [{ path: 'handover.destinations[0].tls', message: /a client certificate needs its key/, hint: /both cert and key/ }]);
});
