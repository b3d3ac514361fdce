// Readers of the attribute values that are not on the per-sample hot path: the MDS's identity, alarm lists and
// patient demographics. Each takes the value's bytes [o, end) and checks every length against them.
import type { DeviceIdentity } from '../../src/schema/index.js';
import { decodeFloat } from './float-type.js';
import {
  ALERT_INFO,
  ATTR,
  COMPONENT_PRODUCT,
  MODE_OP,
  PATIENT_SEX,
  PATIENT_STATE,
  PATIENT_TYPE,
  PROD_SPEC,
} from './nomenclature.js';
import { WireError, isoDate, need, readAbsoluteTime, readLabel, readString } from './wire.js';

/** Calls `fn(id, valueStart, valueEnd)` for each AVA of the AttributeList at `o`; returns the list's end. */
export function eachAttribute(b: Buffer, o: number, end: number, fn: (id: number, v: number, vEnd: number) => void): number {
  need(o, 4, end, 'AttributeList');
  const count = b.readUInt16BE(o);
  const listEnd = o + 4 + b.readUInt16BE(o + 2);
  if (listEnd > end) throw new WireError('AttributeList longer than its message');
  let p = o + 4;
  for (let i = 0; i < count; i++) {
    need(p, 4, listEnd, 'AVA');
    const id = b.readUInt16BE(p);
    const v = p + 4;
    p = v + b.readUInt16BE(p + 2);
    if (p > listEnd) throw new WireError(`attribute 0x${id.toString(16)} longer than its list`);
    fn(id, v, p);
  }
  return listEnd;
}

export interface MdsDescription {
  identity: DeviceIdentity;
  bedLabel?: string;
  /** The monitor runs in demo mode: everything it sends is simulated. */
  demoMode: boolean;
}

/** What the MDS Create event's attribute list (at `o`) says about the monitor. */
export function readMdsAttributes(b: Buffer, o: number, end: number, protocol: string): MdsDescription {
  const identity: DeviceIdentity = { protocol };
  const out: MdsDescription = { identity, demoMode: false };
  let serial: string | undefined;
  let software: string | undefined;
  eachAttribute(b, o, end, (id, v, vEnd) => {
    switch (id) {
      case ATTR.ID_MODEL: {
        identity.manufacturer = readLabel(b, v, vEnd);
        identity.model = readLabel(b, v + 2 + b.readUInt16BE(v), vEnd);
        break;
      }
      case ATTR.ID_PROD_SPECN: {
        need(v, 4, vEnd, 'ProductionSpec');
        const count = b.readUInt16BE(v);
        let p = v + 4;
        for (let i = 0; i < count; i++) {
          need(p, 6, vEnd, 'ProdSpecEntry');
          const type = b.readUInt16BE(p);
          const component = b.readUInt16BE(p + 2);
          const text = readLabel(b, p + 4, vEnd);
          p += 6 + b.readUInt16BE(p + 4);
          const product = component === COMPONENT_PRODUCT;
          if (type === PROD_SPEC.SERIAL_NUMBER && (product || serial === undefined)) serial = text;
          if (type === PROD_SPEC.SW_REVISION && (product || software === undefined)) software = text;
        }
        break;
      }
      case ATTR.ID_BED_LABEL:
        out.bedLabel = readString(b, v, vEnd);
        break;
      case ATTR.MODE_OP:
        need(v, 2, vEnd, 'OperatingMode');
        out.demoMode = (b.readUInt16BE(v) & MODE_OP.DEMO) !== 0;
        break;
    }
  });
  if (serial) identity.serial = serial;
  if (software) identity.firmware = software;
  if (!identity.manufacturer) delete identity.manufacturer;
  if (!identity.model) delete identity.model;
  return out;
}

/** One entry of a device alarm list (NOM_ATTR_AL_MON_P_AL_LIST / T_AL_LIST). */
export interface AlarmEntry {
  /** Physio id of the measurement the alarm is about, or an object class for technical alarms. */
  source: number;
  /** Event code (partition EVT). */
  code: number;
  type: number;
  state: number;
  instance: number;
  /** The monitor's alarm text, when it sends one (StrAlMonInfo). */
  text?: string;
}

export function readAlarmList(b: Buffer, o: number, end: number): AlarmEntry[] {
  need(o, 4, end, 'DevAlarmList');
  const count = b.readUInt16BE(o);
  const listEnd = o + 4 + b.readUInt16BE(o + 2);
  if (listEnd > end) throw new WireError('DevAlarmList longer than its attribute');
  const entries: AlarmEntry[] = [];
  let p = o + 4;
  for (let i = 0; i < count; i++) {
    need(p, 18, listEnd, 'DevAlarmEntry');
    const entry: AlarmEntry = {
      source: b.readUInt16BE(p),
      code: b.readUInt16BE(p + 2),
      type: b.readUInt16BE(p + 4),
      state: b.readUInt16BE(p + 6),
      instance: 0,
    };
    // p + 8: the managed object the alarm belongs to (6 bytes)
    const infoId = b.readUInt16BE(p + 14);
    const info = p + 18;
    const infoEnd = info + b.readUInt16BE(p + 16);
    if (infoEnd > listEnd) throw new WireError('alarm info longer than its list');
    if ((infoId === ALERT_INFO.GENERAL || infoId === ALERT_INFO.STRING) && infoEnd - info >= 10) {
      entry.instance = b.readUInt16BE(info);
      // info + 2: al_text (TextId), + 6: priority, + 8: flags
      if (infoId === ALERT_INFO.STRING) {
        const text = readString(b, info + 10, infoEnd).trim();
        if (text) entry.text = text;
      }
    }
    entries.push(entry);
    p = infoEnd;
  }
  return entries;
}

/** Patient demographics as they go into a `patient.demographics` event; identifying fields only when asked for. */
export type Demographics = Record<string, string | number | boolean | { value: number; unit: string }>;

const MEASURE_UNITS: Readonly<Record<number, string>> = {
  0x06c3: 'kg',
  0x06e0: '[lb_av]',
  0x0511: 'cm',
  0x0560: '[in_i]',
  0x08e0: 'd',
  0x0900: 'wk',
  0x0920: 'mo',
  0x0940: 'a',
  0x05c0: 'm2',
};

/** A PatMeasure (FLOAT value and unit code) as a number with a UCUM unit; undefined when not a valid number. */
function readMeasure(b: Buffer, v: number, vEnd: number): { value: number; unit: string } | undefined {
  need(v, 6, vEnd, 'PatMeasure');
  const value = decodeFloat(b.readUInt32BE(v));
  const unit = MEASURE_UNITS[b.readUInt16BE(v + 4)];
  return Number.isNaN(value) || unit === undefined ? undefined : { value, unit };
}

export function readDemographics(b: Buffer, o: number, end: number, identifying: boolean): Demographics {
  const d: Demographics = {};
  eachAttribute(b, o, end, (id, v, vEnd) => {
    switch (id) {
      case ATTR.PT_DEMOG_ST:
        need(v, 2, vEnd, 'PatDemoState');
        d.state = PATIENT_STATE[b.readUInt16BE(v)] ?? 'unknown';
        break;
      case ATTR.PT_TYPE:
        need(v, 2, vEnd, 'PatientType');
        d.type = PATIENT_TYPE[b.readUInt16BE(v)] ?? 'unspecified';
        break;
      case ATTR.PT_SEX:
        need(v, 2, vEnd, 'PatientSex');
        d.sex = PATIENT_SEX[b.readUInt16BE(v)] ?? 'unknown';
        break;
      case ATTR.PT_PACED_MODE:
        need(v, 2, vEnd, 'PatPacedMode');
        d.paced = b.readUInt16BE(v) === 1;
        break;
      case ATTR.PT_AGE:
      case ATTR.PT_HEIGHT:
      case ATTR.PT_WEIGHT:
      case ATTR.PT_BSA: {
        const m = readMeasure(b, v, vEnd);
        const key = id === ATTR.PT_AGE ? 'age' : id === ATTR.PT_HEIGHT ? 'height' : id === ATTR.PT_WEIGHT ? 'weight' : 'bsa';
        if (m) d[key] = m;
        break;
      }
      case ATTR.PT_ID:
      case ATTR.PT_NAME_GIVEN:
      case ATTR.PT_NAME_FAMILY: {
        if (!identifying) break;
        const s = readString(b, v, vEnd).trim();
        const key = id === ATTR.PT_ID ? 'patientId' : id === ATTR.PT_NAME_GIVEN ? 'givenName' : 'familyName';
        if (s) d[key] = s;
        break;
      }
      case ATTR.PT_DOB: {
        if (!identifying) break;
        const t = readAbsoluteTime(b, v, vEnd);
        if (t) d.birthDate = isoDate(t);
        break;
      }
    }
  });
  return d;
}
