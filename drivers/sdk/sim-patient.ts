// A simulated patient for monitor simulators: vital signs that drift slowly and plausibly, scenarios that tell a
// clinical story (an anterior STEMI, a desaturation), the alarms a monitor would raise, and the waveforms (ECG,
// pleth, arterial pressure, capnogram, airway pressure and flow) at any instant, beat to beat and breath to breath.
// Deterministic for a given random source and start time, so fixtures made from it are reproducible.

export const SCENARIOS = ['normal', 'stemi', 'desaturation'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface StLeads {
  i: number;
  ii: number;
  iii: number;
  avr: number;
  avl: number;
  avf: number;
  v1: number;
  v2: number;
  v3: number;
  v4: number;
  v5: number;
  v6: number;
}

export interface Vitals {
  /** /min */
  hr: number;
  pvcPerMin: number;
  /** % */
  spo2: number;
  pulseRate: number;
  /** pleth modulation, % */
  perfusion: number;
  /** mmHg */
  nibp: { sys: number; dia: number; mean: number };
  art: { sys: number; dia: number; mean: number };
  cvp: number;
  /** /min */
  rr: number;
  /** mmHg */
  etco2: number;
  fico2: number;
  /** °C */
  temp: number;
  /** ST deviation per lead, mm (1 mm = 0.1 mV) */
  st: StLeads;
  vent: {
    /** cmH2O */
    ppeak: number;
    peep: number;
    pplat: number;
    pmean: number;
    /** mL */
    tvExp: number;
    /** L/min */
    mvExp: number;
    /** mL/cmH2O */
    compliance: number;
    /** % */
    fio2: number;
    eto2: number;
    /** inspiration : expiration, as a fraction (0.5 = 1:2) */
    ie: number;
  };
}

export interface SimAlarm {
  text: string;
  priority: 'high' | 'medium' | 'low';
}

/** Ambient pressure the simulated monitor reports, mmHg. */
export const AMBIENT_MMHG = 760;

/** Advances a phase (cycles) at a rate that changes once a second, so any instant in the recent past has one phase. */
class PhaseClock {
  private readonly segments: Array<{ t0: number; p0: number; perMin: number }>;

  constructor(private readonly ratePerMin: (tMs: number) => number, startMs: number) {
    this.segments = [{ t0: startMs, p0: 0, perMin: ratePerMin(startMs) }];
  }

  phase(tMs: number): number {
    let last = this.segments[this.segments.length - 1]!;
    while (tMs >= last.t0 + 1000) {
      const t0 = last.t0 + 1000;
      last = { t0, p0: last.p0 + last.perMin / 60, perMin: this.ratePerMin(t0) };
      this.segments.push(last);
      if (this.segments.length > 120) this.segments.shift();
    }
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (s.t0 <= tMs || i === 0) return s.p0 + ((tMs - s.t0) * s.perMin) / 60_000;
    }
    return 0;
  }
}

const gauss = (x: number, mu: number, sigma: number) => Math.exp(-(((x - mu) / sigma) ** 2) / 2);
const frac = (x: number) => x - Math.floor(x);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const round = (x: number, step: number) => Math.round(x / step) * step;

/** Relative amplitude of the QRS per lead, and the sign of the T wave. */
const LEAD_GAIN: Readonly<Record<keyof StLeads, number>> = {
  i: 0.6,
  ii: 1,
  iii: 0.45,
  avr: -0.8,
  avl: 0.3,
  avf: 0.7,
  v1: -0.7,
  v2: 0.9,
  v3: 1.2,
  v4: 1.4,
  v5: 1.2,
  v6: 0.9,
};

export class SimPatient {
  private readonly heart: PhaseClock;
  private readonly lungs: PhaseClock;
  /** Slow noise: a few sines per parameter with random phases. */
  private readonly phases: number[];
  private cached: Vitals | undefined;
  private cachedBucket = NaN;

  /**
   * `pace` runs the scenario's story faster (the beat and the breath keep their real rates): 20 makes a STEMI
   * develop in seconds instead of minutes, for tests and a short demo.
   */
  constructor(
    readonly scenario: Scenario,
    readonly startMs: number,
    random: () => number = Math.random,
    readonly pace = 1,
  ) {
    this.phases = Array.from({ length: 16 }, () => random() * 2 * Math.PI);
    this.heart = new PhaseClock((t) => this.vitals(t).hr, startMs);
    this.lungs = new PhaseClock((t) => this.vitals(t).rr, startMs);
  }

  /** Smooth noise in [-1, 1], period minutes, independent per channel k. */
  private wobble(k: number, tMs: number): number {
    const s = tMs / 1000;
    const p = this.phases[k % this.phases.length]!;
    return 0.6 * Math.sin((2 * Math.PI * s) / (47 + 7 * k) + p) + 0.4 * Math.sin((2 * Math.PI * s) / (113 + 11 * k) + 2 * p);
  }

  /** Vital signs at an instant. Memoised per 100 ms: waveform generators ask for every sample. */
  vitals(tMs: number): Vitals {
    const bucket = Math.floor(tMs / 100);
    if (bucket !== this.cachedBucket || !this.cached) {
      this.cached = this.computeVitals(bucket * 100);
      this.cachedBucket = bucket;
    }
    return this.cached;
  }

  private computeVitals(tMs: number): Vitals {
    const s = ((tMs - this.startMs) / 1000) * this.pace;
    let hr = 78 + 4 * this.wobble(0, tMs);
    let spo2 = 97.5 + 0.8 * this.wobble(1, tMs);
    let sys = 124 + 5 * this.wobble(2, tMs);
    let dia = 78 + 3 * this.wobble(3, tMs);
    let rr = 16 + 1.5 * this.wobble(4, tMs);
    let etco2 = 36 + 2 * this.wobble(5, tMs);
    let pvc = 0;
    const st: StLeads = { i: 0, ii: 0, iii: 0, avr: 0, avl: 0, avf: 0, v1: 0, v2: 0, v3: 0, v4: 0, v5: 0, v6: 0 };
    for (const k of Object.keys(st) as Array<keyof StLeads>) st[k] = 0.2 * this.wobble(6, tMs + LEAD_GAIN[k] * 1e5);
    if (this.scenario === 'stemi') {
      // Anterior STEMI: elevation in V1–V4, reciprocal depression inferiorly; tachycardic, a little hypotensive.
      const onset = clamp(s / 90, 0, 1);
      hr += 22 * onset;
      sys -= 18 * onset;
      dia -= 10 * onset;
      spo2 -= 2.5 * onset;
      pvc = Math.round(onset * (4 + 2 * this.wobble(7, tMs)));
      const elev = onset * (3 + 0.5 * this.wobble(8, tMs));
      st.v1 += 0.6 * elev;
      st.v2 += elev;
      st.v3 += 1.1 * elev;
      st.v4 += 0.8 * elev;
      st.i += 0.3 * elev;
      st.avl += 0.4 * elev;
      st.ii -= 0.3 * elev;
      st.iii -= 0.4 * elev;
      st.avf -= 0.35 * elev;
    } else if (this.scenario === 'desaturation') {
      // Six-minute cycles: SpO2 falls to the low 80s over two minutes, holds, recovers; the heart and breathing speed up.
      const c = frac(s / 360);
      const depth = c < 0.33 ? c / 0.33 : c < 0.5 ? 1 : c < 0.83 ? 1 - (c - 0.5) / 0.33 : 0;
      spo2 -= 15 * depth;
      hr += 32 * depth;
      rr += 10 * depth;
      etco2 += 10 * depth;
    }
    const mean = dia + (sys - dia) / 3;
    const fio2 = 40;
    const tv = 480 + 15 * this.wobble(9, tMs);
    return {
      hr: round(hr, 1),
      pvcPerMin: pvc,
      spo2: round(clamp(spo2, 50, 100), 1),
      pulseRate: round(hr + this.wobble(10, tMs), 1),
      perfusion: round(3.2 + 0.8 * this.wobble(11, tMs), 0.01),
      nibp: { sys: round(sys, 1), dia: round(dia, 1), mean: round(mean, 1) },
      art: { sys: round(sys - 2, 1), dia: round(dia - 2, 1), mean: round(mean - 2, 1) },
      cvp: round(7 + this.wobble(12, tMs), 1),
      rr: round(rr, 1),
      etco2: round(etco2, 0.1),
      fico2: 0.2,
      temp: round(36.8 + 0.15 * this.wobble(13, tMs), 0.01),
      st: Object.fromEntries(Object.entries(st).map(([k, v]) => [k, round(v, 0.01)])) as unknown as StLeads,
      vent: {
        ppeak: round(18 + this.wobble(14, tMs), 0.1),
        peep: 5,
        pplat: round(15 + 0.5 * this.wobble(14, tMs), 0.1),
        pmean: round(9 + 0.3 * this.wobble(14, tMs), 0.1),
        tvExp: round(tv, 1),
        mvExp: round((tv * rr) / 1000, 0.01),
        compliance: round(tv / 10, 0.1),
        fio2,
        eto2: fio2 - 4,
        ie: 0.5,
      },
    };
  }

  /** What a monitor would be alarming about, given these vitals. */
  alarms(v: Vitals): SimAlarm[] {
    const out: SimAlarm[] = [];
    if (v.spo2 < 90) out.push({ text: 'SpO2 LOW', priority: 'high' });
    if (v.hr > 110) out.push({ text: 'HR HIGH', priority: 'medium' });
    const stMax = Math.max(v.st.v1, v.st.v2, v.st.v3, v.st.v4);
    if (stMax > 2) out.push({ text: 'ST V2-V4 ELEVATED', priority: 'medium' });
    if (v.nibp.sys < 90) out.push({ text: 'NIBP SYS LOW', priority: 'medium' });
    return out;
  }

  /** ECG in mV for a lead at an instant: P, QRS and T per beat, the ST segment lifted by the lead's ST deviation. */
  ecg(tMs: number, lead: keyof StLeads): number {
    const v = this.vitals(tMs);
    const beatS = 60 / v.hr;
    // Time from this beat's R peak, in s, within (−0.35 beat, +0.65 beat].
    let x = frac(this.heart.phase(tMs) + 0.35) * beatS - 0.35 * beatS;
    if (x > 0.65 * beatS) x -= beatS;
    const g = LEAD_GAIN[lead];
    const qt = 0.4 * Math.sqrt(beatS);
    const st = v.st[lead] * 0.1; // mm → mV
    const stSegment = st * clamp((x - 0.04) / 0.02, 0, 1) * clamp((qt - 0.05 - x) / 0.08, 0, 1);
    return (
      0.12 * Math.abs(g) * gauss(x, -0.16, 0.025) +
      g * (-0.1 * gauss(x, -0.03, 0.008) + 1.1 * gauss(x, 0, 0.011) - 0.25 * gauss(x, 0.03, 0.01)) +
      0.28 * Math.sign(g) * gauss(x, qt - 0.12, 0.05) +
      stSegment
    );
  }

  /** Fraction of the cardiac cycle since the last beat, 0…1. */
  private beat(tMs: number): number {
    return frac(this.heart.phase(tMs));
  }

  /** Plethysmogram, % of full scale: a systolic upstroke a little after the R wave, with a dicrotic bump. */
  pleth(tMs: number): number {
    const x = frac(this.beat(tMs) - 0.12);
    return 100 * (0.85 * gauss(x, 0.18, 0.07) + 0.3 * gauss(x, 0.48, 0.1));
  }

  /** Arterial pressure, mmHg. */
  art(tMs: number): number {
    const v = this.vitals(tMs);
    const x = frac(this.beat(tMs) - 0.08);
    const shape = clamp(gauss(x, 0.16, 0.08) + 0.35 * gauss(x, 0.42, 0.09) + 0.12 * (1 - x), 0, 1);
    return v.art.dia + (v.art.sys - v.art.dia) * shape;
  }

  /** Where in the breath we are: 0…ie/(1+ie) is inspiration. */
  private breath(tMs: number): number {
    return frac(this.lungs.phase(tMs));
  }

  /** Capnogram, % CO2 at the airway: zero while inhaling, a steep rise and an alveolar plateau while exhaling. */
  co2Percent(tMs: number): number {
    const v = this.vitals(tMs);
    const insp = v.vent.ie / (1 + v.vent.ie);
    const x = this.breath(tMs);
    if (x < insp) return 0;
    const rise = clamp((x - insp) / 0.06, 0, 1);
    const plateau = (v.etco2 / AMBIENT_MMHG) * 100;
    return plateau * rise * (0.92 + 0.08 * ((x - insp) / (1 - insp)));
  }

  /** Airway pressure, cmH2O: volume-controlled inspiration up to the peak, a plateau, then passive decay to PEEP. */
  awp(tMs: number): number {
    const v = this.vitals(tMs).vent;
    const insp = v.ie / (1 + v.ie);
    const x = this.breath(tMs);
    if (x < insp * 0.85) return v.peep + (v.ppeak - v.peep) * (x / (insp * 0.85));
    if (x < insp) return v.pplat;
    return v.peep + (v.pplat - v.peep) * Math.exp(-(x - insp) / 0.08);
  }

  /** Airway flow, L/min: constant inspiratory flow, then an exponentially decaying expiratory flow (negative). */
  flow(tMs: number): number {
    const v = this.vitals(tMs);
    const insp = v.vent.ie / (1 + v.vent.ie);
    const breathS = 60 / v.rr;
    const x = this.breath(tMs);
    const inspFlow = (v.vent.tvExp / 1000 / (insp * 0.85 * breathS)) * 60;
    if (x < insp * 0.85) return inspFlow;
    if (x < insp) return 0;
    return -inspFlow * 1.4 * Math.exp(-(x - insp) / 0.09);
  }

  /** Airway O2, %: the inspired fraction while inhaling, the end-tidal fraction while exhaling. */
  o2Percent(tMs: number): number {
    const v = this.vitals(tMs).vent;
    return this.breath(tMs) < v.ie / (1 + v.ie) ? v.fio2 : v.eto2;
  }
}

export function isScenario(s: string): s is Scenario {
  return (SCENARIOS as readonly string[]).includes(s);
}
