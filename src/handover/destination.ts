// The contract between the handover's parts: a builder turns canonical records into messages for one kind of
// hospital system (HL7 v2 ORU over MLLP, FHIR R4 Bundles over HTTPS); the durable queue keeps each destination's
// messages in order on disk until the destination commits them; a transport delivers one message and says what the
// destination answered. The queue, not the transport, decides what happens next (commit, resend, park, dead-letter),
// so every kind of destination gets the same delivery semantics and the same `ambulink handover status`.
import type { CanonicalRecord } from '../schema/index.js';

/** One message for one destination, as it is stored in the queue and resent unchanged. */
export interface HandoverMessage {
  /** Stable and unique per destination: HL7 MSH-10, or the FHIR Bundle's id. A resend carries the same id. */
  readonly id: string;
  /** What it is, for status and logs: "ORU^R01", "ORU^R40", "transaction", "document". */
  readonly type: string;
  /** The serialized message (HL7 ER7 text with CR segment ends, or FHIR JSON). */
  readonly body: string;
  /** Wall-clock ms when it was built. */
  readonly createdAt: number;
}

/** What the destination said about one delivery attempt. */
export type DeliveryOutcome =
  /** Accepted (HL7 AA/CA, HTTP 2xx): removed from the queue. */
  | { readonly kind: 'committed'; readonly detail?: string }
  /** Worth trying again (HL7 AE/CE, HTTP 5xx/429, timeout, connection lost): resent, the same id, after a backoff. */
  | {
      readonly kind: 'retry';
      readonly reason: string;
      readonly retryAfterMs?: number;
      /**
       * The link failed, not the message (no answer in time, connection lost): resent like any retry, but not counted
       * towards parking, so that an outage or a flaky 5G link never parks a good message. Absent: the destination
       * answered with an error (HL7 AE/CE, HTTP 5xx), which counts.
       */
      readonly linkFailure?: boolean;
    }
  /** Refused for good (HL7 AR/CR, HTTP 4xx): dead-lettered at once, kept for an operator, announced. */
  | { readonly kind: 'rejected'; readonly reason: string };

/** Delivers one message at a time to one destination. */
export interface HandoverTransport {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One attempt. Never throws: every failure is an outcome. `signal` aborts the attempt (shutdown). */
  send(message: HandoverMessage, signal: AbortSignal): Promise<DeliveryOutcome>;
  /** Connection state for status ("connected", "connecting", "down: ECONNREFUSED" …). */
  readonly linkState: string;
}

/**
 * Messages a builder's call completed: at once, or a promise of them where building waits on something off the
 * event loop (the FHIR validator's thread). A builder's promises never reject and settle in the order it made them.
 */
export type BuiltMessages = HandoverMessage[] | Promise<HandoverMessage[]>;

/** Turns canonical records into messages for one destination. Pure apart from the clock it is given. */
export interface HandoverBuilder {
  /** A record from the bus; returns the messages it completes (an observation cycle, an alarm, a lab result). */
  onRecord(record: CanonicalRecord, nowMs: number): BuiltMessages;
  /** Called about once a second: returns messages whose cycle has ended by time rather than by a new record. */
  tick(nowMs: number): BuiltMessages;
  /** Releases what the builder holds (the FHIR validator's thread), once the destination stops. */
  stop?(): Promise<void>;
}
