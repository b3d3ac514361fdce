// What the handover document needs of an encounter, gathered as its records pass: the latest vital signs, the
// ventilator's latest settings, every lab result, the devices, the setpoints applied, the care-timeline milestones,
// the latest early-warning scores, the findings (score alerts, high-priority physiological alarms), and what the
// crew entered for the handover (the ETA, the mechanism or complaint with the incident time).
import type { Device, DeviceMetric, Observation } from 'fhir/r4.js';
import type { AlarmRecord, AlertRecord, MilestoneRecord, ScoreRecord } from '../../schema/index.js';
import type { Prepared } from './resources.js';

export interface SetpointApplied {
  readonly device: string;
  readonly param: string;
  readonly value: number;
  readonly unit: string;
  /** The value read back from the device. */
  readonly actual?: number;
  readonly state: 'Fin' | 'FinMod';
  readonly at: string;
  /** Who requested it (the signing clinician's id). */
  readonly by?: string;
}

/** A crew entry for the handover, with who entered it and when. */
export interface CrewNote<T> {
  readonly value: T;
  readonly by: string;
  readonly enteredAt: string;
}

export type ObservationRole = 'vital' | 'setting' | 'lab' | 'other';

function codeKey(device: string, o: Observation): string {
  return `${device}|${(o.code.coding ?? []).map((c) => `${c.system}#${c.code}`).join(',')}`;
}

function timeOf(o: Observation): string {
  return o.effectiveDateTime ?? o.effectivePeriod?.start ?? '';
}

export class HandoverSummary {
  readonly devices = new Map<string, Prepared<Device>>();
  /** The DeviceMetrics the kept Observations point at, so the document resolves every reference. */
  readonly metrics = new Map<string, Prepared<DeviceMetric>>();
  readonly vitals = new Map<string, Prepared<Observation>>();
  readonly settings = new Map<string, Prepared<Observation>>();
  readonly labs: Prepared<Observation>[] = [];
  readonly setpoints: SetpointApplied[] = [];
  readonly milestones: MilestoneRecord[] = [];
  readonly scores = new Map<string, ScoreRecord>();
  /** By alarm id (an alarm repeats while active) or by alert time. */
  readonly findings = new Map<string, string>();
  /** The crew's latest ETA (a new one replaces it). */
  eta: CrewNote<string> | undefined;
  /** Every mechanism or complaint the crew entered, in order. */
  readonly mechanisms: CrewNote<{ text: string; incidentAt?: string }>[] = [];

  /** Keeps the latest value per device and code of vital signs and settings, and every lab result. */
  note(role: ObservationRole, obs: Prepared<Observation>, device: string): void {
    if (role === 'lab') return void this.labs.push(obs);
    const into = role === 'vital' ? this.vitals : role === 'setting' ? this.settings : undefined;
    if (!into) return;
    const key = codeKey(device, obs.resource);
    const had = into.get(key);
    if (!had || timeOf(had.resource) <= timeOf(obs.resource)) into.set(key, obs);
  }
}

/** A finding for the "Injuries or findings" section, in words, with the key that makes a repeat the same finding. */
export function findingOf(r: AlertRecord | AlarmRecord): { key: string; text: string } | undefined {
  if (r.kind === 'alert') return { key: `alert:${r.score}:${r.observedAt}`, text: `${r.observedAt}: ${r.text}` };
  if (r.category !== 'physiological' || r.priority !== 'high' || r.state !== 'active') return undefined;
  return { key: `alarm:${r.device}:${r.alarmId}`, text: `${r.observedAt}: ${r.device} alarm: ${r.text}` };
}
