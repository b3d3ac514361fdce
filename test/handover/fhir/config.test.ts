// A fhir-r4 destination in the vehicle YAML: its defaults, file paths relative to the YAML and checked at load, and
// the mistakes a technician can make, named with the destination.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ConfigError, parseConfig } from '../../../src/config/index.js';
import { tempDir } from '../../helpers/tmp.js';

const FILE = '/etc/ambulink/vehicle.yaml';

const fhir = (extra = '') => `vehicle: { id: AMB-07 }
handover:
  destinations:
    - name: ehr
      kind: fhir-r4
      baseUrl: https://fhir.hospital.example/r4
${extra}`;

const problemsOf = (yaml: string, file = FILE) => {
  try {
    parseConfig(yaml, file, {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

t.test('defaults', async (t) => {
  const { config } = parseConfig(fhir(), FILE, {});
  t.match(config.handover?.destinations[0], {
    name: 'ehr',
    kind: 'fhir-r4',
    baseUrl: 'https://fhir.hospital.example/r4',
    timeoutMs: 15_000,
    cycleMs: 5000,
    waveforms: true,
    identifierSystem: 'urn:ambulink',
    maxRetries: 5,
  });
});

t.test('mistakes, named with the destination', async (t) => {
  t.match(problemsOf(fhir().replace('      baseUrl: https://fhir.hospital.example/r4\n', '')), [{ message: 'destination "ehr": missing required key "baseUrl"' }]);
  t.match(problemsOf(fhir().replace('https://fhir', 'ftp://fhir')), [{ path: 'handover.destinations[0].baseUrl', message: /destination "ehr"/ }]);
  t.match(problemsOf(fhir('      timeoutMS: 100\n')), [{ message: /unknown key "timeoutMS" \(did you mean "timeoutMs"\?\)/ }]);
});

t.test('TLS and token files: relative to the YAML, readable, certificate with its key', async (t) => {
  const dir = tempDir(t, 'al-fc-');
  mkdirSync(join(dir, 'tls'));
  for (const f of ['ca.pem', 'client.pem', 'client.key', 'token']) writeFileSync(join(dir, 'tls', f), 'x');
  const file = join(dir, 'vehicle.yaml');
  const { config } = parseConfig(fhir('      caFile: tls/ca.pem\n      certFile: tls/client.pem\n      keyFile: tls/client.key\n      bearerTokenFile: tls/token\n'), file, {});
  t.match(config.handover?.destinations[0], {
    caFile: join(dir, 'tls/ca.pem'),
    certFile: join(dir, 'tls/client.pem'),
    keyFile: join(dir, 'tls/client.key'),
    bearerTokenFile: join(dir, 'tls/token'),
  });
  t.match(problemsOf(fhir('      caFile: tls/nope.pem\n'), file), [{ path: 'handover.destinations[0].caFile', message: `destination "ehr": cannot read ${join(dir, 'tls/nope.pem')} (ENOENT)` }]);
  t.match(problemsOf(fhir('      certFile: tls/client.pem\n'), file), [{ path: 'handover.destinations[0].certFile', message: /a client certificate needs its key/, hint: /certFile and keyFile/ }]);
  t.match(problemsOf(fhir('      caFile: tls/ca.pem\n').replace('https://', 'http://'), file), [{ path: 'handover.destinations[0].baseUrl', message: /TLS files are given but baseUrl is http/ }]);
});
