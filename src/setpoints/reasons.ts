// The reason codes (one enum for result messages and the audit log) and the lifecycle states of a command.
export const REASONS = [
  'BAD_SIGNATURE',
  /** Not JSON, not an envelope of the right shape (unknown or missing fields, repeated keys), or too large. */
  'MALFORMED',
  'ROLE_MISSING',
  'UNSIGNED_BY_CLINICIAN',
  'DUAL_APPROVAL_REQUIRED',
  'REVOKED_KEY',
  'REPLAY',
  'DUPLICATE_SUPPRESSED',
  'STALE',
  'NOT_YET_VALID',
  'TIME_UNTRUSTED',
  'RETAINED_COMMAND',
  'NO_LEASE',
  'LEASE_HELD',
  'CONTEXT_MISMATCH',
  'DUAL_CHANNEL_MISMATCH',
  'NOT_ENABLED',
  'NOT_NORMAL_MODE',
  'OUT_OF_DEVICE_RANGE',
  'OFF_STEP',
  'POLICY_LIMIT',
  'PATIENT_LIMIT',
  'ENVELOPE_LIMIT',
  'STEP_TOO_LARGE',
  'WINDOW_LIMIT',
  'TOO_SOON',
  'ALARM_ACTIVE',
  'VITALS_STALE',
  'VITALS_INVALID',
  'PPLAT_HIGH',
  'MODE_CHANGE_FORBIDDEN',
  'LOCAL_CONFIRM_TIMEOUT',
  'LOCAL_REJECTED',
  'READBACK_MISMATCH',
  'INDETERMINATE',
  'AUDIT_UNAVAILABLE',
  'RATE_LIMITED',
] as const;
export type Reason = (typeof REASONS)[number];

/** BICEPS invocation states: Wait and Start are transient; the rest are final, and each command gets exactly one. */
export type InvocationState = 'Wait' | 'Start' | 'Fin' | 'FinMod' | 'Fail' | 'Cnclld' | 'CnclldMan';
export const FINAL_STATES: ReadonlySet<InvocationState> = new Set(['Fin', 'FinMod', 'Fail', 'Cnclld', 'CnclldMan']);

/** A refusal: the command ends in `state` with `reason`; `detail` says what was compared with what. */
export class Refusal extends Error {
  constructor(
    readonly reason: Reason,
    message: string,
    readonly detail: Record<string, unknown> = {},
    readonly state: 'Fail' | 'Cnclld' | 'CnclldMan' = 'Fail',
  ) {
    super(message);
  }
}
