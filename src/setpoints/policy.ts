// The vehicle's setpoint policy: which clinician keys are trusted and in which roles, which are revoked, and the
// clinical limits. It is a JSON file signed by the policy authority (the hospital's medical director's key, whose
// public key is installed with the vehicle config); an unsigned, altered or expired policy refuses every remote
// setpoint (fail closed). Limits not named in the file take the defaults of the setpoint rules.
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { canonicalBytes } from '../core/canonical-json.js';

export const ROLES = ['clinician', 'senior-clinician', 'ai', 'observer'] as const;
export type Role = (typeof ROLES)[number];

const Range = Type.Object({ min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) }, { additionalProperties: false });

export const LimitsSchema = Type.Object(
  {
    /** Tidal volume per kg predicted body weight (ARDSnet). */
    vtMlPerKg: Type.Object({ min: Type.Number({ default: 4 }), max: Type.Number({ default: 8 }) }, { additionalProperties: false, default: {} }),
    /** While the last valid plateau pressure is above this, no change that raises it. */
    pplatMax: Type.Number({ default: 30 }),
    /** Hard limits per clinical parameter (vt, rr, peep, fio2, pinsp, ti), in the setting's unit: POLICY_LIMIT. */
    hard: Type.Record(Type.String(), Range, { default: { rr: { max: 35 } } }),
    /** Largest change per command. fio2Down: decrease in points (increases are free); vtMlPerKg per kg PBW. */
    step: Type.Object(
      {
        vtMlPerKg: Type.Number({ default: 1 }),
        peep: Type.Number({ default: 2 }),
        fio2Down: Type.Number({ default: 10 }),
        rr: Type.Number({ default: 4 }),
        pinsp: Type.Number({ default: 3 }),
        ti: Type.Number({ default: 0.2 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Rolling windows against "salami" sequences of small steps. */
    window: Type.Object(
      {
        vtMlPerKg: Type.Number({ default: 2, description: 'largest net change per vtWindowS' }),
        vtWindowS: Type.Number({ default: 7200 }),
        peep: Type.Number({ default: 5 }),
        peepWindowS: Type.Number({ default: 1800 }),
        fio2DownSpacingS: Type.Number({ default: 300 }),
        sameParamSpacingS: Type.Number({ default: 60 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** SpO2 absent, older than maxAgeS, or at/below minPct blocks FiO2 and PEEP decreases. */
    spo2: Type.Object({ minPct: Type.Number({ default: 88 }), maxAgeS: Type.Number({ default: 5 }) }, { additionalProperties: false, default: {} }),
    /** Changes that need two distinct clinicians. */
    highRisk: Type.Object(
      { fio2DownPoints: Type.Number({ default: 10 }), peepChange: Type.Number({ default: 2 }) },
      { additionalProperties: false, default: {} },
    ),
    /**
     * The clinicians' envelope for commands that adopt an AI recommendation, per clinical parameter: such a command
     * is refused outside it, and for a parameter without one (ENVELOPE_LIMIT).
     */
    aiEnvelope: Type.Record(Type.String(), Range, { default: {} }),
    /** Remote ventilation-mode changes (a mode change reinterprets every parameter). */
    allowModeChange: Type.Boolean({ default: false }),
  },
  { additionalProperties: false, default: {} },
);
export type Limits = Static<typeof LimitsSchema>;

const KeyEntry = Type.Object(
  {
    /** Who holds the key (a clinician's id in the hospital's directory, or the AI service's name). */
    holder: Type.String({ minLength: 1 }),
    roles: Type.Array(Type.Union(ROLES.map((r) => Type.Literal(r))), { minItems: 1 }),
    /** SPKI PEM of the Ed25519 public key. */
    publicKey: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

const PolicyBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    /** The vehicle this policy is for, or "*" for a fleet policy. */
    vehicle: Type.String({ minLength: 1 }),
    issuedAt: Type.String({ format: 'date-time' }),
    expiresAt: Type.String({ format: 'date-time' }),
    keys: Type.Array(KeyEntry),
    revoked: Type.Array(Type.String(), { default: [] }),
    limits: LimitsSchema,
  },
  { additionalProperties: false },
);
export type PolicyBody = Static<typeof PolicyBody>;

const SignedPolicy = Type.Object(
  {
    policy: PolicyBody,
    signature: Type.Object({ keyId: Type.String(), sig: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
type SignedPolicy = Static<typeof SignedPolicy>;

const ajv = new Ajv({ useDefaults: true, allErrors: true, strict: false });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
const validateSigned = ajv.compile(SignedPolicy);
const validateLimits = ajv.compile(LimitsSchema);

export class PolicyError extends Error {}

/** Short stable id of a public key: the first 16 hex digits of SHA-256 over its DER (as the gateway key's id). */
export function keyIdOf(key: KeyObject): string {
  return createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export interface TrustedKey {
  keyId: string;
  holder: string;
  roles: readonly Role[];
  key: KeyObject;
}

export interface Policy {
  version: number;
  /** SHA-256 of the canonical signed body: what the audit log records. */
  hash: string;
  expiresAtMs: number;
  keys: ReadonlyMap<string, TrustedKey>;
  revoked: ReadonlySet<string>;
  limits: Limits;
}

/** The default limits of the setpoint rules, for when no policy names them. */
export function defaultLimits(): Limits {
  const limits = {};
  validateLimits(limits);
  return limits as Limits;
}

export function loadPolicy(file: string, authority: KeyObject, vehicle: string): Policy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyError(`cannot read the setpoint policy ${file}: ${(err as Error).message}`);
  }
  return parsePolicy(raw, authority, vehicle);
}

export function parsePolicy(raw: unknown, authority: KeyObject, vehicle: string): Policy {
  // The signature covers the body as the authority wrote it: take its bytes before defaults are filled in.
  const written = (raw as { policy?: unknown } | null)?.policy;
  const signedBytes = written !== undefined && written !== null && typeof written === 'object' ? canonicalBytes(written) : Buffer.alloc(0);
  if (!validateSigned(raw)) {
    const e = validateSigned.errors?.[0];
    throw new PolicyError(`the setpoint policy is malformed: ${e?.instancePath || '/'} ${e?.message ?? ''}`);
  }
  const signed = raw as SignedPolicy;
  const body = signed.policy;
  if (signed.signature.keyId !== keyIdOf(authority) || !safeVerify(signedBytes, authority, signed.signature.sig)) {
    throw new PolicyError('the setpoint policy is not signed by the policy authority key');
  }
  if (body.vehicle !== '*' && body.vehicle !== vehicle) throw new PolicyError(`the setpoint policy is for vehicle ${body.vehicle}, not ${vehicle}`);
  const keys = new Map<string, TrustedKey>();
  for (const k of body.keys) {
    let key: KeyObject;
    try {
      key = createPublicKey(k.publicKey);
    } catch {
      throw new PolicyError(`the setpoint policy has an unreadable public key for ${k.holder}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new PolicyError(`the key of ${k.holder} is not Ed25519`);
    keys.set(keyIdOf(key), { keyId: keyIdOf(key), holder: k.holder, roles: k.roles, key });
  }
  return {
    version: body.version,
    hash: createHash('sha256').update(signedBytes).digest('hex'),
    expiresAtMs: Date.parse(body.expiresAt),
    keys,
    revoked: new Set(body.revoked),
    limits: body.limits,
  };
}

export function safeVerify(data: Buffer, key: KeyObject, sigB64: string): boolean {
  try {
    const sig = Buffer.from(sigB64, 'base64');
    // Only the one canonical base64 form: Node's decoder skips stray characters, which would let a signature be
    // written in many ways.
    return sig.length === 64 && sig.toString('base64') === sigB64 && verify(null, data, key, sig);
  } catch {
    return false;
  }
}
