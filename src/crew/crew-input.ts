// What the crew may enter for the scores, the care timeline and the handover, checked: ACVPU, oxygen, the SpO2 scale,
// a milestone, the pre-arrival alert, the ETA at the hospital, and the mechanism or complaint with the incident time. Each entry becomes an `event` record (crew.*), so the early-warning scores and the
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
  | { event: 'crew.pre_arrival_alert'; detail: { alert: PreArrivalAlert } }
  | { event: 'crew.eta'; detail: { eta: string } }
  | { event: 'crew.mechanism'; detail: { text: string; incidentAt?: string } };

/** The entries by the name used on the control socket and as the crew topic (…/crew/{name}). */
export const CREW_ACTIONS = ['acvpu', 'oxygen', 'spo2-scale', 'milestone', 'pre-arrival-alert', 'eta', 'mechanism'] as const;

/** An ETA further ahead than this is a typo (minutes taken for seconds, a wrong date), not a transport. */
const MAX_ETA_MIN = 12 * 60;
/** The mechanism is a line of the handover, not a report. */
const MAX_MECHANISM_CHARS = 500;
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
 * The expected arrival: whole minutes from now ("12") or an ISO time, within the next 12 hours (a time a few minutes
 * past is taken: the crew may enter it late), normalised to ms UTC.
 */
function checkEta(v: unknown, nowMs: number): string {
  const s = typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
  if (/^\+?\d{1,4}$/.test(s)) {
    const min = Number(s.replace('+', ''));
    if (min < 1 || min > MAX_ETA_MIN) throw new CrewInputError(`the ETA must be 1–${MAX_ETA_MIN} minutes from now, not ${min}`);
    return new Date(nowMs + min * 60_000).toISOString();
  }
  const ms = Date.parse(s);
  if (!Number.isFinite(ms)) throw new CrewInputError(`the ETA must be minutes from now (e.g. 12) or an ISO-8601 time, not "${s}"`);
  if (ms < nowMs - 5 * 60_000) throw new CrewInputError('the ETA is in the past');
  if (ms > nowMs + MAX_ETA_MIN * 60_000) throw new CrewInputError(`the ETA is more than ${MAX_ETA_MIN / 60} hours ahead`);
  return new Date(ms).toISOString();
}

/** Free text for the handover, on one line: control characters become spaces, runs of spaces one. */
function checkText(what: string, v: unknown, max: number): string {
  const text = (typeof v === 'string' ? v : '').replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!text) throw new CrewInputError(`${what} is empty`);
  if (text.length > max) throw new CrewInputError(`${what} is longer than ${max} characters`);
  return text;
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
    case 'eta':
      return { event: 'crew.eta', detail: { eta: checkEta(params.eta ?? value, nowMs) } };
    case 'mechanism': {
      const text = checkText('the mechanism or complaint', params.text ?? value, MAX_MECHANISM_CHARS);
      return { event: 'crew.mechanism', detail: { text, ...(params.at !== undefined ? { incidentAt: checkTime(params.at, nowMs) } : {}) } };
    }
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
