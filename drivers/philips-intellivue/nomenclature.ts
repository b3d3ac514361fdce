// Numbers of the Philips IntelliVue Data Export protocol (MP/MX monitors): message types, commands, object classes,
// attribute ids and bit fields. Facts from the protocol reference (shared protocols.md §3); every multi-byte field on
// the wire is big-endian.

/** Session-layer SPDU types: the first byte of every association message. Data Export messages start with 0xE1. */
export const SPDU = {
  CN: 0x0d, // association request (connect)
  AC: 0x0e, // association accept
  RF: 0x0c, // association refuse
  FN: 0x09, // release request (finish)
  DN: 0x0a, // release response (disconnect)
  AB: 0x19, // abort
} as const;

/** First byte of a Data Export PDU (SPpdu.session_id = 0xE100, p_context_id = 2). */
export const DATA_EXPORT = 0xe1;

/** ROapdus.ro_type */
export const RO = { INVOKE: 1, RESULT: 2, ERROR: 3, LINKED_RESULT: 5 } as const;

/** RORLSapdu.state: a reply split over several messages. */
export const LINKED = { FIRST: 1, MIDDLE: 2, LAST: 3 } as const;

/** ROIV/RORS command_type */
export const CMD = {
  EVENT_REPORT: 0,
  CONFIRMED_EVENT_REPORT: 1,
  GET: 3,
  SET: 4,
  CONFIRMED_SET: 5,
  CONFIRMED_ACTION: 7,
} as const;

/** Managed object classes (partition OBJ = 1). */
export const MOC = {
  NUMERIC: 0x0006, // NOM_MOC_VMO_METRIC_NU
  WAVE: 0x0009, // NOM_MOC_VMO_METRIC_SA_RT (real-time sample arrays)
  MDS: 0x0021, // NOM_MOC_VMS_MDS
  PATIENT: 0x002a, // NOM_MOC_PT_DEMOG
  ALERT_MONITOR: 0x0036, // NOM_MOC_VMO_AL_MON
} as const;

export const PARTITION = { OBJ: 1, SCADA: 2, EVT: 3, DIM: 4 } as const;

export const ACTION = {
  POLL: 0x0c16, // NOM_ACT_POLL_MDIB_DATA
  POLL_EXT: 0xf13b, // NOM_ACT_POLL_MDIB_DATA_EXT
} as const;

export const EVENT = { MDS_CREATE: 0x0d06 } as const; // NOM_NOTI_MDS_CREAT

/** Device type of a multi-parameter patient monitor (NOM_DEV_MON_PHYSIO_MULTI_PARAM_MDS), as the MDS reports it. */
export const DEV_MON_PHYSIO_MULTI_PARAM_MDS = 0x114d;

export const ATTR = {
  AL_MON_P_AL_LIST: 0x0902,
  AL_MON_T_AL_LIST: 0x0904,
  DEV_AL_COND: 0x0916,
  ID_BED_LABEL: 0x091e,
  ID_LABEL_STRING: 0x0927,
  ID_MODEL: 0x0928,
  ID_PROD_SPECN: 0x092d,
  MODE_OP: 0x0946,
  NU_CMPD_VAL_OBS: 0x094b,
  NU_VAL_OBS: 0x0950,
  PT_BSA: 0x0956,
  PT_DEMOG_ST: 0x0957,
  PT_DOB: 0x0958,
  PT_ID: 0x095a,
  PT_NAME_FAMILY: 0x095c,
  PT_NAME_GIVEN: 0x095d,
  PT_SEX: 0x0961,
  PT_TYPE: 0x0962,
  SA_CALIB_I16: 0x0964,
  SA_CMPD_VAL_OBS: 0x0967,
  SA_SPECN: 0x096d,
  SA_VAL_OBS: 0x096e,
  SCALE_SPECN_I16: 0x096f,
  SYS_ID: 0x0984,
  SYS_TYPE: 0x0986,
  TIME_ABS: 0x0987,
  TIME_PD_SAMP: 0x098d,
  TIME_REL: 0x098f,
  /** Not used: the monitor's local time, without a zone (see device-clock.ts). */
  TIME_STAMP_ABS: 0x0990,
  TIME_STAMP_REL: 0x0991,
  UNIT_CODE: 0x0996,
  VMS_MDS_STAT: 0x09a7,
  PT_AGE: 0x09d8,
  PT_HEIGHT: 0x09dc,
  PT_WEIGHT: 0x09df,
  PT_PACED_MODE: 0x0a1e,
  /** Poll profile extension in the association's user info. */
  POLL_PROFILE_EXT: 0xf001,
  /** Extended poll: how long the monitor keeps sending updates (RelativeTime). */
  TIME_PD_POLL: 0xf13e,
  /** The waves the client wants in real-time sample array polls (a SET, the one routine write in Data Export). */
  POLL_RTSA_PRIO_LIST: 0xf23a,
} as const;

/** Attribute group "all attributes" in a poll request. */
export const ALL_ATTRIBUTE_GROUPS = 0;

/** MeasurementState bits of a numeric or a sample array. */
export const MSMT = {
  INVALID: 0x8000,
  QUESTIONABLE: 0x4000,
  UNAVAILABLE: 0x2000,
  CALIBRATION_ONGOING: 0x1000,
  TEST_DATA: 0x0800,
  DEMO_DATA: 0x0400,
  VALIDATED: 0x0080,
  EARLY_INDICATION: 0x0040,
  MSMT_ONGOING: 0x0020,
  IN_ALARM: 0x0002,
  ALARM_INHIBITED: 0x0001,
} as const;

/** Alert types of an alarm list entry: priority × physiological (high byte) or technical (low byte). */
export const ALERT_TYPE = {
  NONE: 0,
  LOW_T: 0x0001,
  MED_T: 0x0002,
  HI_T: 0x0004,
  LOW_P: 0x0100,
  MED_P: 0x0200,
  HI_P: 0x0400,
} as const;

/** Alert state bits of an alarm list entry. */
export const ALERT_STATE = {
  INHIBITED: 0x8000,
  SUSPENDED: 0x4000,
  LATCHED: 0x2000,
  SILENCED_RESET: 0x1000,
  DEV_IN_TEST_MODE: 0x0400,
  DEV_IN_STANDBY: 0x0200,
  DEV_IN_DEMO_MODE: 0x0100,
  NEW_ALERT: 0x0008,
} as const;

/** The additional information that follows an alarm list entry. */
export const ALERT_INFO = { GENERAL: 0x0201, STRING: 0x0204 } as const;

/** SaSpec.flags: the non-significant bits of each sample must be masked. */
export const SA_EXT_VAL_RANGE = 0x1000;

/** ProductionSpec entry types and the component that is the monitor itself. */
export const PROD_SPEC = { SERIAL_NUMBER: 1, PART_NUMBER: 2, HW_REVISION: 3, SW_REVISION: 4, FW_REVISION: 5 } as const;
export const COMPONENT_PRODUCT = 0x0008;

/** Operating mode (NOM_ATTR_MODE_OP). */
export const MODE_OP = { MONITORING: 0x4000, DEMO: 0x2000, SERVICE: 0x1000 } as const;

/** MDS status (NOM_ATTR_VMS_MDS_STAT). */
export const MDS_STATUS = { DISCONNECTED: 0, UNASSOCIATED: 1, OPERATING: 6 } as const;

/** Patient demographics enumerations. */
export const PATIENT_SEX: Readonly<Record<number, string>> = { 0: 'unknown', 1: 'male', 2: 'female', 9: 'unspecified' };
export const PATIENT_TYPE: Readonly<Record<number, string>> = { 0: 'unspecified', 1: 'adult', 2: 'pediatric', 3: 'neonatal' };
export const PATIENT_STATE: Readonly<Record<number, string>> = { 0: 'empty', 1: 'pre-admitted', 2: 'admitted', 8: 'discharged' };

/** Poll profile options announced in the association request. */
export const POLL_PROFILE = {
  REVISION: 0x80000000, // POLL_PROFILE_REV_0
  OPTIONS: 0x60000000, // P_OPT_DYN_CREATE_OBJECTS | P_OPT_DYN_DELETE_OBJECTS
  EXT_PERIOD_NU_1SEC: 0x80000000,
  EXT_PERIOD_RTSA: 0x08000000,
  EXT_ENUM: 0x04000000,
} as const;

export const MDSE_USER_INFO = {
  PROTOCOL_VERSION: 0x80000000, // MDDL_VERSION1
  NOMENCLATURE_VERSION: 0x40000000, // NOMEN_VERSION
  SYSTEM_TYPE_CLIENT: 0x80000000, // SYST_CLIENT
  SYSTEM_TYPE_SERVER: 0x00800000, // SYST_SERVER
  STARTUP_COLD: 0x20000000, // COLD_START
  /** Attribute id of the poll profile in the supported-profiles list. */
  POLL_PROFILE_SUPPORT: 0x0001,
} as const;

/** RelativeTime: one tick is 1/8 ms (125 µs). */
export const TICKS_PER_MS = 8;

/**
 * The waves a client can ask for, by name, with the label (TextId: partition SCADA << 16 | physio id) that goes into
 * the RTSA priority list, the physio id the samples come with, and the unit used when the monitor does not say.
 */
export const WAVES = {
  'ecg-i': { label: 0x00020101, physio: 0x0101, unit: 0x10b2 },
  'ecg-ii': { label: 0x00020102, physio: 0x0102, unit: 0x10b2 },
  'ecg-iii': { label: 0x0002013d, physio: 0x013d, unit: 0x10b2 },
  pleth: { label: 0x00024bb4, physio: 0x4bb4, unit: 0x0200 },
  abp: { label: 0x00024a14, physio: 0x4a14, unit: 0x0f20 },
  art: { label: 0x00024a10, physio: 0x4a10, unit: 0x0f20 },
  cvp: { label: 0x00024a44, physio: 0x4a44, unit: 0x0f20 },
  co2: { label: 0x000250ac, physio: 0x50ac, unit: 0x0f20 },
  resp: { label: 0x00025000, physio: 0x5000, unit: 0x0200 },
  awp: { label: 0x000250f0, physio: 0x50f0, unit: 0x0f40 },
  flow: { label: 0x000250d4, physio: 0x50d4, unit: 0x0c00 },
} as const;
export type WaveName = keyof typeof WAVES;
export const WAVE_NAMES = Object.keys(WAVES) as WaveName[];

/** Unit of a wave whose observation carries no NOM_ATTR_UNIT_CODE, by physio id. */
export const DEFAULT_WAVE_UNIT: ReadonlyMap<number, number> = new Map(Object.values(WAVES).map((w) => [w.physio, w.unit]));
