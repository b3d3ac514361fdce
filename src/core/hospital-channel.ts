// The two ways the safety services talk to the hospital, kept to the smallest interfaces so they bind to whatever
// carries them: the MQTT uplink and its durable outbox in the daemon, a plain mqtt.js client in tests.

/** One message from the hospital, with the packet facts a safety service judges it by. */
export interface InboundCommand {
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  /** Sent because the broker stored it, not because it was just published: never acted on. */
  retain: boolean;
  /** The broker re-sends a message it may have sent before. */
  dup: boolean;
  messageId: number | undefined;
}

export interface CommandChannel {
  /** Delivers every message on topics matching the filter; returns the unsubscribe function. */
  subscribe(filter: string, handler: (message: InboundCommand) => void): () => void;
}

export interface OutboundMessage {
  topic: string;
  /** The stream it belongs to, "{device}/{what}" or "gateway/{what}" (per-stream sequence numbers, in order). */
  stream: string;
  /** A JSON object (the carrier may add its delivery fields, e.g. a sequence number). */
  payload: Record<string, unknown>;
}

export interface DurablePublisher {
  /**
   * Resolves once the message is durable (stored for delivery), not when the hospital has it. Setpoint results and
   * audit checkpoints belong to the highest priority class: never evicted silently.
   */
  publish(message: OutboundMessage): Promise<void>;
}

/** What the daemon hands the safety services; both absent when the vehicle has no uplink. */
export interface HospitalChannel {
  readonly commands?: CommandChannel;
  readonly publisher?: DurablePublisher;
}
