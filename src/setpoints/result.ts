// What the hospital (and the crew tablet) receives for every transition of a command, on
// ambulink/v1/{vehicle}/cmd/{device}/setpoint/result: the command id, the gateway's transaction id, the state and
// its reason code, who asked (InvocationSource) and what was targeted.
import type { InvocationState, Reason } from './reasons.js';

export interface ResultMessage {
  v: 1;
  vehicle: string;
  device: string;
  /** null when the payload was too broken to name one. */
  commandId: string | null;
  /** Assigned by the gateway, the same on every report of one command. */
  transactionId: string;
  state: InvocationState;
  reason?: Reason;
  message?: string;
  /** Who requested it: the issuer's id and key id, and the origin (clinician or adopted AI recommendation). */
  source?: { id: string; keyId: string; origin: string };
  target?: { param: string; value: number; unit: string };
  /** The value read back from the device (final states after a write). */
  actual?: number;
  /** Checks that failed, with the values and bounds used. */
  violations?: Array<{ check: string; reason: string; message: string; used: Record<string, unknown> }>;
  /** A repeat of the original result for a duplicate delivery (nothing was executed again). */
  duplicate?: boolean;
  /** On a duplicate of a command still pending (DUPLICATE_SUPPRESSED): the command id of the original. */
  originalCommandId?: string;
  /** A later report on an INDETERMINATE outcome, once a readback settled it. */
  reconciled?: { actual: number; matchesTarget: boolean };
  at: string;
}
