// What the console's HTTP API answers, shared by the server (src/console) and the page (src/console/web): the page is
// type-checked against the same declarations the server is. Types only: nothing here runs.
import type { CanonicalRecord } from '../schema/records.js';

/** Who is looking, and at what. `viewer` is the hospital's read-only view (no buttons, no login). */
export interface SessionInfo {
  mode: 'vehicle' | 'hospital';
  vehicle: string;
  username: string;
  role: 'crew' | 'consumer' | 'viewer';
  /** The MQTT topic root of this vehicle: ambulink/v1/{vehicle}. */
  topicRoot: string;
  /** Path of the MQTT-over-WebSocket endpoint on this same origin. */
  mqttPath: string;
  /** In the vehicle: the local broker's batched record feed, read instead of every record's own topic. */
  feedTopic?: string;
  /** In the vehicle: where the daemon pushes its status and the pending setpoints (ConsoleStateMessage) while a
   * console is connected, instead of each console polling the HTTP API. */
  stateTopic?: string;
}

/** A remote setpoint command as the setpoint service reports it (`ambulink setpoint pending`). */
export interface PendingSetpoint {
  commandId: string;
  device: string;
  /** queued | checking | confirm (waiting for the crew) | executing */
  phase: string;
  param: string;
  from: number;
  to: number;
  unit: string;
  issuer: string;
  approvers: string[];
  origin: string;
  /** The interlocks this command has passed so far, in order. */
  passed: string[];
  /** Wall time by which the crew must decide (only while phase is confirm). */
  confirmBy?: string;
}

export interface ConsoleDevice {
  id: string;
  driver: string;
  state: string;
  transport: string;
  since: string;
  lastRecordAt?: string;
  error?: string;
  counters: Record<string, number>;
}

/** The gateway's status: the sections of `ambulink status` (outbox, uplink, video, setpoints …) and the devices. */
export interface ConsoleStatus {
  at: string;
  sections: Record<string, unknown>;
  devices: ConsoleDevice[];
}

/** What the daemon pushes on the console-state topic: every 2 s, and at once when the pending setpoints change. */
export interface ConsoleStateMessage {
  status: ConsoleStatus;
  pending: PendingSetpoint[];
}

/**
 * The latest value of each thing the page shows as text (numerics, settings, active alarms, device states, scores,
 * milestones, lab results, the position), with its age at the daemon: asked once as the page loads, so that it shows
 * the vitals at once instead of waiting for each device's next value (a NIBP comes every few minutes). Waves, events
 * and alerts are not in it: they are drawn or listed as they arrive.
 */
export interface LatestValue {
  ageMs: number;
  record: CanonicalRecord;
}

export interface DecisionAnswer {
  commandId: string;
  decision: string;
}

export interface ApiError {
  error: string;
}
