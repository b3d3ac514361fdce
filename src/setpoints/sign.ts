// The hospital side of a command: build it, compute its dual-channel value, and sign it (Ed25519 over RFC 8785
// canonical JSON). Used by `ambulink setpoint sign` and by the tests, so both produce exactly what a command centre
// must produce.
import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { dualChannel, signedBytes, type SetpointCommand, type SignedCommand } from './command.js';
import { keyIdOf } from './policy.js';

export interface Signer {
  /** The clinician's (or AI service's) id, as in the policy. */
  id: string;
  privateKey: KeyObject;
}

export interface CommandDraft {
  vehicle: string;
  device: string;
  encounter: string;
  param: string;
  value: number;
  unit: string;
  currentValue: number;
  stateVersion: number;
  policyVersion: number;
  seq: number;
  leaseId?: string;
  commandId?: string;
  origin?: 'clinician' | 'ai-recommendation';
  /** Wall time of issue (default now), lifetime in seconds (default 30), notBefore offset in seconds (default 0). */
  issuedAtMs?: number;
  lifetimeS?: number;
  notBeforeS?: number;
}

export const keyIdOfPrivate = (k: KeyObject): string => keyIdOf(createPublicKey(k));

export function buildCommand(d: CommandDraft, issuer: Signer, approvers: Signer[] = []): SetpointCommand {
  const issued = d.issuedAtMs ?? Date.now();
  const iso = (ms: number) => new Date(ms).toISOString();
  const set = { param: d.param, value: d.value, unit: d.unit };
  return {
    v: 1,
    commandId: d.commandId ?? randomBytes(16).toString('hex'),
    leaseId: d.leaseId ?? randomBytes(8).toString('hex'),
    issuer: { id: issuer.id, keyId: keyIdOfPrivate(issuer.privateKey) },
    approvers: approvers.map((a) => ({ id: a.id, keyId: keyIdOfPrivate(a.privateKey) })),
    origin: d.origin ?? 'clinician',
    target: { vehicleId: d.vehicle, deviceId: d.device, encounterId: d.encounter },
    seq: d.seq,
    issuedAt: iso(issued),
    notBefore: iso(issued + (d.notBeforeS ?? 0) * 1000),
    expiresAt: iso(issued + (d.lifetimeS ?? 30) * 1000),
    basedOn: { param: d.param, currentValue: d.currentValue, unit: d.unit, stateVersion: d.stateVersion },
    set,
    dc: dualChannel(set),
    policyVersion: d.policyVersion,
  };
}

/** Signs a command with every signer's key (issuer and approvers). */
export function signCommand(command: SetpointCommand, keys: KeyObject[]): SignedCommand {
  const bytes = signedBytes(command);
  return { command, signatures: keys.map((k) => ({ keyId: keyIdOfPrivate(k), sig: sign(null, bytes, k).toString('base64') })) };
}
