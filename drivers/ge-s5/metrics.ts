// From S/5 parameter fields to canonical terms: MDC metric, UCUM unit, and the factor from the int16 on the wire to
// that unit. Built once at load (an unknown code throws there). Fields absent from these tables are not emitted.
import { mdcTerm, mdcUnit, ucumUnit, type MdcTerm, type Unit } from '../../src/schema/index.js';
import type { GroupKind } from './phdb.js';

export interface FieldMetric {
  readonly metric: MdcTerm;
  readonly unit: Unit;
  /** Physical value = wire int16 × factor. */
  readonly factor: number;
  /** Human label; the group name is prefixed for repeated groups (p1…p6, t1…t4). */
  readonly label: string;
}

const BPM = mdcUnit('MDC_DIM_BEAT_PER_MIN');
const RPM = mdcUnit('MDC_DIM_RESP_PER_MIN');
const MMHG = mdcUnit('MDC_DIM_MMHG');
const PCT = mdcUnit('MDC_DIM_PERCENT');
const DEGC = mdcUnit('MDC_DIM_DEGC');
const CMH2O = mdcUnit('MDC_DIM_CM_H2O');
const ML = mdcUnit('MDC_DIM_MILLI_L');
const LPM = mdcUnit('MDC_DIM_L_PER_MIN');
const MLPM = mdcUnit('MDC_DIM_MILLI_L_PER_MIN');
const MM = mdcUnit('MDC_DIM_MILLI_M');
const DIMLESS = mdcUnit('MDC_DIM_DIMLESS');
const COMPLIANCE = ucumUnit('mL/cm[H2O]');
const RESISTANCE = ucumUnit('cm[H2O].s/L');

const m = (ref: string, unit: Unit, factor: number, label: string): FieldMetric => ({ metric: mdcTerm(ref), unit, factor, label });

/** Fields whose metric does not depend on the group label, keyed "kind.field". */
export const FIELD_METRICS: Readonly<Record<string, FieldMetric>> = {
  'ecg.hr': m('MDC_ECG_HEART_RATE', BPM, 1, 'HR'),
  'ecg.st1': m('MDC_ECG_AMPL_ST', MM, 0.01, 'ST1'),
  'ecg.st2': m('MDC_ECG_AMPL_ST', MM, 0.01, 'ST2'),
  'ecg.st3': m('MDC_ECG_AMPL_ST', MM, 0.01, 'ST3'),
  'ecg.imp_rr': m('MDC_RESP_RATE', RPM, 1, 'RR (impedance)'),
  'press.hr': m('MDC_BLD_PULS_RATE_INV', BPM, 1, 'pulse rate'),
  'nibp.sys': m('MDC_PRESS_BLD_NONINV_SYS', MMHG, 0.01, 'NIBP sys'),
  'nibp.dia': m('MDC_PRESS_BLD_NONINV_DIA', MMHG, 0.01, 'NIBP dia'),
  'nibp.mean': m('MDC_PRESS_BLD_NONINV_MEAN', MMHG, 0.01, 'NIBP mean'),
  'nibp.hr': m('MDC_PULS_RATE_NON_INV', BPM, 1, 'NIBP pulse rate'),
  'temp.temp': m('MDC_TEMP', DEGC, 0.01, 'temperature'),
  'spo2.spo2': m('MDC_PULS_OXIM_SAT_O2', PCT, 0.01, 'SpO2'),
  'spo2.pr': m('MDC_PULS_OXIM_PULS_RATE', BPM, 1, 'pulse rate (SpO2)'),
  'spo2.ir_amp': m('MDC_PULS_OXIM_PERF_REL', PCT, 0.01, 'pleth modulation'),
  'spo2.svo2': m('MDC_SAT_O2_VEN', PCT, 0.01, 'SvO2'),
  'co2.rr': m('MDC_CO2_RESP_RATE', RPM, 1, 'RR (CO2)'),
  'o2.et': m('MDC_CONC_AWAY_O2_ET', PCT, 0.01, 'EtO2'),
  'o2.fi': m('MDC_CONC_AWAY_O2_INSP', PCT, 0.01, 'FiO2'),
  'n2o.et': m('MDC_CONC_AWAY_N2O_ET', PCT, 0.01, 'EtN2O'),
  'n2o.fi': m('MDC_CONC_AWAY_N2O_INSP', PCT, 0.01, 'FiN2O'),
  'flowVol.rr': m('MDC_AWAY_RESP_RATE', RPM, 1, 'RR (spirometry)'),
  'flowVol.ppeak': m('MDC_PRESS_AWAY_INSP_MAX', CMH2O, 0.01, 'Ppeak'),
  'flowVol.peep': m('MDC_VENT_PRESS_AWAY_END_EXP_POS', CMH2O, 0.01, 'PEEP'),
  'flowVol.pplat': m('MDC_PRESS_RESP_PLAT', CMH2O, 0.01, 'Pplat'),
  'flowVol.tv_exp': m('MDC_VOL_AWAY_TIDAL', ML, 0.1, 'TVexp'),
  'flowVol.compliance': m('MDC_COMPL_LUNG_DYN', COMPLIANCE, 0.01, 'compliance'),
  'flowVol.mv_exp': m('MDC_VOL_MINUTE_AWAY_EXP', LPM, 0.01, 'MVexp'),
  // Cardiac output arrives in mL/min and is reported in L/min.
  'coWedge.co': m('MDC_OUTPUT_CARD', LPM, 0.001, 'cardiac output'),
  'coWedge.blood_temp': m('MDC_TEMP', DEGC, 0.01, 'blood temperature'),
  'coWedge.pcwp': m('MDC_PRESS_BLD_ART_PULM_WEDGE', MMHG, 0.01, 'PCWP'),
  'svo2.svo2': m('MDC_SAT_O2_VEN', PCT, 0.01, 'SvO2'),
  'arrhEcg.pvc': m('MDC_ECG_V_P_C_CNT', BPM, 1, 'PVC'),
  'ecg12.st_i': m('MDC_ECG_AMPL_ST_I', MM, 0.01, 'ST I'),
  'ecg12.st_ii': m('MDC_ECG_AMPL_ST_II', MM, 0.01, 'ST II'),
  'ecg12.st_iii': m('MDC_ECG_AMPL_ST_III', MM, 0.01, 'ST III'),
  'ecg12.st_avl': m('MDC_ECG_AMPL_ST_AVL', MM, 0.01, 'ST aVL'),
  'ecg12.st_avr': m('MDC_ECG_AMPL_ST_AVR', MM, 0.01, 'ST aVR'),
  'ecg12.st_avf': m('MDC_ECG_AMPL_ST_AVF', MM, 0.01, 'ST aVF'),
  'ecg12.st_v1': m('MDC_ECG_AMPL_ST_V1', MM, 0.01, 'ST V1'),
  'ecg12.st_v2': m('MDC_ECG_AMPL_ST_V2', MM, 0.01, 'ST V2'),
  'ecg12.st_v3': m('MDC_ECG_AMPL_ST_V3', MM, 0.01, 'ST V3'),
  'ecg12.st_v4': m('MDC_ECG_AMPL_ST_V4', MM, 0.01, 'ST V4'),
  'ecg12.st_v5': m('MDC_ECG_AMPL_ST_V5', MM, 0.01, 'ST V5'),
  'ecg12.st_v6': m('MDC_ECG_AMPL_ST_V6', MM, 0.01, 'ST V6'),
  'gasEx.vo2': m('MDC_SAT_O2_CONSUMP', MLPM, 1, 'VO2'),
  'gasEx.vco2': m('MDC_FLOW_CO2_PROD_RESP', MLPM, 1, 'VCO2'),
  'flowVol2.ipeep': m('MDC_PRESS_AWAY_END_EXP_POS_INTRINSIC', CMH2O, 0.01, 'PEEPi'),
  'flowVol2.pmean': m('MDC_PRESS_AWAY_INSP_MEAN', CMH2O, 0.01, 'Pmean'),
  'flowVol2.raw': m('MDC_RES_AWAY', RESISTANCE, 0.01, 'Raw'),
  'flowVol2.mv_insp': m('MDC_VOL_MINUTE_AWAY_INSP', LPM, 0.01, 'MVinsp'),
  'flowVol2.ie_ratio': m('MDC_RATIO_IE', DIMLESS, 0.01, 'I:E'),
  'flowVol2.static_compliance': m('MDC_COMPL_LUNG_STATIC', COMPLIANCE, 0.01, 'static compliance'),
};

/** CO2 et/fi: % on the wire, reported in mmHg with the monitor's own ambient pressure (GE's rule), else in %. */
export const CO2 = {
  et: { metric: mdcTerm('MDC_CONC_AWAY_CO2_EXP'), label: 'EtCO2' },
  fi: { metric: mdcTerm('MDC_CONC_AWAY_CO2_INSP'), label: 'FiCO2' },
  mmHg: MMHG,
  percent: PCT,
} as const;

/** Anaesthetic agent et/fi: one generic term, the agent named in the label. */
export const AGENT = {
  et: mdcTerm('MDC_CONC_AWAY_AGENT_ET'),
  fi: mdcTerm('MDC_CONC_AWAY_AGENT_INSP'),
  unit: PCT,
} as const;

interface SiteTerms {
  sys: MdcTerm;
  dia: MdcTerm;
  mean: MdcTerm;
  wave: MdcTerm;
}

const site = (base: string): SiteTerms => ({
  sys: mdcTerm(`${base}_SYS`),
  dia: mdcTerm(`${base}_DIA`),
  mean: mdcTerm(`${base}_MEAN`),
  wave: mdcTerm(base),
});

const GENERIC_PRESSURE = site('MDC_PRESS_BLD');
const PRESSURE_BY_SITE: Readonly<Record<string, SiteTerms>> = {
  ART: site('MDC_PRESS_BLD_ART'),
  ABP: site('MDC_PRESS_BLD_ART_ABP'),
  PA: site('MDC_PRESS_BLD_ART_PULM'),
  CVP: site('MDC_PRESS_BLD_VEN_CENT'),
  RAP: site('MDC_PRESS_BLD_ATR_RIGHT'),
  LAP: site('MDC_PRESS_BLD_ATR_LEFT'),
  ICP: site('MDC_PRESS_INTRA_CRAN'),
};

/** The terms of an invasive-pressure channel by its site label; an unknown site (or RVP) is a generic blood pressure. */
export function pressureTerms(siteName: string | undefined): SiteTerms {
  return (siteName && PRESSURE_BY_SITE[siteName]) || GENERIC_PRESSURE;
}

export const PRESSURE_UNIT = MMHG;

export type { GroupKind };
