// What the uplink needs from a durable queue (the outbox implements it): messages ready to publish, live before
// backlog, acknowledged one by one on PUBACK and handed back when the connection breaks. The uplink keeps no copy:
// whatever it has not seen acknowledged is still in the queue.
export interface OutgoingMessage {
  readonly topic: string;
  /**
   * The JSON text. A string rather than a buffer: the socket writes it out directly, which at tens of thousands of
   * records a second saves a large amount of short-lived memory outside the heap.
   */
  readonly payload: string;
  /** Records (or service messages) inside. */
  readonly records: number;
  /** Read back from the backlog rather than sent as it arrived. */
  readonly backlog: boolean;
  readonly historical: boolean;
  /** Wall-clock ms when its oldest record was accepted by the gateway (the age of live data at its PUBACK paces the backlog). */
  readonly acceptedAt: number;
  /** MQTT 5 message expiry in seconds, when the class expires. */
  readonly expirySeconds: number | undefined;
  /** MQTT 5 user properties: the payload's facts again (stream, first, last, historical …). */
  readonly userProperties: Readonly<Record<string, string>>;
}

export interface TakeLimits {
  maxRecords: number;
  maxBytes: number;
  /** False while the backlog's share of the window is used up: only live messages are wanted. */
  backlog: boolean;
}

export interface MessageSource {
  /** The next message, or undefined when nothing is ready (onReady fires when that changes). */
  take(limits: TakeLimits): OutgoingMessage | undefined;
  /** The broker acknowledged it (PUBACK): it may be deleted. */
  acked(message: OutgoingMessage): void;
  /** A connection is up: from now on new data is live. */
  linkUp(): void;
  /** The connection is gone: everything in flight goes back to the queue, to be sent again. */
  linkDown(): void;
  onReady(listener: () => void): void;
}
