// What the daemon's parts share: the typed event bus and its events, and the Extension contract (start/stop;
// constructors only assign, in the manner of Zigbee2MQTT's extensions).
import type { Clock } from '../core/clock.js';
import type { TypedBus } from '../core/event-bus.js';
import type { Logger } from '../core/logger.js';
import type { Topics } from '../core/topics.js';
import type { VehicleConfig } from '../config/schema.js';
import type { ControlServer } from '../control/server.js';
import type { CanonicalRecord } from '../schema/index.js';

export interface DaemonEvents {
  /** A record that passed validation, on its way to every consumer. */
  record: CanonicalRecord;
}

export type DaemonBus = TypedBus<DaemonEvents>;

export interface Extension {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonEnv {
  readonly config: VehicleConfig;
  readonly configFile: string;
  readonly bus: DaemonBus;
  readonly log: Logger;
  readonly clock: Clock;
  readonly topics: Topics;
  /** The local control socket: an extension registers its CLI methods here in start(). */
  readonly control: ControlServer;
  /** Sections an extension adds to `ambulink status` (e.g. outbox, uplink, video), by name. */
  readonly statusSections: Map<string, () => unknown>;
}
