// The signature covers every field: changing any leaf of a signed command makes it fail authentication. A policy
// that is altered, signed by another key, for another vehicle, or expired refuses every remote command.
import { generateKeyPairSync, sign } from 'node:crypto';
import t from 'tap';
import { canonicalBytes } from '../../src/core/canonical-json.js';
import { authenticate } from '../../src/setpoints/authenticate.js';
import { keyIdOf, parsePolicy } from '../../src/setpoints/policy.js';
import { Refusal } from '../../src/setpoints/reasons.js';
import { buildCommand, signCommand } from '../../src/setpoints/sign.js';

const authority = generateKeyPairSync('ed25519');
const drA = generateKeyPairSync('ed25519');
const body = (over: Record<string, unknown> = {}) => ({
  version: 3,
  vehicle: 'AMB-1',
  issuedAt: '2026-01-01T00:00:00Z',
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  keys: [{ holder: 'dr-a', roles: ['clinician'], publicKey: drA.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
  revoked: [],
  limits: {},
  ...over,
});
const signPolicy = (b: object, key = authority.privateKey) => ({ policy: b, signature: { keyId: keyIdOf(authority.publicKey), sig: sign(null, canonicalBytes(b), key).toString('base64') } });

t.test('every field mutation breaks the signature', async (t) => {
  const policy = parsePolicy(signPolicy(body()), authority.publicKey, 'AMB-1');
  const command = buildCommand(
    { vehicle: 'AMB-1', device: 'vent', encounter: 'E1', param: 'fio2', value: 45, unit: '%', currentValue: 40, stateVersion: 2, policyVersion: 3, seq: 7 },
    { id: 'dr-a', privateKey: drA.privateKey },
  );
  const env = signCommand(command, [drA.privateKey]);
  t.doesNotThrow(() => authenticate(env, policy, Date.now(), 'fio2'), 'the untouched command authenticates');
  const paths: string[][] = [];
  const walk = (o: unknown, path: string[]) => {
    if (o && typeof o === 'object') for (const [k, v] of Object.entries(o)) walk(v, [...path, k]);
    else paths.push(path);
  };
  walk(command, []);
  t.ok(paths.length >= 20, `${paths.length} leaf fields`);
  let broken = 0;
  for (const path of paths) {
    const copy = JSON.parse(JSON.stringify(env)) as { command: Record<string, unknown> };
    let o: Record<string, unknown> = copy.command;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    const last = path[path.length - 1]!;
    const v = o[last];
    o[last] = typeof v === 'number' ? v + 1 : typeof v === 'string' ? `${v}x` : v;
    try {
      authenticate(copy as never, policy, Date.now(), 'fio2');
    } catch (err) {
      if (err instanceof Refusal && err.reason === 'BAD_SIGNATURE') broken++;
    }
  }
  t.equal(broken, paths.length, 'each single change is refused as BAD_SIGNATURE');
});

t.test('the policy fails closed', async (t) => {
  t.throws(() => parsePolicy({ ...signPolicy(body()), policy: body({ version: 4 }) }, authority.publicKey, 'AMB-1'), /policy/, 'altered after signing');
  const other = generateKeyPairSync('ed25519');
  t.throws(() => parsePolicy(signPolicy(body(), other.privateKey), authority.publicKey, 'AMB-1'), /policy/, 'signed by another key');
  t.throws(() => parsePolicy(signPolicy(body()), authority.publicKey, 'AMB-2'), /policy/, 'for another vehicle');
  t.throws(() => parsePolicy(signPolicy(body({ extra: 1 })), authority.publicKey, 'AMB-1'), /policy/, 'unknown field');
  const expired = parsePolicy(signPolicy(body({ expiresAt: '2026-01-02T00:00:00Z' })), authority.publicKey, 'AMB-1');
  const env = signCommand(
    buildCommand({ vehicle: 'AMB-1', device: 'vent', encounter: 'E1', param: 'fio2', value: 45, unit: '%', currentValue: 40, stateVersion: 2, policyVersion: 3, seq: 8 }, { id: 'dr-a', privateKey: drA.privateKey }),
    [drA.privateKey],
  );
  t.throws(() => authenticate(env, expired, Date.parse('2026-06-01T00:00:00Z'), 'fio2'), /policy expired/, 'an expired policy refuses commands');
  const limits = parsePolicy(signPolicy(body()), authority.publicKey, 'AMB-1').limits;
  t.same(
    { vt: limits.vtMlPerKg, pplat: limits.pplatMax, rr: limits.hard.rr, step: limits.step, spo2: limits.spo2, spacing: limits.window.sameParamSpacingS, fio2Spacing: limits.window.fio2DownSpacingS },
    { vt: { min: 4, max: 8 }, pplat: 30, rr: { max: 35 }, step: { vtMlPerKg: 1, peep: 2, fio2Down: 10, rr: 4, pinsp: 3, ti: 0.2 }, spo2: { minPct: 88, maxAgeS: 5 }, spacing: 60, fio2Spacing: 300 },
    'the defaults of the setpoint rules',
  );
});
