// The three scores as record bodies: each parameter resolved from the latest values (inputs.ts), scored (news2.ts,
// qsofa.ts, shock-index.ts), and described — sub-score, code, the input used, or why it is missing or stale.
import type { AlertRecord, Coding, ScoreBand, ScoreComponent, ScoreName, ScoreRecord } from '../schema/index.js';
import { NEWS2_SUBSCORE, NEWS2_TOTAL, QSOFA_TOTAL } from './codes.js';
import { resolveConsciousness, resolveMeasured, resolveOxygen, resolveScale, type InputContext, type Resolved } from './inputs.js';
import { computeNews2, NEWS2_PARAMETERS, type News2Parameter } from './news2.js';
import { computeQsofa, QSOFA_PARAMETERS, type QsofaParameter } from './qsofa.js';
import { computeShockIndex } from './shock-index.js';

export type ScoreBody = Pick<ScoreRecord, 'score' | 'status' | 'value' | 'band' | 'components' | 'missing' | 'stale'> &
  Partial<Pick<ScoreRecord, 'code' | 'atLeast' | 'scale'>>;

const used = <T>(r: Resolved<T>): T | undefined => (r.state === 'used' ? r.value : undefined);

function component(parameter: string, r: Resolved<unknown>, points: number | undefined, code: Coding | undefined, unscoredReason: string): ScoreComponent {
  const c: ScoreComponent = { parameter, state: r.state, ...(code ? { code } : {}) };
  if (r.state === 'missing') return { ...c, reason: r.reason };
  if (r.state === 'stale') return { ...c, input: r.input, reason: `last value ${Math.round(r.input.ageMs / 1000)} s old: stale, not used` };
  if (points === undefined && unscoredReason) return { ...c, state: 'missing', input: r.input, reason: unscoredReason };
  return { ...c, input: r.input, ...(points !== undefined ? { points } : {}) };
}

function finish(score: ScoreName, components: ScoreComponent[]): Pick<ScoreBody, 'score' | 'components' | 'missing' | 'stale'> {
  return {
    score,
    components,
    missing: components.filter((c) => c.state === 'missing').map((c) => c.parameter),
    stale: components.filter((c) => c.state === 'stale').map((c) => c.parameter),
  };
}

export interface ScoreSet {
  news2: ScoreBody;
  qsofa: ScoreBody;
  shockIndex: ScoreBody;
}

export function computeScores(ctx: InputContext): ScoreSet {
  const rr = resolveMeasured(ctx, 'respirationRate');
  const spo2 = resolveMeasured(ctx, 'spo2');
  const systolic = resolveMeasured(ctx, 'systolic');
  const pulse = resolveMeasured(ctx, 'pulse');
  const temperature = resolveMeasured(ctx, 'temperature');
  const consciousness = resolveConsciousness(ctx);
  const oxygen = resolveOxygen(ctx);
  const scale = resolveScale(ctx);

  const news = computeNews2(
    {
      respirationRate: used(rr),
      spo2: used(spo2),
      onOxygen: used(oxygen),
      systolic: used(systolic),
      pulse: used(pulse),
      consciousness: used(consciousness),
      temperature: used(temperature),
    },
    scale,
  );
  const byParam: Record<News2Parameter, Resolved<unknown>> = { respirationRate: rr, spo2, airOrOxygen: oxygen, systolic, pulse, consciousness, temperature };
  const news2: ScoreBody = {
    ...finish(
      'news2',
      NEWS2_PARAMETERS.map((p) =>
        component(p, byParam[p], news.subScores[p], p === 'spo2' ? NEWS2_SUBSCORE.spo2[scale] : NEWS2_SUBSCORE[p], 'SpO2 scale 2 at 93 % or more needs the oxygen status, which is not known'),
      ),
    ),
    code: NEWS2_TOTAL,
    status: news.total === null ? 'incomplete' : 'complete',
    value: news.total,
    band: news.band,
    scale,
    ...(news.total === null ? { atLeast: { value: news.atLeast.total, band: news.atLeast.band } } : {}),
  };

  const q = computeQsofa({ respirationRate: used(rr), consciousness: used(consciousness), systolic: used(systolic) });
  const qParam: Record<QsofaParameter, Resolved<unknown>> = { respirationRate: rr, mentation: consciousness, systolic };
  const qsofa: ScoreBody = {
    ...finish('qsofa', QSOFA_PARAMETERS.map((p) => component(p, qParam[p], q.points[p], undefined, ''))),
    code: QSOFA_TOTAL,
    status: q.total === null ? 'incomplete' : 'complete',
    value: q.total,
    band: q.band,
    ...(q.total === null ? { atLeast: { value: q.atLeast.total } } : {}),
  };

  const si = computeShockIndex(used(pulse), used(systolic));
  const shockIndex: ScoreBody = {
    ...finish('shock-index', [component('pulse', pulse, undefined, undefined, ''), component('systolic', systolic, undefined, undefined, '')]),
    status: si.value === null ? 'incomplete' : 'complete',
    value: si.value,
    band: si.band,
  };
  return { news2, qsofa, shockIndex };
}

/**
 * The band an alert follows: the score's band; for an incomplete NEWS2, the band its known sub-scores guarantee,
 * marked as a floor (it can rise, never fall: see band-alerter.ts).
 */
export function alertBand(s: ScoreBody): { band: ScoreBand | null; floor: boolean } {
  if (s.band !== null) return { band: s.band, floor: false };
  return { band: s.atLeast?.band ?? null, floor: s.atLeast?.band !== undefined };
}

/** What changes the meaning of a score: not the input values themselves (published at the refresh interval). */
export function scoreSignature(s: ScoreBody): string {
  return JSON.stringify([s.status, s.value, s.band, s.atLeast, s.scale, s.components.map((c) => [c.parameter, c.state, c.points, c.input?.by, c.input?.metric?.ref])]);
}

const LABEL: Record<ScoreName, string> = { news2: 'NEWS2', qsofa: 'qSOFA', 'shock-index': 'Shock index' };

/** The alert's priority and words for a rise to a band. */
export function alertBody(s: ScoreBody, from: ScoreBand | null, to: ScoreBand): Pick<AlertRecord, 'score' | 'from' | 'to' | 'value' | 'status' | 'priority' | 'text'> & Partial<Pick<AlertRecord, 'code'>> {
  const shown = s.value !== null ? String(s.value) : s.atLeast ? `≥ ${s.atLeast.value}` : '?';
  const pending = s.status === 'incomplete' ? ` (incomplete: ${[...s.missing, ...s.stale].join(', ')} not known)` : '';
  let priority: AlertRecord['priority'] = 'medium';
  let advice = '';
  if (s.score === 'news2') {
    if (to === 'high') [priority, advice] = ['high', 'emergency response; pre-alert the receiving hospital'];
    else if (to === 'medium') [priority, advice] = ['medium', 'urgent clinical review; consider a pre-alert'];
    else [priority, advice] = ['low', `a 3 in ${s.components.filter((c) => c.points === 3).map((c) => c.parameter).join(', ')}: reassess promptly`];
  } else if (s.score === 'qsofa') {
    advice = 'consider sepsis';
  } else {
    [priority, advice] = to === 'high' ? ['medium', 'index ≥ 1.0: look for shock'] : ['low', 'index 0.7–0.99'];
  }
  return {
    score: s.score,
    ...(s.code ? { code: s.code } : {}),
    from,
    to,
    value: s.value,
    status: s.status,
    priority,
    text: `${LABEL[s.score]} ${shown}, ${to}: ${advice}${pending}`,
  };
}
