// The S/5 record: a 40-byte little-endian header (length, DRI level, Unix time, main type and a list of up to eight
// subrecord descriptors) followed by the data area the descriptors point into. Readers for the gateway, builders for
// the gateway's requests and for the simulated monitor.
import { HEADER_LEN } from './framer.js';

/** r_maintype */
export const MT_PHDB = 0;
export const MT_WAVE = 1;
export const MT_ALARM = 4;

/** Subrecord types of physiological data. 0 in a request record is the request itself. */
export const SR_PHDB_REQUEST = 0;
export const SR_PHDB_DISPLAYED = 1;
export const SR_PHDB_TREND_10S = 2;
export const SR_PHDB_TREND_60S = 3;
/** Subrecord types of waveform and alarm records. */
export const SR_WAVE_COMMAND = 0;
export const SR_ALARM_COMMAND = 0;
export const SR_ALARM_STATUS = 1;
export const SR_END = 0xff;

/** phdb_class_bf bits of a request: basic is sent unless denied; the extended classes are asked for. */
export const CLASS_BIT = { ext1: 0x0002, ext2: 0x0004, ext3: 0x0008 } as const;
export const DENY_BASIC = 0x0001;

export const WAVE_START = 0;
export const WAVE_STOP = 1;
/** Alarm commands: send the status once; enter / leave differential mode (a status whenever it changes). */
export const ALARM_STATUS_ONCE = 0;
export const ALARM_DIFF_ON = 2;
export const ALARM_DIFF_OFF = 3;

export interface RecordHeader {
  length: number;
  driLevel: number;
  /** Unix seconds, as the monitor's clock says. */
  time: number;
  mainType: number;
}

export interface SubrecordRef {
  type: number;
  /** Absolute offset in the record. */
  start: number;
  /** Absolute end (the next subrecord's start, or the record's end). */
  end: number;
}

export function readHeader(rec: Buffer): RecordHeader {
  return { length: rec.readUInt16LE(0), driLevel: rec[3]!, time: rec.readUInt32LE(6), mainType: rec.readUInt16LE(14) };
}

/**
 * The subrecords the descriptor list names, in order, bounded by the record. Offsets are relative to the data area;
 * a descriptor pointing outside the record ends the list (the frame passed its checksum, so this is a device bug,
 * not line noise, and the sane part is kept).
 */
export function subrecords(rec: Buffer): SubrecordRef[] {
  const found: Array<{ type: number; start: number }> = [];
  for (let k = 0; k < 8; k++) {
    const type = rec[16 + 3 * k + 2]!;
    if (type === SR_END) break;
    const start = HEADER_LEN + rec.readInt16LE(16 + 3 * k);
    if (start < HEADER_LEN || start >= rec.length) break;
    found.push({ type, start });
  }
  return found.map((s, i) => {
    const next = found[i + 1]?.start;
    return { type: s.type, start: s.start, end: next !== undefined && next > s.start ? next : rec.length };
  });
}

/** A whole record: header with descriptors, then the bodies back to back. */
export function buildRecord(mainType: number, bodies: ReadonlyArray<{ type: number; body: Buffer }>, time = 0, driLevel = 0): Buffer {
  const length = HEADER_LEN + bodies.reduce((n, b) => n + b.body.length, 0);
  const rec = Buffer.alloc(length);
  rec.writeUInt16LE(length, 0);
  rec[3] = driLevel;
  rec.writeUInt32LE(time >>> 0, 6);
  rec.writeUInt16LE(mainType, 14);
  let offset = 0;
  bodies.forEach((b, k) => {
    rec.writeInt16LE(offset, 16 + 3 * k);
    rec[16 + 3 * k + 2] = b.type;
    b.body.copy(rec, HEADER_LEN + offset);
    offset += b.body.length;
  });
  if (bodies.length < 8) rec[16 + 3 * bodies.length + 2] = SR_END;
  return rec;
}

/**
 * Physiological data request (GE M1017617 App. A): uint8 record type, int16 interval in s (0 stops, −1 once),
 * uint32 class bits, int16 reserved.
 */
export function phdbRequest(recordType: number, intervalS: number, classBits: number, driLevel = 0): Buffer {
  const body = Buffer.alloc(9);
  body[0] = recordType;
  body.writeInt16LE(intervalS, 1);
  body.writeUInt32LE(classBits, 3);
  return buildRecord(MT_PHDB, [{ type: SR_PHDB_REQUEST, body }], 0, driLevel);
}

/** Waveform request: int16 start/stop, int16 reserved, up to eight wave ids ended by 0xFF, reserved to 72 bytes. */
export function waveRequest(command: number, waveIds: readonly number[], driLevel = 0): Buffer {
  const body = Buffer.alloc(32);
  body.writeInt16LE(command, 0);
  const ids = waveIds.slice(0, 8);
  ids.forEach((id, i) => (body[4 + i] = id));
  if (ids.length < 8) body[4 + ids.length] = SR_END;
  return buildRecord(MT_WAVE, [{ type: SR_WAVE_COMMAND, body }], 0, driLevel);
}

/** Alarm request: int16 command, five reserved int16. */
export function alarmRequest(command: number, driLevel = 0): Buffer {
  const body = Buffer.alloc(12);
  body.writeInt16LE(command, 0);
  return buildRecord(MT_ALARM, [{ type: SR_ALARM_COMMAND, body }], 0, driLevel);
}

export interface PhdbRequestBody {
  recordType: number;
  intervalS: number;
  classBits: number;
}

export function readPhdbRequest(rec: Buffer, sub: SubrecordRef): PhdbRequestBody | undefined {
  if (sub.end - sub.start < 7) return undefined;
  return { recordType: rec[sub.start]!, intervalS: rec.readInt16LE(sub.start + 1), classBits: rec.readUInt32LE(sub.start + 3) };
}

export function readWaveRequest(rec: Buffer, sub: SubrecordRef): { command: number; waveIds: number[] } | undefined {
  if (sub.end - sub.start < 12) return undefined;
  const waveIds: number[] = [];
  for (let i = 0; i < 8; i++) {
    const id = rec[sub.start + 4 + i]!;
    if (id === SR_END) break;
    waveIds.push(id);
  }
  return { command: rec.readInt16LE(sub.start), waveIds };
}
