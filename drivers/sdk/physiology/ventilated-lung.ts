// A simple model of a ventilated patient for the ventilator simulators (MEDIBUS, Modbus): the settings (mode, Vt, RR,
// PEEP, FiO2, Pinsp, Ti) drive the measured values, the curves and the alarms through a one-compartment lung
// (compliance C, resistance R, time constant τ = R·C). Good enough to look and react like a ventilator on the bench;
// not a clinical model. Pressures in cmH2O, volumes in mL, flows in L/min, times in seconds.

export type VentMode = 'VC-CMV' | 'PC-CMV' | 'SIMV' | 'CPAP';
export const VENT_MODES: readonly VentMode[] = ['VC-CMV', 'PC-CMV', 'SIMV', 'CPAP'];

export interface VentSettings {
  mode: VentMode;
  /** Tidal volume, mL (volume modes). */
  vt: number;
  /** Mandatory rate, /min. */
  rr: number;
  /** cmH2O. */
  peep: number;
  /** %. */
  fio2: number;
  /** Inspiratory pressure, cmH2O absolute (pressure modes). */
  pinsp: number;
  /** Inspiratory time, s. */
  ti: number;
}

export interface Patient {
  /** mL/cmH2O. */
  compliance: number;
  /** cmH2O/(L/s). */
  resistance: number;
  /** Spontaneous breaths per minute (only CPAP relies on them). */
  spontaneousRate: number;
  /** Spontaneous tidal volume, mL. */
  spontaneousVt: number;
  /** Anatomical dead space, mL. */
  deadSpace: number;
  /** CO2 production, mL/min. */
  vco2: number;
  /** Shunt fraction without PEEP (0–1); PEEP recruits and lowers it. */
  shunt: number;
}

export interface AlarmLimits {
  /** Peak pressure above this: "Paw high" (cmH2O). */
  pawHigh: number;
  /** Minute volume below this: "MV low" (L/min). */
  mvLow: number;
  /** No exhaled breath for this long: apnea (s). */
  apneaS: number;
}

export interface Measured {
  ppeak: number;
  pplat: number;
  pmean: number;
  peep: number;
  /** Expired minute volume, L/min. */
  mv: number;
  vte: number;
  vti: number;
  /** Total breath rate, /min. */
  rr: number;
  /** mmHg. */
  etco2: number;
  /** %, a trend that follows oxygenation with a delay. */
  spo2: number;
  fio2: number;
  /** Inspiratory : expiratory time, as I/E (e.g. 0.5 for 1:2). */
  ie: number;
}

export interface AlarmState {
  pawHigh: boolean;
  mvLow: boolean;
  apnea: boolean;
  disconnection: boolean;
}

export interface CurvePoint {
  /** cmH2O. */
  paw: number;
  /** L/min, positive towards the patient. */
  flow: number;
  /** mL above end-expiratory volume. */
  volume: number;
  /** mmHg. */
  co2: number;
}

export const DEFAULT_SETTINGS: VentSettings = { mode: 'VC-CMV', vt: 500, rr: 15, peep: 5, fio2: 40, pinsp: 20, ti: 1.2 };
export const DEFAULT_PATIENT: Patient = {
  compliance: 45,
  resistance: 10,
  spontaneousRate: 0,
  spontaneousVt: 350,
  deadSpace: 150,
  vco2: 250,
  shunt: 0.25,
};
export const DEFAULT_LIMITS: AlarmLimits = { pawHigh: 40, mvLow: 3, apneaS: 15 };

const SPO2_TAU_S = 40;

/** Severinghaus' oxygen dissociation curve: PaO2 (mmHg) → SaO2 (%). */
function saturation(po2: number): number {
  const p = Math.max(1, po2);
  return 100 / (1 + 23_400 / (p * p * p + 150 * p));
}

export class VentilatedLung {
  disconnected = false;
  private spo2Trend: number | undefined;
  private sinceBreathS = 0;

  constructor(
    public settings: VentSettings = { ...DEFAULT_SETTINGS },
    public patient: Patient = { ...DEFAULT_PATIENT },
    public limits: AlarmLimits = { ...DEFAULT_LIMITS },
  ) {}

  /** Breaths per minute actually happening (mandatory, or the patient's own in CPAP). */
  private breathRate(): number {
    return this.settings.mode === 'CPAP' ? this.patient.spontaneousRate : Math.max(this.settings.rr, this.settings.mode === 'SIMV' ? this.patient.spontaneousRate : 0);
  }

  private tau(): number {
    return (this.patient.resistance * this.patient.compliance) / 1000;
  }

  /** The volume each breath delivers, and the pressures it takes (steady state). */
  private breath(): { vt: number; ppeak: number; pplat: number; pmeanInsp: number; ti: number } {
    const s = this.settings;
    const p = this.patient;
    if (s.mode === 'CPAP') {
      const vt = p.spontaneousVt;
      return { vt, ppeak: s.peep + 2, pplat: s.peep + 1, pmeanInsp: s.peep + 1, ti: Math.min(1.2, 30 / Math.max(1, p.spontaneousRate)) };
    }
    if (s.mode === 'PC-CMV') {
      const dp = Math.max(0, s.pinsp - s.peep);
      const vt = p.compliance * dp * (1 - Math.exp(-s.ti / this.tau()));
      return { vt, ppeak: s.pinsp, pplat: s.peep + vt / p.compliance, pmeanInsp: s.pinsp, ti: s.ti };
    }
    const flowLs = s.vt / 1000 / s.ti;
    const resistive = p.resistance * flowLs;
    return {
      vt: s.vt,
      ppeak: s.peep + s.vt / p.compliance + resistive,
      pplat: s.peep + s.vt / p.compliance,
      pmeanInsp: s.peep + resistive + s.vt / (2 * p.compliance),
      ti: s.ti,
    };
  }

  private paco2(alveolarLMin: number): number {
    return alveolarLMin > 0.2 ? Math.min(150, (0.863 * this.patient.vco2) / alveolarLMin) : 150;
  }

  private spo2Target(alveolarLMin: number): number {
    const s = this.settings;
    if (this.disconnected || alveolarLMin < 0.5) return 70;
    const pao2Alv = (s.fio2 / 100) * 713 - this.paco2(alveolarLMin) / 0.8;
    const shunt = Math.max(0.05, this.patient.shunt - 0.015 * s.peep);
    return saturation(pao2Alv * Math.exp(-3 * shunt));
  }

  measured(): Measured {
    const s = this.settings;
    const b = this.breath();
    const rate = this.breathRate();
    const period = rate > 0 ? 60 / rate : Infinity;
    const exhaled = this.disconnected ? 0 : b.vt;
    const alveolar = this.disconnected ? 0 : (Math.max(0, b.vt - this.patient.deadSpace) * rate) / 1000;
    const paco2 = this.paco2(alveolar);
    const ppeak = this.disconnected ? 1.5 : b.ppeak;
    const pmean = this.disconnected ? 1 : rate > 0 ? s.peep + (b.pmeanInsp - s.peep) * (b.ti / period) : s.peep;
    return {
      ppeak,
      pplat: this.disconnected ? 1 : b.pplat,
      pmean,
      peep: this.disconnected ? 0 : s.peep,
      mv: (exhaled * rate) / 1000,
      vte: exhaled,
      vti: b.vt,
      rr: rate,
      etco2: exhaled > 0 && rate > 0 ? Math.max(0, paco2 - 4) : 0,
      spo2: this.spo2Trend ?? this.spo2Target(alveolar),
      fio2: s.fio2,
      ie: rate > 0 ? b.ti / Math.max(0.1, period - b.ti) : 0,
    };
  }

  /** Time passes: SpO2 follows oxygenation, and the apnea timer runs while no breath is exhaled. */
  advance(dtS: number): void {
    const b = this.breath();
    const rate = this.breathRate();
    const alveolar = this.disconnected ? 0 : (Math.max(0, b.vt - this.patient.deadSpace) * rate) / 1000;
    const target = this.spo2Target(alveolar);
    this.spo2Trend = this.spo2Trend === undefined ? target : this.spo2Trend + (target - this.spo2Trend) * (1 - Math.exp(-dtS / SPO2_TAU_S));
    if (this.disconnected || rate <= 0) this.sinceBreathS += dtS;
    else this.sinceBreathS = 0;
  }

  alarms(): AlarmState {
    const m = this.measured();
    return {
      pawHigh: m.ppeak > this.limits.pawHigh,
      mvLow: m.mv < this.limits.mvLow,
      apnea: this.sinceBreathS >= this.limits.apneaS,
      disconnection: this.disconnected,
    };
  }

  /** Airway pressure, flow, volume and CO2 at time `tS` (any running clock; the breath cycle repeats). */
  curves(tS: number): CurvePoint {
    const s = this.settings;
    const rate = this.breathRate();
    if (rate <= 0) return { paw: s.peep, flow: 0, volume: 0, co2: 0 };
    const period = 60 / rate;
    const b = this.breath();
    const t = tS % period;
    const tau = this.tau();
    const etco2 = this.measured().etco2;
    if (this.disconnected) {
      const insp = t < b.ti;
      return { paw: insp ? 1.5 : 0.2, flow: insp ? (b.vt / 1000 / b.ti) * 60 : 0, volume: 0, co2: 0 };
    }
    if (t < b.ti) {
      if (s.mode === 'PC-CMV') {
        const dp = Math.max(0, s.pinsp - s.peep);
        const e = Math.exp(-t / tau);
        return { paw: s.pinsp, flow: (dp / this.patient.resistance) * e * 60, volume: this.patient.compliance * dp * (1 - e), co2: 0 };
      }
      if (s.mode === 'CPAP') {
        const phase = Math.sin((Math.PI * t) / b.ti);
        return { paw: s.peep + 1 - phase, flow: ((b.vt / 1000) * Math.PI) / (2 * b.ti) * phase * 60, volume: (b.vt * (1 - Math.cos((Math.PI * t) / b.ti))) / 2, co2: 0 };
      }
      const flowLs = b.vt / 1000 / b.ti;
      const volume = flowLs * t * 1000;
      return { paw: s.peep + volume / this.patient.compliance + this.patient.resistance * flowLs, flow: flowLs * 60, volume, co2: 0 };
    }
    const te = t - b.ti;
    const e = Math.exp(-te / tau);
    return {
      paw: s.peep,
      flow: -((b.vt / 1000) / tau) * e * 60,
      volume: b.vt * e,
      co2: etco2 * (1 - Math.exp(-te / 0.15)) * (0.9 + 0.1 * Math.min(1, te / Math.max(0.1, period - b.ti))),
    };
  }
}
