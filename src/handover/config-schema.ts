// The vehicle YAML's `handover:` section: a list of destinations, each `{ name, kind, …queue keys, …the kind's
// options }`, checked per kind (the kind's optionsSchema, composed in as the devices' driver options are).
import { Type, type TSchema } from '@sinclair/typebox';
import { HANDOVER_KINDS } from './kinds.js';

/** Keys of every destination, whatever its kind: its name, its kind, and how its queue retries. */
const base = {
  name: Type.String({
    pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
    description: 'Names the destination in `ambulink handover`, logs and the queue on disk; letters, digits, "-" and "_"',
  }),
  kind: Type.Unsafe<string>({ type: 'string', enum: HANDOVER_KINDS.map((k) => k.type), description: HANDOVER_KINDS.map((k) => `${k.type}: ${k.summary}`).join('; ') }),
  enabled: Type.Boolean({ default: true }),
  maxRetries: Type.Integer({
    minimum: 0,
    maximum: 1000,
    default: 5,
    description: 'Error answers (HL7 AE/CE, HTTP 5xx) to one message before the destination is parked until `ambulink handover release`; timeouts and lost connections do not count',
  }),
  retryInitialMs: Type.Integer({ minimum: 10, default: 1000, description: 'Delay before a resend; doubles up to retryMaxMs, with jitter' }),
  retryMaxMs: Type.Integer({ minimum: 10, default: 60_000 }),
  syncWrites: Type.Boolean({ default: false, description: 'Sync each queued message to disk: survives a power cut, not only a process kill' }),
};

function destinationSchema(): TSchema {
  const byKind = HANDOVER_KINDS.map((k) => ({
    if: { properties: { kind: { const: k.type } }, required: ['kind'] },
    then: Type.Object({ ...base, ...k.optionsSchema.properties }, { additionalProperties: false }),
  }));
  return Type.Unsafe({ allOf: [Type.Object(base), ...byKind] });
}

export const HandoverSection = Type.Object(
  {
    destinations: Type.Array(destinationSchema(), { default: [], description: "Where the handover goes: the hospital's own systems" }),
  },
  { additionalProperties: false, description: "Handover to the hospital's systems (HL7 v2, FHIR); off unless destinations are listed" },
);

/** One destination as validated: the common keys typed, the kind's own keys read by its kind. */
export interface DestinationConfig {
  name: string;
  kind: string;
  enabled: boolean;
  maxRetries: number;
  retryInitialMs: number;
  retryMaxMs: number;
  syncWrites: boolean;
  [option: string]: unknown;
}

export interface HandoverConfig {
  destinations: DestinationConfig[];
}
