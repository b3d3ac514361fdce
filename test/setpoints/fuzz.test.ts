// The command parser and authentication face the network: random bytes and mutations of a valid signed command
// never throw out of the parser, and no mutation of a signed command is ever accepted as authentic unless it still
// means exactly the same command.
import { generateKeyPairSync, sign } from 'node:crypto';
import t from 'tap';
import { canonicalBytes } from '../../src/core/canonical-json.js';
import { authenticate } from '../../src/setpoints/authenticate.js';
import { contentHash, parseCommand } from '../../src/setpoints/command.js';
import { keyIdOf, parsePolicy } from '../../src/setpoints/policy.js';
import { buildCommand, signCommand } from '../../src/setpoints/sign.js';
import { firstDuplicateKey } from '../../src/setpoints/strict-json.js';
import { mutate, randomBytes, seededRandom } from '../helpers/fuzz.js';

t.test('parser and authentication under random and mutated input', async (t) => {
  const authority = generateKeyPairSync('ed25519');
  const dr = generateKeyPairSync('ed25519');
  const body = {
    version: 1,
    vehicle: 'AMB-1',
    issuedAt: '2026-01-01T00:00:00Z',
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    keys: [{ holder: 'dr-a', roles: ['clinician'], publicKey: dr.publicKey.export({ type: 'spki', format: 'pem' }).toString() }],
    revoked: [],
    limits: {},
  };
  const policy = parsePolicy({ policy: body, signature: { keyId: keyIdOf(authority.publicKey), sig: sign(null, canonicalBytes(body), authority.privateKey).toString('base64') } }, authority.publicKey, 'AMB-1');
  const command = buildCommand(
    { vehicle: 'AMB-1', device: 'vent', encounter: 'E1', param: 'fio2', value: 45, unit: '%', currentValue: 40, stateVersion: 2, policyVersion: 1, seq: 7 },
    { id: 'dr-a', privateKey: dr.privateKey },
  );
  const valid = Buffer.from(JSON.stringify(signCommand(command, [dr.privateKey])));
  const original = contentHash(command);
  const random = seededRandom(6);
  let parsed = 0;
  let authentic = 0;
  let changedButAccepted = 0;
  for (let i = 0; i < 30_000; i++) {
    const input = i % 3 === 0 ? randomBytes(random, 400) : mutate(valid, random);
    firstDuplicateKey(input.toString('latin1'));
    const r = parseCommand(input);
    if (!r.ok) continue;
    parsed++;
    try {
      authenticate(r.envelope, policy, Date.now(), 'fio2');
      authentic++;
      if (contentHash(r.envelope.command) !== original) changedButAccepted++;
    } catch {
      /* refused */
    }
  }
  t.ok(parsed > 0, `${parsed} mutations still parse`);
  t.equal(changedButAccepted, 0, `no changed command is accepted (${authentic} authentic: changes outside the signed bytes, e.g. whitespace)`);
});
