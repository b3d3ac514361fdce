// What the handover document needs of an encounter, gathered as its cycles are sent: the latest vital signs, the
// ventilator's latest settings, every lab result, the devices, the setpoints applied and the care-timeline milestones.
import type { Device, DeviceMetric, Observation } from 'fhir/r4.js';
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
  readonly milestones: Array<{ event: string; at: string }> = [];

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
