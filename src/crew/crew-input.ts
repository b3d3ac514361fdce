// What the crew may enter for the scores and the care timeline, checked: ACVPU, oxygen, the SpO2 scale, a milestone
// and the pre-arrival alert. Each entry becomes an `event` record (crew.*), so the early-warning scores and the
// timeline read it from the bus like any record, and the tablet and the hospital see who entered what, and when.
import { ACVPU, type Acvpu } from '../ews/news2.js';
import type { MilestoneName } from '../schema/index.js';

export class CrewInputError extends Error {}

/** Milestones the crew can mark by hand (the others come from devices, lab results, GPS or the hospital). */
export const CREW_MILESTONES = [
  'first-medical-contact',
  'first-ecg',
  '12-lead-transmitted',
  '12-lead-acknowledged',
  'arrived-scene',
  'left-scene',
  'arrived-hospital',
] as const satisfies readonly MilestoneName[];
export type CrewMilestone = (typeof CREW_MILESTONES)[number];

export const PRE_ARRIVAL_ALERTS = ['stemi', 'stroke', 'trauma'] as const;
export type PreArrivalAlert = (typeof PRE_ARRIVAL_ALERTS)[number];

export type CrewEntry =
  | { event: 'crew.acvpu'; detail: { level: Acvpu } }
  | { event: 'crew.oxygen'; detail: { oxygen: 'on' | 'off' | 'auto' } }
  | { event: 'crew.spo2_scale'; detail: { scale: 1 | 2 } }
  | { event: 'crew.milestone'; detail: { milestone: CrewMilestone; at?: string } }
  | { event: 'crew.pre_arrival_alert'; detail: { alert: PreArrivalAlert } };

/** The entries by the name used on the control socket and as the crew topic (…/crew/{name}). */
export const CREW_ACTIONS = ['acvpu', 'oxygen', 'spo2-scale', 'milestone', 'pre-arrival-alert'] as const;
export type CrewAction = (typeof CREW_ACTIONS)[number];

const oneOf = <T extends string>(what: string, list: readonly T[], v: unknown): T => {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
  const hit = list.find((x) => x.toLowerCase() === s.toLowerCase());
  if (hit === undefined) throw new CrewInputError(`${what} must be one of ${list.join(', ')}${s ? `, not "${s}"` : ''}`);
  return hit;
};

/** An ISO time within the last 24 hours and not in the future (a little clock skew allowed), normalised to ms UTC. */
function checkTime(v: unknown, nowMs: number): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new CrewInputError(`at must be an ISO-8601 time, e.g. 2026-12-06T10:15:00Z, not "${String(v)}"`);
  if (ms > nowMs + 60_000) throw new CrewInputError('at is in the future');
  if (ms < nowMs - 86_400_000) throw new CrewInputError('at is more than 24 hours ago');
  return new Date(ms).toISOString();
}

/**
 * One entry from its action name and its value: `value` is the plain word (CLI argument, or a broker payload that is
 * not JSON), `params` the JSON object form ({"level": "V"}, {"milestone": "left-scene", "at": "…"}).
 */
export function parseCrewEntry(action: string, params: Record<string, unknown>, nowMs: number): CrewEntry {
  const value = params.value;
  switch (oneOf('the crew action', CREW_ACTIONS, action)) {
    case 'acvpu':
      return { event: 'crew.acvpu', detail: { level: oneOf('ACVPU', ACVPU, params.level ?? value) } };
    case 'oxygen':
      return { event: 'crew.oxygen', detail: { oxygen: oneOf('oxygen', ['on', 'off', 'auto'] as const, params.oxygen ?? value) } };
    case 'spo2-scale':
      return { event: 'crew.spo2_scale', detail: { scale: oneOf('the SpO2 scale', ['1', '2'] as const, params.scale ?? value) === '2' ? 2 : 1 } };
    case 'milestone': {
      const milestone = oneOf('milestone', CREW_MILESTONES, params.milestone ?? value);
      return { event: 'crew.milestone', detail: { milestone, ...(params.at !== undefined ? { at: checkTime(params.at, nowMs) } : {}) } };
    }
    case 'pre-arrival-alert':
      return { event: 'crew.pre_arrival_alert', detail: { alert: oneOf('the pre-arrival alert', PRE_ARRIVAL_ALERTS, params.alert ?? value) } };
  }
}

/** A broker payload: a JSON object, or the plain word. */
export function payloadParams(payload: Buffer): Record<string, unknown> {
  const text = payload.toString('utf8').trim();
  if (text.startsWith('{')) {
    try {
      const v: unknown = JSON.parse(text);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      throw new CrewInputError('the payload starts like JSON but is not valid JSON');
    }
  }
  return { value: text };
}
