// The setpoint command as it arrives from the hospital: a strict JSON envelope (unknown fields and repeated keys
// refused) holding the command and its signatures. Every signature is Ed25519 over the RFC 8785 canonical JSON of
// `command`, so every field — target, the state the sender saw, the value, the lifetime — is covered.
import { createHash } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { canonicalBytes, canonicalJson } from '../core/canonical-json.js';
import { firstDuplicateKey } from './strict-json.js';

const Iso = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3})?Z$' });
const Name = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' });
const Signer = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }), keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }) }, { additionalProperties: false });

export const CommandSchema = Type.Object(
  {
    v: Type.Literal(1),
    /** 128-bit random id, hex: never executed twice. */
    commandId: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    /** The remote-authority lease this command runs under (see the README: a new id opens a lease). */
    leaseId: Type.String({ pattern: '^[0-9a-f]{8,64}$' }),
    issuer: Signer,
    /** Further clinicians who approve it (two-person rule); each must sign too. */
    approvers: Type.Array(Signer, { maxItems: 4 }),
    /** clinician: a clinician's own command; ai-recommendation: an AI proposal a clinician adopted and signs. */
    origin: Type.Union([Type.Literal('clinician'), Type.Literal('ai-recommendation')]),
    target: Type.Object({ vehicleId: Name, deviceId: Name, encounterId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    /** Per-issuer sequence number (anti-replay window). */
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    issuedAt: Iso,
    notBefore: Iso,
    expiresAt: Iso,
    /** What the sender saw: the setting's value and the gateway's state version of the device. */
    basedOn: Type.Object(
      { param: Name, currentValue: Type.Number(), unit: Type.String({ minLength: 1 }), stateVersion: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    set: Type.Object({ param: Name, value: Type.Number(), unit: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    /** Dual channel: hex SHA-256 of the canonical JSON of {param, unit, value}, computed apart from the form. */
    dc: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    policyVersion: Type.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);
export type SetpointCommand = Static<typeof CommandSchema>;

export const EnvelopeSchema = Type.Object(
  {
    command: CommandSchema,
    signatures: Type.Array(Type.Object({ keyId: Type.String({ pattern: '^[0-9a-f]{16}$' }), sig: Type.String({ maxLength: 200 }) }, { additionalProperties: false }), {
      minItems: 1,
      maxItems: 5,
    }),
  },
  { additionalProperties: false },
);
export type SignedCommand = Static<typeof EnvelopeSchema>;

const ajv = new Ajv({ allErrors: false, strict: true });
const validateEnvelope = ajv.compile(EnvelopeSchema);

export type ParseResult =
  | { ok: true; envelope: SignedCommand }
  | { ok: false; recommendation: boolean; message: string; commandId?: string };

export const MAX_COMMAND_BYTES = 16 * 1024;

/** Parses the raw MQTT payload strictly. A payload typed as an AI recommendation is recognised (and refused later). */
export function parseCommand(raw: Buffer): ParseResult {
  if (raw.length > MAX_COMMAND_BYTES) return { ok: false, recommendation: false, message: `payload of ${raw.length} bytes exceeds ${MAX_COMMAND_BYTES}` };
  const text = raw.toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, recommendation: false, message: 'not JSON' };
  }
  const dup = firstDuplicateKey(text);
  const idGuess = commandIdOf(data);
  if (dup !== undefined) return { ok: false, recommendation: false, message: `repeated key "${dup}"`, ...(idGuess ? { commandId: idGuess } : {}) };
  if (data && typeof data === 'object' && 'recommendation' in data) {
    return { ok: false, recommendation: true, message: 'an AI recommendation is not a command: a clinician must adopt and sign it', ...(idGuess ? { commandId: idGuess } : {}) };
  }
  if (!validateEnvelope(data)) {
    const e = validateEnvelope.errors?.[0];
    const where = e?.instancePath || '/';
    const extra = e?.keyword === 'additionalProperties' ? ` "${(e.params as { additionalProperty: string }).additionalProperty}"` : '';
    return { ok: false, recommendation: false, message: `envelope ${where}: ${e?.message ?? 'invalid'}${extra}`, ...(idGuess ? { commandId: idGuess } : {}) };
  }
  return { ok: true, envelope: data as SignedCommand };
}

function commandIdOf(data: unknown): string | undefined {
  const inner = (data as { command?: { commandId?: unknown }; recommendation?: { commandId?: unknown } } | null) ?? {};
  const id = inner.command?.commandId ?? inner.recommendation?.commandId;
  return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id) ? id : undefined;
}

/** The bytes every signature covers. */
export function signedBytes(command: SetpointCommand): Buffer {
  return canonicalBytes(command);
}

/** The dual-channel check value of a setting change. */
export function dualChannel(set: { param: string; value: number; unit: string }): string {
  return createHash('sha256').update(canonicalJson({ param: set.param, unit: set.unit, value: set.value })).digest('hex');
}

/** Identity of a command's content (for telling a duplicate from a replay with the same id). */
export function contentHash(command: SetpointCommand): string {
  return createHash('sha256').update(signedBytes(command)).digest('hex');
}
