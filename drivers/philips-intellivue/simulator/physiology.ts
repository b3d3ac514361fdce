// A simulated patient for the IntelliVue simulator: slowly varying vital signs, waveforms synthesised beat by beat
// and breath by breath at their true sample rates, and the alarms a monitor would raise — per clinical scenario.
import { ALERT_STATE, ALERT_TYPE, MSMT, type WaveName } from '../nomenclature.js';

export const SCENARIOS = ['normal', 'stemi', 'desaturation', 'leads-off'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** Physio ids of what the simulated monitor measures. */
export const P = {
  HR: 0x4182,
  PULSE: 0x4822,
  SPO2: 0x4bb8,
  PERF: 0x4bb0,
  NBP: 0x4a04,
  ABP: 0x4a14,
  RR: 0x500a,
  AWRR: 0x5012,
  ETCO2: 0x50b0,
  IMCO2: 0x50ba,
  TEMP: 0x4b48,
  ST_I: 0x0301,
  ST_II: 0x0302,
  ST_III: 0x033d,
  ST_AVF: 0x0340,
  ECG: 0x0100,
} as const;

/** Unit codes (partition DIM). */
export const U = { BPM: 0x0aa0, RPM: 0x0ae0, PERCENT: 0x0220, MMHG: 0x0f20, DEGC: 0x17a0, MM: 0x0512, DIMLESS: 0x0200 } as const;

/** Alarm event codes used here (partition EVT). */
export const EVT = { HI: 40, LO: 62, LEADS_OFF: 274, DESAT: 3246, APNEA: 3072 } as const;

export interface NumericValue {
  physio: number;
  unit: number;
  value: number;
  decimals: number;
  state: number;
}

export interface SimAlarm {
  source: number;
  code: number;
  type: number;
  state: number;
  text: string;
}

export interface Vitals {
  hr: number;
  spo2: number;
  perf: number;
  rr: number;
  etco2: number;
  temp: number;
  abpSys: number;
  abpDia: number;
  st: { i: number; ii: number; iii: number; avf: number };
  leadsOff: boolean;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const gauss = (x: number, mu: number, sigma: number) => Math.exp(-((x - mu) ** 2) / (2 * sigma * sigma));

/**
 * The patient. `advance(t)` moves the slow state to t seconds; vitals and alarms are read from it; waves are
 * sampled at any t by phase within the current beat or breath (beats and breaths are tracked as phases so a
 * changing rate never makes the waveform jump).
 */
export class Patient {
  private t = 0;
  private walk = { hr: 0, spo2: 0, rr: 0, etco2: 0, temp: 0, abp: 0 };
  /** Beat and breath phase per wave: each wave is sampled on its own clock, in increasing time. */
  private readonly phases = new Map<WaveName, { t: number; beat: number; breath: number }>();
  vitals: Vitals;
  /** NIBP: measured every NIBP_EVERY_S (the first on arrival), the last result held, with its measurement time. */
  nbp: { sys: number; dia: number; mean: number; atS: number };

  constructor(
    readonly scenario: Scenario,
    private readonly random: () => number,
  ) {
    this.vitals = this.compute();
    this.nbp = this.measureNbp(0);
  }

  advance(tSec: number): void {
    const dt = Math.max(0, tSec - this.t);
    this.t = tSec;
    // Bounded random walks: the slow wander of real vital signs.
    const step = (v: number, sd: number, bound: number) => clamp(v + (this.random() - 0.5) * sd * Math.sqrt(dt), -bound, bound);
    this.walk.hr = step(this.walk.hr, 1.2, 6);
    this.walk.spo2 = step(this.walk.spo2, 0.3, 1);
    this.walk.rr = step(this.walk.rr, 0.4, 2);
    this.walk.etco2 = step(this.walk.etco2, 0.4, 2);
    this.walk.temp = step(this.walk.temp, 0.01, 0.2);
    this.walk.abp = step(this.walk.abp, 1, 6);
    this.vitals = this.compute();
    if (tSec - this.nbp.atS >= NIBP_EVERY_S) this.nbp = this.measureNbp(tSec);
  }

  private measureNbp(atS: number): { sys: number; dia: number; mean: number; atS: number } {
    const sys = Math.round(this.vitals.abpSys + 4 + (this.random() - 0.5) * 6);
    const dia = Math.round(this.vitals.abpDia + 2 + (this.random() - 0.5) * 4);
    return { sys, dia, mean: Math.round((sys + 2 * dia) / 3), atS };
  }

  private compute(): Vitals {
    const t = this.t;
    const w = this.walk;
    const slow = Math.sin((2 * Math.PI * t) / 90);
    const v: Vitals = {
      hr: 76 + 3 * slow + w.hr,
      spo2: 97.5 + w.spo2,
      perf: 2.1 + 0.3 * slow,
      rr: 15 + w.rr,
      etco2: 36 + w.etco2,
      temp: 36.8 + w.temp,
      abpSys: 122 + 4 * slow + w.abp,
      abpDia: 76 + 2 * slow + w.abp / 2,
      st: { i: 0.1, ii: 0.2, iii: 0.1, avf: 0.1 },
      leadsOff: false,
    };
    switch (this.scenario) {
      case 'stemi':
        // Inferior STEMI: ST elevation in II, III, aVF with reciprocal depression in I; a sympathetic tachycardia.
        v.hr = 104 + 3 * slow + w.hr;
        v.st = { i: -1.0, ii: 2.6 + 0.1 * slow, iii: 3.1 + 0.1 * slow, avf: 2.8 };
        v.abpSys -= 12;
        break;
      case 'desaturation': {
        // SpO2 falls from 96 % to 82 % over the first 40 s and stays there; the heart answers.
        const f = clamp(t / 40, 0, 1);
        v.spo2 = 96 - 14 * f + w.spo2 / 2;
        v.hr += 38 * f;
        v.rr += 12 * f;
        v.etco2 -= 6 * f;
        v.perf -= 1.2 * f;
        break;
      }
      case 'leads-off':
        v.leadsOff = true;
        break;
    }
    v.spo2 = clamp(v.spo2, 50, 100);
    return v;
  }

  numerics(): NumericValue[] {
    const v = this.vitals;
    const ecg = v.leadsOff ? MSMT.INVALID : 0;
    const n = (physio: number, unit: number, value: number, decimals: number, state = 0): NumericValue => ({ physio, unit, value, decimals, state });
    return [
      n(P.HR, U.BPM, Math.round(v.hr), 0, ecg),
      n(P.PULSE, U.BPM, Math.round(v.hr), 0),
      n(P.SPO2, U.PERCENT, Math.round(v.spo2), 0),
      n(P.PERF, U.DIMLESS, v.perf, 2),
      n(P.RR, U.RPM, Math.round(v.rr), 0),
      n(P.AWRR, U.RPM, Math.round(v.rr), 0),
      n(P.ETCO2, U.MMHG, Math.round(v.etco2), 0),
      n(P.IMCO2, U.MMHG, 0, 0),
      n(P.TEMP, U.DEGC, v.temp, 1),
      n(P.ST_I, U.MM, v.st.i, 1, ecg),
      n(P.ST_II, U.MM, v.st.ii, 1, ecg),
      n(P.ST_III, U.MM, v.st.iii, 1, ecg),
      n(P.ST_AVF, U.MM, v.st.avf, 1, ecg),
    ];
  }

  /** The alarms the monitor would show now, from its default limits. */
  alarms(): SimAlarm[] {
    const v = this.vitals;
    const out: SimAlarm[] = [];
    const p = (source: number, code: number, type: number, text: string) => out.push({ source, code, type, state: ALERT_STATE.NEW_ALERT, text });
    if (v.leadsOff) {
      out.push({ source: P.ECG, code: EVT.LEADS_OFF, type: ALERT_TYPE.MED_T, state: 0, text: 'ECG LEADS OFF' });
    } else {
      const hr = Math.round(v.hr);
      if (hr > 120) p(P.HR, EVT.HI, ALERT_TYPE.MED_P, `**HR ${hr} > 120`);
      if (hr < 50) p(P.HR, EVT.LO, ALERT_TYPE.MED_P, `**HR ${hr} < 50`);
      if (v.st.ii > 2) p(P.ST_II, EVT.HI, ALERT_TYPE.MED_P, '**ST-II HIGH');
      if (v.st.iii > 2) p(P.ST_III, EVT.HI, ALERT_TYPE.MED_P, '**ST-III HIGH');
      if (v.st.avf > 2) p(P.ST_AVF, EVT.HI, ALERT_TYPE.MED_P, '**ST-aVF HIGH');
    }
    const spo2 = Math.round(v.spo2); // alarms compare the value shown
    if (spo2 < 85) p(P.SPO2, EVT.DESAT, ALERT_TYPE.HI_P, '***DESAT');
    else if (spo2 < 90) p(P.SPO2, EVT.LO, ALERT_TYPE.MED_P, `**SpO2 ${spo2} < 90`);
    return out;
  }

  /** Moves a wave's beat and breath phases to `tSec` (each wave is sampled in increasing time). */
  private phaseTo(wave: WaveName, tSec: number): { beat: number; breath: number } {
    let ph = this.phases.get(wave);
    if (!ph) this.phases.set(wave, (ph = { t: tSec, beat: 0, breath: 0 }));
    const dt = tSec - ph.t;
    if (dt > 0) {
      ph.t = tSec;
      ph.beat = (ph.beat + (dt * this.vitals.hr) / 60) % 1;
      ph.breath = (ph.breath + (dt * this.vitals.rr) / 60) % 1;
    }
    return ph;
  }

  /** A wave's physical value at `tSec` (mV, mmHg or arbitrary units), or NaN when the sensor gives nothing. */
  sample(wave: WaveName, tSec: number): number {
    const { beat, breath } = this.phaseTo(wave, tSec);
    const v = this.vitals;
    const rrSec = 60 / v.hr;
    switch (wave) {
      case 'ecg-i':
      case 'ecg-ii':
      case 'ecg-iii': {
        if (v.leadsOff) return NaN;
        const gain = wave === 'ecg-ii' ? 1 : wave === 'ecg-i' ? 0.6 : 0.45;
        const st = (wave === 'ecg-ii' ? v.st.ii : wave === 'ecg-i' ? v.st.i : v.st.iii) * 0.1; // 1 mm = 0.1 mV
        const s = beat * rrSec; // seconds into the beat
        const p = 0.12 * gauss(s, 0.1, 0.025);
        const q = -0.1 * gauss(s, 0.185, 0.008);
        const r = 1.1 * gauss(s, 0.2, 0.01);
        const sw = -0.25 * gauss(s, 0.215, 0.008);
        const stSeg = s > 0.23 && s < 0.42 ? st : 0;
        const tw = (0.3 + st) * gauss(s, 0.36, 0.04);
        return gain * (p + q + r + sw + stSeg + tw) + (this.random() - 0.5) * 0.01;
      }
      case 'pleth': {
        const x = (beat + 0.75) % 1; // the pulse reaches the finger ~250 ms after the R wave
        return 40 + 45 * (gauss(x, 0.15, 0.07) + 0.35 * gauss(x, 0.42, 0.08)) * (v.perf / 2);
      }
      case 'abp':
      case 'art': {
        const x = (beat + 0.85) % 1;
        const pulse = gauss(x, 0.12, 0.06) + 0.25 * gauss(x, 0.38, 0.05);
        return v.abpDia + (v.abpSys - v.abpDia) * Math.min(1, pulse) * (1 - 0.15 * x);
      }
      case 'cvp':
        return 8 + 2 * Math.sin(2 * Math.PI * beat);
      case 'co2': {
        // Capnogram: baseline during inspiration, a sharp upstroke, an alveolar plateau rising to etCO2.
        const x = breath;
        if (x < 0.4) return 0.5;
        const up = clamp((x - 0.4) / 0.05, 0, 1);
        const down = x > 0.95 ? clamp((1 - x) / 0.05, 0, 1) : 1;
        return 0.5 + (v.etco2 - 4 + 4 * (x - 0.45) / 0.5) * up * down;
      }
      case 'resp':
        return Math.sin(2 * Math.PI * breath);
      case 'awp':
        return breath < 0.35 ? 5 + 15 * Math.sin((Math.PI * breath) / 0.35) : 5;
      case 'flow':
        return breath < 0.35 ? 40 * Math.sin((Math.PI * breath) / 0.35) : -30 * Math.exp(-(breath - 0.35) * 8);
    }
  }

  /** Whether a wave's samples are valid now (leads off makes the ECG invalid). */
  waveState(wave: WaveName): number {
    return wave.startsWith('ecg') && this.vitals.leadsOff ? MSMT.INVALID : 0;
  }
}

const NIBP_EVERY_S = 60;
