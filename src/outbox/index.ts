// The store-and-forward outbox (LevelDB). Other parts of the gateway reach it through the controller
// (`controller.outbox.queue`) and call `enqueue({ stream, topic, class, payload })` for messages that must reach the
// hospital like records do (setpoint results, audit checkpoints, health): durable, sequenced, at least once.
export { Outbox, type EnqueueRequest, type EnqueueReceipt, type OutboxStats, type ClassStats, type StreamInfo, type OutboxMode } from './outbox.js';
export { OutboxExtension } from './extension.js';
export { PRIORITY_CLASSES, type PriorityClass } from './classes.js';
export { parseEnvelope, type Envelope } from './envelope.js';
export type { StoredRecord } from './stored-record.js';
