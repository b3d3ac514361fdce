// The clinical limits (policy; defaults from the setpoint rules): tidal volume per kg predicted body weight, plateau
// pressure, hard limits, per-command steps and rolling windows, and the vitals/alarm guard that blocks changes in
// the unsafe direction (FiO2 down, PEEP down) but never FiO2 up. Pure: every input is passed in, every result says
// which values and bounds it used, so the audit log can show why.
import type { Limits } from './policy.js';
import type { Reason } from './reasons.js';

export type ClinicalParam = 'vt' | 'rr' | 'peep' | 'fio2' | 'pinsp' | 'ti' | 'mode';

/** Which clinical quantity a device setting is, from its MDC term. */
const BY_METRIC: Readonly<Record<string, ClinicalParam>> = {
  MDC_VENT_VOL_TIDAL: 'vt',
  MDC_VOL_AWAY_TIDAL: 'vt',
  MDC_VENT_RESP_RATE: 'rr',
  MDC_VENT_PRESS_AWAY_END_EXP_POS: 'peep',
  MDC_CONC_AWAY_O2_INSP: 'fio2',
  MDC_VENT_PRESS_AWAY_MAX: 'pinsp',
  MDC_VENT_TIME_PD_INSP: 'ti',
  MDC_VENT_MODE: 'mode',
};

export function clinicalParamOf(metricRef: string): ClinicalParam | undefined {
  return BY_METRIC[metricRef];
}

export type Sex = 'male' | 'female';

/** ARDSnet predicted body weight (kg): male 50 + 0.91·(cm − 152.4), female 45.5 + 0.91·(cm − 152.4). */
export function predictedBodyWeight(sex: Sex, heightCm: number): number {
  return (sex === 'male' ? 50 : 45.5) + 0.91 * (heightCm - 152.4);
}

export interface Vital {
  value: number | null;
  validity: string;
  ageMs: number;
}

export interface AppliedChange {
  param: string;
  clinical: ClinicalParam | undefined;
  from: number;
  to: number;
  /** Gateway monotonic ms when it was applied. */
  mono: number;
}

export interface ClinicalInput {
  name: string;
  clinical: ClinicalParam | undefined;
  current: number;
  target: number;
  limits: Limits;
  /** Predicted body weight of the open encounter's patient, if known. */
  pbwKg: number | undefined;
  /** The last valid plateau pressure of this ventilator. */
  pplat: number | undefined;
  spo2: Vital | undefined;
  /** Active high-priority alarms of the ventilator. */
  alarms: string[];
  history: readonly AppliedChange[];
  nowMono: number;
  /** The command adopts an AI recommendation: it must stay inside the clinicians' envelope. */
  fromAi: boolean;
}

export interface CheckOutcome {
  check: string;
  ok: boolean;
  reason?: Reason;
  message?: string;
  /** The values and bounds used. */
  used: Record<string, unknown>;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Every clinical check, in order; a command passes when all are ok. */
export function clinicalChecks(i: ClinicalInput): CheckOutcome[] {
  const out: CheckOutcome[] = [];
  const { limits: L, clinical: p, current, target } = i;
  const delta = target - current;
  const push = (check: string, ok: boolean, used: Record<string, unknown>, reason: Reason, message: string) =>
    out.push(ok ? { check, ok, used } : { check, ok, reason, message, used });

  if (p === 'mode') {
    push('mode-change', L.allowModeChange, { allowModeChange: L.allowModeChange }, 'MODE_CHANGE_FORBIDDEN', 'remote ventilation-mode changes are not allowed by policy');
  }
  const hard = p ? L.hard[p] : undefined;
  if (hard) {
    const ok = (hard.min === undefined || target >= hard.min) && (hard.max === undefined || target <= hard.max);
    push('policy-hard-limit', ok, { target, min: hard.min, max: hard.max }, 'POLICY_LIMIT', `${i.name} ${target} is outside the policy's hard limits [${hard.min ?? '-'}, ${hard.max ?? '-'}]`);
  }
  if (p === 'vt') {
    if (i.pbwKg === undefined) {
      push('vt-per-kg-pbw', false, { pbwKg: null }, 'PATIENT_LIMIT', 'tidal volume needs the patient\'s predicted body weight: open the encounter with sex and height (or PBW)');
    } else {
      const perKg = target / i.pbwKg;
      const ok = perKg >= L.vtMlPerKg.min - 1e-9 && perKg <= L.vtMlPerKg.max + 1e-9;
      push(
        'vt-per-kg-pbw',
        ok,
        { target, pbwKg: round(i.pbwKg), mlPerKg: round(perKg), minMl: round(L.vtMlPerKg.min * i.pbwKg), maxMl: round(L.vtMlPerKg.max * i.pbwKg) },
        'PATIENT_LIMIT',
        `tidal volume ${target} mL is ${round(perKg)} mL/kg PBW, outside ${L.vtMlPerKg.min}–${L.vtMlPerKg.max} mL/kg (${round(L.vtMlPerKg.min * i.pbwKg)}–${round(L.vtMlPerKg.max * i.pbwKg)} mL)`,
      );
    }
  }
  if (i.fromAi) {
    const env = p ? L.aiEnvelope[p] : undefined;
    const ok = env !== undefined && (env.min === undefined || target >= env.min) && (env.max === undefined || target <= env.max);
    push('ai-envelope', ok, { target, min: env?.min ?? null, max: env?.max ?? null }, 'ENVELOPE_LIMIT', env ? `${i.name} ${target} is outside the clinicians' envelope for AI recommendations [${env.min ?? '-'}, ${env.max ?? '-'}]` : `no envelope is set for AI recommendations on ${i.name}`);
  }
  const raisesPplat = delta > 0 && (p === 'vt' || p === 'peep' || p === 'pinsp');
  if (raisesPplat) {
    const ok = i.pplat === undefined || i.pplat <= L.pplatMax;
    push('pplat', ok, { pplat: i.pplat ?? null, pplatMax: L.pplatMax }, 'PPLAT_HIGH', `plateau pressure ${i.pplat} cmH2O is above ${L.pplatMax}: no change that raises it`);
  }
  stepCheck(i, delta, push);
  spacingChecks(i, delta, push);
  windowChecks(i, delta, push);
  const unsafe = delta < 0 && (p === 'fio2' || p === 'peep');
  if (unsafe) {
    push('alarms', i.alarms.length === 0, { activeHighPriority: i.alarms }, 'ALARM_ACTIVE', `high-priority alarm(s) active on the ventilator: ${i.alarms.join(', ')}`);
    const s = i.spo2;
    const maxAgeMs = L.spo2.maxAgeS * 1000;
    if (!s || s.ageMs > maxAgeMs) {
      push('spo2', false, { spo2: s?.value ?? null, ageMs: s ? Math.round(s.ageMs) : null, maxAgeMs }, 'VITALS_STALE', s ? `SpO2 is ${Math.round(s.ageMs)} ms old (limit ${maxAgeMs} ms)` : 'no SpO2');
    } else if (s.validity !== 'valid' || s.value === null) {
      push('spo2', false, { spo2: s.value, validity: s.validity }, 'VITALS_INVALID', `SpO2 validity is ${s.validity}`);
    } else {
      push('spo2', s.value > L.spo2.minPct, { spo2: s.value, minPct: L.spo2.minPct, ageMs: Math.round(s.ageMs) }, 'PATIENT_LIMIT', `SpO2 ${s.value} % is at or below ${L.spo2.minPct} %`);
    }
  }
  return out;
}

type Push = (check: string, ok: boolean, used: Record<string, unknown>, reason: Reason, message: string) => void;

function stepCheck(i: ClinicalInput, delta: number, push: Push): void {
  const S = i.limits.step;
  const eps = 1e-9;
  switch (i.clinical) {
    case 'vt': {
      if (i.pbwKg === undefined) return;
      const max = S.vtMlPerKg * i.pbwKg;
      push('step', Math.abs(delta) <= max + eps, { delta, maxMl: round(max) }, 'STEP_TOO_LARGE', `tidal volume change ${delta} mL exceeds ${S.vtMlPerKg} mL/kg PBW (${round(max)} mL)`);
      return;
    }
    case 'fio2':
      if (delta < 0) push('step', -delta <= S.fio2Down + eps, { delta, maxDecrease: S.fio2Down }, 'STEP_TOO_LARGE', `FiO2 decrease of ${-delta} points exceeds ${S.fio2Down}`);
      return;
    case 'peep':
    case 'rr':
    case 'pinsp':
    case 'ti': {
      const max = S[i.clinical];
      push('step', Math.abs(delta) <= max + eps, { delta, max }, 'STEP_TOO_LARGE', `${i.name} change of ${round(delta)} exceeds ±${max}`);
      return;
    }
    default:
  }
}

function spacingChecks(i: ClinicalInput, delta: number, push: Push): void {
  const W = i.limits.window;
  const last = [...i.history].reverse().find((h) => h.param === i.name);
  if (last) {
    const ageS = (i.nowMono - last.mono) / 1000;
    push('same-parameter-spacing', ageS >= W.sameParamSpacingS, { sinceLastS: Math.round(ageS), minS: W.sameParamSpacingS }, 'TOO_SOON', `${i.name} was changed ${Math.round(ageS)} s ago (at least ${W.sameParamSpacingS} s apart)`);
  }
  if (i.clinical === 'fio2' && delta < 0) {
    const lastDown = [...i.history].reverse().find((h) => h.clinical === 'fio2' && h.to < h.from);
    if (lastDown) {
      const ageS = (i.nowMono - lastDown.mono) / 1000;
      push('fio2-decrease-spacing', ageS >= W.fio2DownSpacingS, { sinceLastDecreaseS: Math.round(ageS), minS: W.fio2DownSpacingS }, 'TOO_SOON', `FiO2 was decreased ${Math.round(ageS)} s ago (decreases at least ${W.fio2DownSpacingS} s apart)`);
    }
  }
}

function windowChecks(i: ClinicalInput, delta: number, push: Push): void {
  const W = i.limits.window;
  const moved = (windowS: number) =>
    i.history.filter((h) => h.clinical === i.clinical && i.nowMono - h.mono <= windowS * 1000).reduce((sum, h) => sum + Math.abs(h.to - h.from), 0);
  if (i.clinical === 'vt' && i.pbwKg !== undefined) {
    const max = W.vtMlPerKg * i.pbwKg;
    const total = moved(W.vtWindowS) + Math.abs(delta);
    push('window', total <= max + 1e-9, { totalMl: total, maxMl: round(max), windowS: W.vtWindowS }, 'WINDOW_LIMIT', `tidal volume would move ${total} mL within ${W.vtWindowS} s (at most ${round(max)} mL)`);
  }
  if (i.clinical === 'peep') {
    const total = moved(W.peepWindowS) + Math.abs(delta);
    push('window', total <= W.peep + 1e-9, { total, max: W.peep, windowS: W.peepWindowS }, 'WINDOW_LIMIT', `PEEP would move ${total} cmH2O within ${W.peepWindowS} s (at most ${W.peep})`);
  }
}

/** High-risk changes need two distinct clinicians (the two-person rule). */
export function isHighRisk(clinical: ClinicalParam | undefined, current: number, target: number, limits: Limits): boolean {
  if (clinical === 'mode') return true;
  if (clinical === 'fio2') return current - target > limits.highRisk.fio2DownPoints;
  if (clinical === 'peep') return Math.abs(target - current) > limits.highRisk.peepChange;
  return false;
}
