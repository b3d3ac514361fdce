// The MQTT topic scheme, shared by the local broker and the uplink. Root: ambulink/v1/{vehicle}. The README's
// "Uplink and outbox" section documents every topic and payload; keep the two in step.
import type { CanonicalRecord } from '../schema/index.js';

export interface Topics {
  readonly root: string;
  /** Retained gateway status: birth on connect, Will = offline. */
  readonly status: string;
  /** Telemetry of one device and kind. */
  data(device: string, kind: string): string;
  /** Alarms of one device (highest priority class). */
  alarm(device: string): string;
  /** Explicit accounting of anything evicted or expired. */
  readonly loss: string;
  /** Crew actions on the local broker (confirmations); only the crew role may publish here. */
  readonly crew: string;
  /** Hospital → vehicle: a setpoint command for one device (inbound on the uplink). */
  setpoint(device: string): string;
  /** Vehicle → hospital: the outcome of a setpoint command. */
  setpointResult(device: string): string;
  /** Vehicle → hospital: signed audit-log checkpoints (the hospital is the witness). */
  readonly auditCheckpoint: string;
  /** Local broker only: every record of the last tenth of a second in one message, for the crew console. */
  readonly consoleFeed: string;
  /** The gateway's status and pending setpoints, pushed to the crew console while one is connected. */
  readonly consoleState: string;
  /** Where a record goes. */
  forRecord(record: CanonicalRecord): string;
}

export function topicsFor(vehicle: string): Topics {
  const root = `ambulink/v1/${vehicle}`;
  return {
    root,
    status: `${root}/status`,
    data: (device, kind) => `${root}/data/${device}/${kind}`,
    alarm: (device) => `${root}/alarm/${device}`,
    loss: `${root}/loss`,
    crew: `${root}/crew`,
    setpoint: (device) => `${root}/cmd/${device}/setpoint`,
    setpointResult: (device) => `${root}/cmd/${device}/setpoint/result`,
    auditCheckpoint: `${root}/audit/checkpoint`,
    consoleFeed: `$ambulink/v1/${vehicle}/console-feed`,
    consoleState: `$ambulink/v1/${vehicle}/console-state`,
    forRecord: (r) =>
      r.kind === 'alarm' ? `${root}/alarm/${r.device}` : r.kind === 'loss' ? `${root}/loss` : `${root}/data/${r.device}/${r.kind}`,
  };
}

/** Whether a topic matches an MQTT topic filter (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return i < t.length || (i === t.length && i > 0);
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}
