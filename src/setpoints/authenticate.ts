// Check 2: who signed the command, and may they? Every listed signer (issuer and approvers) must have signed with a
// key of the vehicle's policy, not revoked; an AI key never counts as a signer; a mode change needs a senior
// clinician; a high-risk change needs two distinct clinicians; and the dual-channel value must match the value.
import type { SignedCommand } from './command.js';
import { dualChannel, signedBytes } from './command.js';
import { isHighRisk, type ClinicalParam } from './clinical.js';
import { safeVerify, type Policy, type TrustedKey } from './policy.js';
import { Refusal } from './reasons.js';

export interface Authenticated {
  /** Distinct clinician holders who signed. */
  clinicians: string[];
  issuer: TrustedKey;
}

export function authenticate(env: SignedCommand, policy: Policy, nowWall: number, clinical: ClinicalParam | undefined): Authenticated {
  const c = env.command;
  if (nowWall > policy.expiresAtMs) {
    throw new Refusal('BAD_SIGNATURE', `the vehicle's setpoint policy expired at ${new Date(policy.expiresAtMs).toISOString()}: remote setpoints fail closed`);
  }
  const listed = [c.issuer, ...c.approvers];
  const keyIds = listed.map((s) => s.keyId);
  if (new Set(keyIds).size !== keyIds.length) throw new Refusal('DUAL_APPROVAL_REQUIRED', 'the same key is listed twice as a signer');
  const sigs = new Map(env.signatures.map((s) => [s.keyId, s.sig]));
  if (sigs.size !== env.signatures.length || [...sigs.keys()].some((k) => !keyIds.includes(k))) {
    throw new Refusal('BAD_SIGNATURE', 'a signature does not belong to a listed signer');
  }
  const bytes = signedBytes(c);
  const keys: TrustedKey[] = [];
  for (const s of listed) {
    if (policy.revoked.has(s.keyId)) throw new Refusal('REVOKED_KEY', `key ${s.keyId} (${s.id}) is revoked`, { keyId: s.keyId });
    const trusted = policy.keys.get(s.keyId);
    if (!trusted) throw new Refusal('BAD_SIGNATURE', `key ${s.keyId} is not in the vehicle's trusted key set`, { keyId: s.keyId });
    if (trusted.holder !== s.id) throw new Refusal('BAD_SIGNATURE', `key ${s.keyId} belongs to ${trusted.holder}, not ${s.id}`, { keyId: s.keyId });
    const sig = sigs.get(s.keyId);
    if (!sig || !safeVerify(bytes, trusted.key, sig)) throw new Refusal('BAD_SIGNATURE', `the signature of ${s.id} (key ${s.keyId}) does not verify`, { keyId: s.keyId });
    keys.push(trusted);
  }
  const isClinician = (k: TrustedKey) => k.roles.includes('clinician') || k.roles.includes('senior-clinician');
  for (const k of keys) {
    if (!isClinician(k) && !k.roles.includes('ai')) throw new Refusal('ROLE_MISSING', `${k.holder} (key ${k.keyId}) has no role that may sign setpoints (roles: ${k.roles.join(', ')})`, { keyId: k.keyId, roles: k.roles });
  }
  const clinicians = [...new Set(keys.filter(isClinician).map((k) => k.holder))];
  if (clinicians.length === 0) throw new Refusal('UNSIGNED_BY_CLINICIAN', 'no clinician signed this command (an AI key can propose, never sign alone)');
  if (clinical === 'mode' && !keys.some((k) => k.roles.includes('senior-clinician'))) {
    throw new Refusal('ROLE_MISSING', 'a ventilation-mode change needs a senior clinician\'s signature');
  }
  if (isHighRisk(clinical, c.basedOn.currentValue, c.set.value, policy.limits) && clinicians.length < 2) {
    throw new Refusal('DUAL_APPROVAL_REQUIRED', `a high-risk change (${c.set.param} ${c.basedOn.currentValue} → ${c.set.value}) needs two distinct clinicians; signed by ${clinicians.join(', ')}`, {
      clinicians,
    });
  }
  const dc = dualChannel(c.set);
  if (dc !== c.dc) throw new Refusal('DUAL_CHANNEL_MISMATCH', 'the dual-channel value does not match the setting (value changed after it was computed)', { expected: dc, got: c.dc });
  return { clinicians, issuer: keys[0]! };
}
