// Envelope, signature and replay rules through the real command path (MQTT → daemon → result topic); for each, the
// device was not written.
import t from 'tap';
import { startRig } from '../helpers/setpoint-rig.js';
import { signCommand } from '../../src/setpoints/sign.js';

t.test('signature and envelope refusals', async (t) => {
  const rig = await startRig(t, { limits: { window: { sameParamSpacingS: 1 }, aiEnvelope: { fio2: { min: 40, max: 60 } } } });
  await rig.openEncounter();
  await rig.current('fio2');

  await t.test('BAD_SIGNATURE: value changed after signing', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    env.command.set.value = 60;
    await rig.expectRefused(t, env, 'BAD_SIGNATURE');
  });
  await t.test('MALFORMED: an unknown field (strict envelope), named by its command id', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    const r = await rig.expectRefused(t, JSON.stringify({ ...env, alg: 'none' }), 'MALFORMED');
    t.equal(r.commandId, env.command.commandId);
    t.match(r.message, /alg/);
  });
  await t.test('MALFORMED: a repeated key', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    const text = JSON.stringify(env).replace('"v":1,', '"v":1,"v":1,');
    await rig.expectRefused(t, text, 'MALFORMED');
  });
  await t.test('MALFORMED: not JSON, and JSON that is not an envelope', async (t) => {
    const r = await rig.expectRefused(t, 'set fio2 55 please', 'MALFORMED');
    t.equal(r.commandId, null, 'no command id can be read');
    t.match(r.message, /not JSON/);
    await rig.expectRefused(t, '[1,2,3]', 'MALFORMED');
    await rig.expectRefused(t, '"fio2"', 'MALFORMED');
    const env = await rig.sign({ param: 'fio2', value: 55 });
    const { signatures: _dropped, ...unsigned } = env;
    await rig.expectRefused(t, JSON.stringify(unsigned), 'MALFORMED');
  });
  await t.test('UNSIGNED_BY_CLINICIAN: signed by the AI key alone', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, signer: 'ai', origin: 'ai-recommendation' }), 'UNSIGNED_BY_CLINICIAN');
  });
  await t.test('UNSIGNED_BY_CLINICIAN: a payload typed as a recommendation', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    await rig.expectRefused(t, JSON.stringify({ recommendation: env.command }), 'UNSIGNED_BY_CLINICIAN');
  });
  await t.test('ENVELOPE_LIMIT: an adopted AI recommendation outside the clinicians\' envelope (FiO2 40–60 %)', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 62, origin: 'ai-recommendation' }), 'ENVELOPE_LIMIT');
    await rig.expectRefused(t, await rig.sign({ param: 'rr', value: 15, origin: 'ai-recommendation' }), 'ENVELOPE_LIMIT');
  });
  await t.test('ROLE_MISSING: a trusted key without a signing role', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, signer: 'observer' }), 'ROLE_MISSING');
  });
  await t.test('REVOKED_KEY', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, signer: 'revoked' }), 'REVOKED_KEY');
  });
  await t.test('DUAL_APPROVAL_REQUIRED: PEEP change > 2 with one clinician', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'peep', value: 11 }), 'DUAL_APPROVAL_REQUIRED');
  });
  await t.test('DUAL_APPROVAL_REQUIRED: the same person with two keys', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'peep', value: 11, approvers: ['drA2'] }), 'DUAL_APPROVAL_REQUIRED');
  });
  await t.test('DUAL_APPROVAL_REQUIRED: FiO2 decrease > 10 points with one clinician', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 38 }), 'DUAL_APPROVAL_REQUIRED');
  });
  await t.test('two distinct clinicians pass the two-person rule (then the step limit decides)', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'peep', value: 11, approvers: ['drB'] }), 'STEP_TOO_LARGE');
  });
  await t.test('ROLE_MISSING: a mode change without a senior clinician', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'mode', value: 1, approvers: ['drB'] }), 'ROLE_MISSING');
  });
  await t.test('MODE_CHANGE_FORBIDDEN: a mode change by senior and second clinician, policy forbids', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'mode', value: 1, signer: 'senior', approvers: ['drB'] }), 'MODE_CHANGE_FORBIDDEN');
  });
  await t.test('DUAL_CHANNEL_MISMATCH: value changed in the form, dual channel computed apart, all signed', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    const command = { ...env.command, set: { ...env.command.set, value: 56 } };
    await rig.expectRefused(t, signCommand(command, [rig.keys.get('drA')!]), 'DUAL_CHANNEL_MISMATCH');
  });
  await t.test('STALE: issued 120 s ago', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, issuedAtMs: Date.now() - 120_000 }), 'STALE');
  });
  await t.test('STALE: a lifetime above 60 s', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, lifetimeS: 90 }), 'STALE');
  });
  await t.test('NOT_YET_VALID: notBefore in the future', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, notBeforeS: 30, lifetimeS: 50 }), 'NOT_YET_VALID');
  });
  await t.test('REPLAY: an old per-issuer sequence number under a new command id', async (t) => {
    const first = await rig.sign({ param: 'fio2', value: 55, lifetimeS: 50 });
    await rig.send(first);
    await rig.call('setpoint.reject', { commandId: await rig.waitPending(first.command.commandId).then(() => first.command.commandId) });
    await rig.hospital.finalOf(first.command.commandId);
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, seq: first.command.seq }), 'REPLAY');
  });
  await t.test('REPLAY: a known command id with different content', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    await rig.send(env);
    await rig.waitPending(env.command.commandId);
    await rig.call('setpoint.reject', { commandId: env.command.commandId });
    await rig.hospital.finalOf(env.command.commandId);
    const other = await rig.sign({ param: 'fio2', value: 56, commandId: env.command.commandId });
    await rig.expectRefused(t, other, 'REPLAY');
  });
  t.equal(rig.device.writes.length, 0, 'nothing was ever written');
});
