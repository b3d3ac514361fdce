// Codes of the scores, so that the hospital can route a score or an alert without parsing our names.
//
// NEWS2: SNOMED CT UK Edition observable entities (the RCP's NEWS2 concepts), as used by the NHS England FHIR NEWS2
// guidance and the UK Core EarlyWarningTotalScore / EarlyWarningSubScore value sets. The UK extension (namespace
// 1000000) is not in the International Edition: a hospital outside the UK may not have these codes loaded.
// We found no SNOMED CT concept we could confirm for the NEWS2 clinical-risk bands (one FHIR guide lists
// 50601000000100 / 50602000000101 / 50604000000104 for low / medium / high risk, and nothing for low–medium); unverified,
// so not used: the band travels as our own field.
// qSOFA: LOINC 96791-9 "Quick SOFA score". We did not find a SNOMED CT concept for it.
// Shock index: no code found in SNOMED CT or LOINC that we could confirm; the record carries none.
import type { Coding } from '../schema/index.js';
import type { News2Parameter } from './news2.js';

const SCT = 'http://snomed.info/sct';

const sct = (code: string, display: string): Coding => ({ system: SCT, code, display });

export const NEWS2_TOTAL = sct('1104051000000101', 'Royal College of Physicians NEWS2 (National Early Warning Score 2) total score');

const rcp = (what: string) => `Royal College of Physicians NEWS2 (National Early Warning Score 2) - ${what} score`;

/** Sub-score codes; SpO2 has one per scale. */
export const NEWS2_SUBSCORE: Readonly<Record<Exclude<News2Parameter, 'spo2'>, Coding>> & { spo2: Readonly<Record<1 | 2, Coding>> } = {
  respirationRate: sct('1104301000000104', rcp('respiration rate')),
  spo2: { 1: sct('1104311000000102', rcp('oxygen saturation scale 1')), 2: sct('1104321000000108', rcp('oxygen saturation scale 2')) },
  airOrOxygen: sct('1104331000000105', rcp('air or oxygen')),
  systolic: sct('1104341000000101', rcp('systolic blood pressure')),
  pulse: sct('1104351000000103', rcp('pulse')),
  consciousness: sct('1104361000000100', rcp('consciousness')),
  temperature: sct('1104371000000107', rcp('temperature')),
};

export const QSOFA_TOTAL: Coding = { system: 'http://loinc.org', code: '96791-9', display: 'Quick SOFA score' };
