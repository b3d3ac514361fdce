// Which value each score parameter uses now: the latest values the gateway holds (LatestValues), read per parameter
// from the devices and metrics that measure it, with their ages. A value older than its parameter's threshold is
// stale and is never used (the score becomes incomplete and names it); a device's invalid marker is never a value.
import type { EarlyWarningConfig } from '../config/index.js';
import type { CanonicalRecord, EventRecord, ScoreInput } from '../schema/index.js';
import { ACVPU, type Acvpu, type SpO2Scale } from './news2.js';

/** What the engine reads: LatestValues.get. */
export interface LatestSource {
  get(device: string, key: string): { record: CanonicalRecord; ageMs: number } | undefined;
}

export type Resolved<T> =
  | { state: 'used'; value: T; input: ScoreInput }
  | { state: 'stale'; input: ScoreInput }
  | { state: 'missing'; reason: string };

export type MeasuredParameter = 'respirationRate' | 'spo2' | 'systolic' | 'pulse' | 'temperature';

/** Where a parameter is measured, best source first, and the units it is read in (converted to the chart's). */
const MEASURED: Readonly<Record<MeasuredParameter, { metrics: readonly string[]; units: Readonly<Record<string, (v: number) => number>> }>> = {
  // Capnography counts breaths; thoracic impedance also counts artefact (movement in a moving vehicle).
  respirationRate: { metrics: ['MDC_CO2_RESP_RATE', 'MDC_RESP_RATE', 'MDC_AWAY_RESP_RATE', 'MDC_VENT_RESP_RATE'], units: { '/min': (v) => v } },
  spo2: { metrics: ['MDC_PULS_OXIM_SAT_O2'], units: { '%': (v) => v } },
  // An arterial line, where there is one, is continuous and the reference; the cuff otherwise.
  systolic: {
    metrics: ['MDC_PRESS_BLD_ART_ABP_SYS', 'MDC_PRESS_BLD_ART_SYS', 'MDC_PRESS_BLD_NONINV_SYS'],
    units: { 'mm[Hg]': (v) => v, kPa: (v) => v * 7.500617 },
  },
  pulse: {
    metrics: ['MDC_ECG_HEART_RATE', 'MDC_PULS_OXIM_PULS_RATE', 'MDC_PULS_RATE', 'MDC_BLD_PULS_RATE_INV', 'MDC_PLETH_PULS_RATE', 'MDC_PULS_RATE_NON_INV'],
    units: { '/min': (v) => v },
  },
  // Body temperature only: skin temperature is not what the chart scores.
  temperature: { metrics: ['MDC_TEMP_CORE', 'MDC_TEMP', 'MDC_TEMP_TYMP', 'MDC_TEMP_ESOPH'], units: { Cel: (v) => v, '[degF]': (v) => ((v - 32) * 5) / 9 } },
};

/** The metrics that feed the scores: a record of one of these is a reason to recompute. */
export const SCORE_METRICS: ReadonlySet<string> = new Set([...Object.values(MEASURED).flatMap((m) => m.metrics), 'MDC_CONC_AWAY_O2_INSP']);

/** The crew's entries (event records from the crew input service) that feed the scores. */
export const CREW_EVENTS = { acvpu: 'crew.acvpu', oxygen: 'crew.oxygen', scale: 'crew.spo2_scale' } as const;

const GATEWAY = 'gateway';
const FIO2 = 'MDC_CONC_AWAY_O2_INSP';

export interface InputContext {
  readonly latest: LatestSource;
  readonly config: EarlyWarningConfig;
  /** Every configured device, in config order. */
  readonly devices: readonly string[];
  /** The open encounter: a crew entry counts only for the encounter it was made in. */
  readonly encounter: string | undefined;
  /** Wall clock now, for inputs that are defaults (ISO time of "now"). */
  readonly nowIso: string;
}

function deviceInput(record: CanonicalRecord & { kind: 'numeric' | 'setting' }, value: number, ageMs: number): ScoreInput {
  return {
    source: 'device',
    by: record.device,
    metric: record.metric,
    value,
    ...(record.unit ? { unit: record.unit } : {}),
    observedAt: record.observedAt,
    ageMs: Math.round(ageMs),
  };
}

export function resolveMeasured(ctx: InputContext, parameter: MeasuredParameter): Resolved<number> {
  const spec = MEASURED[parameter];
  const staleMs = ctx.config.staleAfterS[parameter] * 1000;
  const preferred = ctx.config.devices;
  let stale: ScoreInput | undefined;
  let staleAge = Infinity;
  let rejected: string | undefined;
  const candidates: Array<{ value: number; input: ScoreInput; ageMs: number }> = [];
  // With a device list: the first device in it with a fresh value wins. Without: per metric, the freshest device.
  const order: Array<[string, string]> = preferred
    ? preferred.flatMap((d) => spec.metrics.map((m): [string, string] => [d, m]))
    : spec.metrics.flatMap((m) => ctx.devices.map((d): [string, string] => [d, m]));
  for (const [device, metric] of order) {
    const e = ctx.latest.get(device, `numeric:${metric}`);
    if (!e || e.record.kind !== 'numeric') continue;
    const r = e.record;
    if (r.value === null || r.validity !== 'valid') {
      rejected ??= `${device} reports ${metric} as ${r.validity}`;
      continue;
    }
    const convert = spec.units[r.unit.ucum];
    if (!convert) {
      rejected ??= `${device} reports ${metric} in ${r.unit.ucum}, which this score does not read`;
      continue;
    }
    const value = convert(r.value);
    const input = deviceInput(r, value, e.ageMs);
    if (e.ageMs > staleMs) {
      if (e.ageMs < staleAge) [stale, staleAge] = [input, e.ageMs];
      continue;
    }
    if (preferred) return { state: 'used', value, input };
    candidates.push({ value, input, ageMs: e.ageMs });
  }
  // Candidates come in metric order: the best metric with a fresh value, from its freshest device.
  if (candidates.length > 0) {
    const bestMetric = candidates[0]!.input.metric?.ref;
    const best = candidates.filter((c) => c.input.metric?.ref === bestMetric).sort((a, b) => a.ageMs - b.ageMs)[0]!;
    return { state: 'used', value: best.value, input: best.input };
  }
  if (stale) return { state: 'stale', input: stale };
  return { state: 'missing', reason: rejected ?? 'no value received' };
}

/** The latest crew entry of this kind in the open encounter, if any. */
function crewEntry(ctx: InputContext, event: string): { record: EventRecord; ageMs: number } | undefined {
  const e = ctx.latest.get(GATEWAY, `event:${event}`);
  if (!e || e.record.kind !== 'event' || e.record.encounter !== ctx.encounter) return undefined;
  return { record: e.record, ageMs: e.ageMs };
}

function crewInput(r: EventRecord, value: string | number | boolean, ageMs: number): ScoreInput {
  const by = typeof r.detail?.by === 'string' && r.detail.by ? r.detail.by : 'crew';
  return { source: 'crew', by, value, observedAt: r.observedAt, ageMs: Math.round(ageMs) };
}

export function resolveConsciousness(ctx: InputContext): Resolved<Acvpu> {
  const e = crewEntry(ctx, CREW_EVENTS.acvpu);
  const level = e?.record.detail?.level;
  if (!e || typeof level !== 'string' || !(ACVPU as readonly string[]).includes(level)) {
    return { state: 'missing', reason: 'the crew has not entered ACVPU for this encounter (ambulink crew acvpu A|C|V|P|U)' };
  }
  const input = crewInput(e.record, level, e.ageMs);
  if (e.ageMs > ctx.config.staleAfterS.consciousness * 1000) return { state: 'stale', input };
  return { state: 'used', value: level as Acvpu, input };
}

/**
 * Air or oxygen: the crew's entry (on / off) when they made one for this encounter — it stands until they change it
 * (oxygen is something the crew does, not a reading that drifts); otherwise any ventilator's FiO2 setting above 21 %
 * (a setting — what the device delivers — not a monitor's measured inspired fraction), which goes stale like a
 * measurement when the ventilator stops reporting it. With neither, the parameter is missing (the score is
 * incomplete) unless the site's config says to assume air (`assumeAirWithoutOxygenEntry`): then air, input source
 * "default", so nobody mistakes the assumption for an observation.
 */
export function resolveOxygen(ctx: InputContext): Resolved<boolean> {
  const crew = crewEntry(ctx, CREW_EVENTS.oxygen);
  const said = crew?.record.detail?.oxygen;
  if (crew && (said === 'on' || said === 'off')) return { state: 'used', value: said === 'on', input: crewInput(crew.record, said, crew.ageMs) };
  const staleMs = ctx.config.staleAfterS.oxygen * 1000;
  let fresh: { value: boolean; input: ScoreInput } | undefined;
  let stale: ScoreInput | undefined;
  for (const device of ctx.devices) {
    const e = ctx.latest.get(device, `setting:${FIO2}`);
    if (!e || e.record.kind !== 'setting' || typeof e.record.value !== 'number' || e.record.validity !== 'valid') continue;
    const input = deviceInput(e.record, e.record.value, e.ageMs);
    if (e.ageMs > staleMs) stale ??= input;
    else if (!fresh || e.record.value > 21) fresh = { value: e.record.value > 21, input };
  }
  if (fresh) return { state: 'used', ...fresh };
  if (stale) return { state: 'stale', input: stale };
  if (ctx.config.assumeAirWithoutOxygenEntry) {
    return { state: 'used', value: false, input: { source: 'default', by: GATEWAY, value: 'air', observedAt: ctx.nowIso, ageMs: 0 } };
  }
  const auto = crew && said === 'auto';
  return {
    state: 'missing',
    reason: `oxygen: not entered${auto ? ' (the crew set it to auto: from the ventilator)' : ' (ambulink crew oxygen on|off)'}, and no ventilator reports an FiO2 setting`,
  };
}

/** Scale 2 only when the crew set it for this encounter. */
export function resolveScale(ctx: InputContext): SpO2Scale {
  return crewEntry(ctx, CREW_EVENTS.scale)?.record.detail?.scale === 2 ? 2 : 1;
}
