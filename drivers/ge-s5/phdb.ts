// The displayed-values ("physiological database") subrecord: uint32 Unix time, a 270-byte class block, uint8 marker,
// uint8 reserved, uint16 cl_drilvl_subt whose bits 8–11 name the class (0 basic, 1 ext1, 2 ext2, 3 ext3). The class
// is read from that word, never from the subrecord's position (a monitor sends only the classes it was asked for).
//
// Each class block is a row of parameter groups; a group starts with uint32 status (bit 0: the module exists) and
// uint16 label (e.g. the invasive-pressure site or the anaesthetic agent), followed by int16 values. The layout below
// is data, read by the decoder and written by the simulator. Offsets are within the 270-byte block; they were checked
// against a real AS/3 capture (fixtures/ge-s5/AS3Rawoutput1.raw) for every group that capture fills in.

export const PHDB_SUBRECORD_LEN = 278;
export const CLASS_BLOCK_LEN = 270;
/** Offset of the class block within the subrecord (after the uint32 time). */
export const BLOCK_OFFSET = 4;
/** Offset of cl_drilvl_subt within the subrecord. */
export const CLASS_WORD_OFFSET = 276;

export type PhdbClass = 'basic' | 'ext1' | 'ext2' | 'ext3';
export const CLASS_BY_ID: readonly PhdbClass[] = ['basic', 'ext1', 'ext2', 'ext3'];

/** Values at or below this are flags, never numbers. */
export const FLAG_LIMIT = -32001;
export const FLAGS: Readonly<Record<number, string>> = {
  [-32767]: 'DATA_INVALID',
  [-32766]: 'NOT_UPDATED',
  [-32765]: 'DISCONTINUITY',
  [-32764]: 'UNDER_RANGE',
  [-32763]: 'OVER_RANGE',
  [-32762]: 'NOT_CALIBRATED',
};
export const NOT_UPDATED = -32766;
export const DATA_INVALID = -32767;

/** How a group's values become records. `kind` selects the mapping in the decoder (metric may depend on the label). */
export type GroupKind =
  | 'ecg'
  | 'press'
  | 'nibp'
  | 'temp'
  | 'spo2'
  | 'co2'
  | 'o2'
  | 'n2o'
  | 'aa'
  | 'flowVol'
  | 'coWedge'
  | 'svo2'
  | 'arrhEcg'
  | 'ecg12'
  | 'gasEx'
  | 'flowVol2';

export interface GroupLayout {
  /** Name used in labels and vendor codes, e.g. "p1", "nibp". */
  readonly name: string;
  readonly kind: GroupKind;
  /** Offset of the group header in the class block. */
  readonly offset: number;
  /** Value names in wire order; value i is the int16 at offset + 6 + 2·i. */
  readonly fields: readonly string[];
}

const press = (name: string, offset: number): GroupLayout => ({ name, kind: 'press', offset, fields: ['sys', 'dia', 'mean', 'hr'] });
const temp = (name: string, offset: number): GroupLayout => ({ name, kind: 'temp', offset, fields: ['temp'] });

/**
 * Basic class. Not decoded into records: nmt (neuromuscular transmission, anaesthesia only, no standard MDC terms),
 * ecg_extra (a second copy of the ECG heart rate with its min/max) and the two reserved bytes.
 */
export const BASIC: readonly GroupLayout[] = [
  { name: 'ecg', kind: 'ecg', offset: 0, fields: ['hr', 'st1', 'st2', 'st3', 'imp_rr'] },
  press('p1', 16),
  press('p2', 30),
  press('p3', 44),
  press('p4', 58),
  { name: 'nibp', kind: 'nibp', offset: 72, fields: ['sys', 'dia', 'mean', 'hr'] },
  temp('t1', 86),
  temp('t2', 94),
  temp('t3', 102),
  temp('t4', 110),
  { name: 'spo2', kind: 'spo2', offset: 118, fields: ['spo2', 'pr', 'ir_amp', 'svo2'] },
  { name: 'co2', kind: 'co2', offset: 132, fields: ['et', 'fi', 'rr', 'amb_press'] },
  { name: 'o2', kind: 'o2', offset: 146, fields: ['et', 'fi'] },
  { name: 'n2o', kind: 'n2o', offset: 156, fields: ['et', 'fi'] },
  { name: 'aa', kind: 'aa', offset: 166, fields: ['et', 'fi', 'mac_sum'] },
  {
    name: 'flow_vol',
    kind: 'flowVol',
    offset: 178,
    fields: ['rr', 'ppeak', 'peep', 'pplat', 'tv_insp', 'tv_exp', 'compliance', 'mv_exp'],
  },
  { name: 'co_wedge', kind: 'coWedge', offset: 200, fields: ['co', 'blood_temp', 'rightef', 'pcwp'] },
  // nmt at 214 (12 bytes), ecg_extra at 226 (6 bytes, no header)
  { name: 'svo2', kind: 'svo2', offset: 232, fields: ['svo2'] },
  press('p5', 240),
  press('p6', 254),
];

/** Ext1: arrhythmia ECG (48 bytes: header, hr, rr_time, pvc, uint32 reserved, 16 reserved int16) and 12-lead ST. */
export const EXT1: readonly GroupLayout[] = [
  { name: 'arrh_ecg', kind: 'arrhEcg', offset: 0, fields: ['hr', 'rr_time', 'pvc'] },
  {
    name: 'ecg12',
    kind: 'ecg12',
    offset: 48,
    fields: ['st_i', 'st_ii', 'st_iii', 'st_avl', 'st_avr', 'st_avf', 'st_v1', 'st_v2', 'st_v3', 'st_v4', 'st_v5', 'st_v6'],
  },
];

/**
 * Ext3, the ventilation-relevant part: gas exchange and the second flow/volume group (46 bytes: 13 values and seven
 * reserved int16). Balance gas, tonometry and the rest of the class are not decoded.
 */
export const EXT3: readonly GroupLayout[] = [
  { name: 'gas_ex', kind: 'gasEx', offset: 0, fields: ['vo2', 'vco2', 'ee', 'rq'] },
  {
    name: 'flow_vol2',
    kind: 'flowVol2',
    offset: 14,
    fields: [
      'ipeep',
      'pmean',
      'raw',
      'mv_insp',
      'epeep',
      'mv_spont',
      'ie_ratio',
      'insp_time',
      'exp_time',
      'static_compliance',
      'static_pplat',
      'static_peepe',
      'static_peepi',
    ],
  },
];

/** Ext2 (EEG, BIS, entropy, NMT2) is requested when configured but carries nothing an ambulance gateway maps yet. */
export const LAYOUTS: Readonly<Record<PhdbClass, readonly GroupLayout[]>> = { basic: BASIC, ext1: EXT1, ext2: [], ext3: EXT3 };

/** Invasive-pressure site labels (group label of p1–p6). */
export const PRESSURE_SITES: Readonly<Record<number, string>> = {
  1: 'ART',
  2: 'CVP',
  3: 'PA',
  4: 'RAP',
  5: 'RVP',
  6: 'LAP',
  7: 'ICP',
  8: 'ABP',
};

/** Anaesthetic agent (label of the aa group). */
export const AGENTS: Readonly<Record<number, string>> = { 1: 'none', 2: 'HAL', 3: 'ENF', 4: 'ISO', 5: 'DES', 6: 'SEV' };

export function classOf(word: number): PhdbClass | undefined {
  return CLASS_BY_ID[(word >> 8) & 0x0f];
}

/** Group status bit 0: the module is plugged in. Groups of absent modules yield no records at all. */
export const STATUS_EXISTS = 0x1;
