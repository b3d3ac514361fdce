// The monitor's side of PCD-01 and PCD-04, as message builders for the simulator and the fixture script: periodic
// ORU^R01 observations from a simulated patient, ORU^R40 alerts as alarms start and end. Three dialects: MDC codes
// and units (IHE), MDC codes with UCUM units (GE AwareGateway), Philips MDIL hex codes.
import type { SimAlarm, Vitals } from '../sdk/sim-patient.js';
import { formatDtm } from './hl7.js';

export const STYLES = ['mdc', 'ucum', 'mdil'] as const;
export type Style = (typeof STYLES)[number];

interface Obs {
  code: number;
  ref: string;
  value: number | string;
  unit: { code: number; ref: string; ucum: string; mdil: string };
  containment: string;
  mdilName: string;
}

const U = {
  bpm: { code: 264864, ref: 'MDC_DIM_BEAT_PER_MIN', ucum: '/min', mdil: 'bpm' },
  rpm: { code: 264928, ref: 'MDC_DIM_RESP_PER_MIN', ucum: '/min', mdil: 'rpm' },
  pct: { code: 262688, ref: 'MDC_DIM_PERCENT', ucum: '%', mdil: '%' },
  mmHg: { code: 266016, ref: 'MDC_DIM_MMHG', ucum: 'mm[Hg]', mdil: 'mmHg' },
  degC: { code: 268192, ref: 'MDC_DIM_DEGC', ucum: 'Cel', mdil: 'Cel' },
} as const;

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export interface MessageOptions {
  controlId: string;
  nowMs: number;
  style: Style;
  /** EUI-64 of the simulated monitor. */
  eui: string;
  /** Probability per value of a "no data" sentinel (−999) instead of the value. */
  sentinel?: number;
  random?: () => number;
}

function msh(o: MessageOptions, type: 'R01' | 'R40'): string {
  return `MSH|^~\\&|AMBULINK-SIM^${o.eui}^EUI-64|SIM|||${formatDtm(o.nowMs)}||ORU^${type}^ORU_${type}|${o.controlId}|P|2.6|||NE|AL|||||IHE PCD ORU-R01 2006^HL7^1.3.6.1.4.1.19376.1.6.1.1.1^ISO`;
}

function obsRow(n: number, obs: Obs, o: MessageOptions, ts: string): string {
  const id = o.style === 'mdil' ? `0002-${hex4(obs.code & 0xffff)}^${obs.mdilName}^MDIL` : `${obs.code}^${obs.ref}^MDC`;
  const unit =
    o.style === 'mdil'
      ? `0004-${hex4(obs.unit.code & 0xffff)}^${obs.unit.mdil}^MDIL`
      : o.style === 'ucum'
        ? `${obs.unit.ucum}^${obs.unit.ucum}^UCUM`
        : `${obs.unit.code}^${obs.unit.ref}^MDC`;
  const value = o.sentinel && (o.random ?? Math.random)() < o.sentinel ? '-999' : String(obs.value);
  return `OBX|${n}|NM|${id}|${obs.containment}|${value}|${unit}|||||R|||${ts}||||${o.eui}^EUI-64`;
}

/** A stretch of ECG lead II for a report: physical values (mV), the first sample at startMs. */
export interface EcgStrip {
  startMs: number;
  rate: number;
  mv: number[];
}

/**
 * The strip as the IHE PCD Waveform Content Module writes it: an NA row of samples and its sample-rate attribute row.
 * With no resolution or range attributes the samples are physical values in the row's unit. MDC-coded in every
 * dialect (wave rows are, in the senders we know).
 */
function ecgRows(n: number, strip: EcgStrip): string[] {
  const path = '1.1.3.1';
  return [
    `OBX|${n}|NA|131330^MDC_ECG_ELEC_POTL_II^MDC|${path}|${strip.mv.map((x) => x.toFixed(3)).join('^')}|266418^MDC_DIM_MILLI_VOLT^MDC|||||R|||${formatDtm(strip.startMs)}`,
    `OBX|${n + 1}|NM|0^MDC_ATTR_SAMP_RATE^MDC|${path}.1|${strip.rate}|264608^MDC_DIM_PER_SEC^MDC|||||R`,
  ];
}

/**
 * One PCD-01 observation report: a monitor MDS with ECG, SpO2, NIBP, arterial line, capnography and temperature, and
 * — when given — the ECG lead II strip since the last report.
 */
export function oruR01(v: Vitals, nibp: Vitals['nibp'], o: MessageOptions, ecg?: EcgStrip): string {
  const ts = formatDtm(o.nowMs);
  const obs: Obs[] = [
    { code: 147842, ref: 'MDC_ECG_HEART_RATE', value: v.hr, unit: U.bpm, containment: '1.1.1.1', mdilName: 'HR' },
    { code: 131844, ref: 'MDC_ECG_AMPL_ST_V2', value: v.st.v2.toFixed(2), unit: { code: 263442, ref: 'MDC_DIM_MILLI_M', ucum: 'mm', mdil: 'mm' }, containment: '1.1.1.2', mdilName: 'STV2' },
    { code: 150456, ref: 'MDC_PULS_OXIM_SAT_O2', value: v.spo2, unit: U.pct, containment: '1.2.1.1', mdilName: 'SpO2' },
    { code: 149530, ref: 'MDC_PULS_OXIM_PULS_RATE', value: v.pulseRate, unit: U.bpm, containment: '1.2.1.2', mdilName: 'Pulse' },
    { code: 150021, ref: 'MDC_PRESS_BLD_NONINV_SYS', value: nibp.sys, unit: U.mmHg, containment: '1.3.1.1', mdilName: 'NBPs' },
    { code: 150022, ref: 'MDC_PRESS_BLD_NONINV_DIA', value: nibp.dia, unit: U.mmHg, containment: '1.3.1.2', mdilName: 'NBPd' },
    { code: 150023, ref: 'MDC_PRESS_BLD_NONINV_MEAN', value: nibp.mean, unit: U.mmHg, containment: '1.3.1.3', mdilName: 'NBPm' },
    { code: 150033, ref: 'MDC_PRESS_BLD_ART_SYS', value: v.art.sys, unit: U.mmHg, containment: '1.4.1.1', mdilName: 'ABPs' },
    { code: 150034, ref: 'MDC_PRESS_BLD_ART_DIA', value: v.art.dia, unit: U.mmHg, containment: '1.4.1.2', mdilName: 'ABPd' },
    { code: 150035, ref: 'MDC_PRESS_BLD_ART_MEAN', value: v.art.mean, unit: U.mmHg, containment: '1.4.1.3', mdilName: 'ABPm' },
    { code: 151712, ref: 'MDC_CONC_AWAY_CO2_EXP', value: v.etco2.toFixed(1), unit: U.mmHg, containment: '1.5.1.1', mdilName: 'etCO2' },
    { code: 151562, ref: 'MDC_RESP_RATE', value: v.rr, unit: U.rpm, containment: '1.5.1.2', mdilName: 'RR' },
    { code: 150344, ref: 'MDC_TEMP', value: v.temp.toFixed(1), unit: U.degC, containment: '1.6.1.1', mdilName: 'Temp' },
  ];
  return [
    msh(o, 'R01'),
    'PID|||SIM0001^^^AMBULINK^PI||SIMULATED^PATIENT',
    'PV1||E',
    `OBR|1|${o.controlId}^AMBULINK-SIM^${o.eui}^EUI-64|${o.controlId}^AMBULINK-SIM^${o.eui}^EUI-64|182777000^monitoring of patient^SCT|||${ts}`,
    `OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||${o.eui}^EUI-64`,
    ...obs.map((ob, i) => obsRow(i + 2, ob, o, ts)),
    ...(ecg && ecg.mv.length > 0 ? ecgRows(obs.length + 2, ecg) : []),
  ].join('\r');
}

const ALERT_SOURCES: Readonly<Record<string, { event: string; source: string; unit: Obs['unit']; pick: (v: Vitals) => number }>> = {
  'SpO2 LOW': { event: '196652^MDC_EVT_LO_VAL_LT_LIM', source: '150456^MDC_PULS_OXIM_SAT_O2', unit: U.pct, pick: (v) => v.spo2 },
  'HR HIGH': { event: '196648^MDC_EVT_HI', source: '147842^MDC_ECG_HEART_RATE', unit: U.bpm, pick: (v) => v.hr },
  'ST V2-V4 ELEVATED': {
    event: '196648^MDC_EVT_HI',
    source: '131844^MDC_ECG_AMPL_ST_V2',
    unit: { code: 263442, ref: 'MDC_DIM_MILLI_M', ucum: 'mm', mdil: 'mm' },
    pick: (v) => Number(v.st.v2.toFixed(2)),
  },
  'NIBP SYS LOW': { event: '196652^MDC_EVT_LO_VAL_LT_LIM', source: '150021^MDC_PRESS_BLD_NONINV_SYS', unit: U.mmHg, pick: (v) => v.nibp.sys },
};

/** A PCD-04 alert in the IHE ACM shape: event row, the measurement, phase, state and type as attribute rows. */
export function oruR40(alarm: SimAlarm, phase: 'start' | 'end', v: Vitals, o: MessageOptions): string {
  const ts = formatDtm(o.nowMs);
  const src = ALERT_SOURCES[alarm.text] ?? ALERT_SOURCES['HR HIGH']!;
  const alertId = alarm.text.replace(/[^A-Za-z0-9]+/g, '-');
  const priority = { high: 'PH', medium: 'PM', low: 'PL' }[alarm.priority];
  const path = '1.1.1.1';
  return [
    msh(o, 'R40'),
    'PID|||SIM0001^^^AMBULINK^PI||SIMULATED^PATIENT',
    `OBR|1|${alertId}^AMBULINK-SIM|${alertId}^AMBULINK-SIM|196616^MDC_EVT_ALARM^MDC|||${ts}`,
    `OBX|1|ST|${src.event}^MDC|${path}.1|${alarm.text}|||${priority}|||F|||${ts}`,
    `OBX|2|NM|${src.source}^MDC|${path}.2|${src.pick(v)}|${src.unit.code}^${src.unit.ref}^MDC|||||F|||${ts}`,
    `OBX|3|ST|^MDC_ATTR_EVENT_PHASE^MDC|${path}.3|${phase}||||||F`,
    `OBX|4|ST|^MDC_ATTR_ALARM_STATE^MDC|${path}.4|${phase === 'end' ? 'inactive' : 'active'}||||||F`,
    `OBX|5|ST|^MDC_ATTR_ALERT_TYPE^MDC|${path}.5|SP||||||F`,
  ].join('\r');
}
