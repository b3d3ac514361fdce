// Writing POCT1-A messages (the data manager's ACK, directives, request and goodbye; the simulator's device side)
// and reading the few header facts both sides need. Every message: HDR{message_type, control_id, version_id "POCT1",
// creation_dttm with offset}; values in attribute V.
import type { DeviceIdentity } from '../../src/schema/index.js';
import { child, escapeAttr, valueOf, type XmlElement } from './xml.js';

/** Local time with its UTC offset, as POCT1-A writes times: 2024-03-15T10:15:30+01:00. */
export function isoWithOffset(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  return `${p(d.getFullYear(), 4)}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}${sign}${p(Math.floor(Math.abs(off) / 60))}:${p(Math.abs(off) % 60)}`;
}

/** <NAME V="value"/>, with optional extra attributes (U, SN, DN). */
export function v(name: string, value: string, extra: Record<string, string> = {}): string {
  let attrs = ` V="${escapeAttr(value)}"`;
  for (const [k, x] of Object.entries(extra)) attrs += ` ${k}="${escapeAttr(x)}"`;
  return `<${name}${attrs}/>`;
}

export function message(type: string, controlId: number | string, nowMs: number, body: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${type}><HDR>${v('HDR.message_type', type)}${v('HDR.control_id', String(controlId))}${v('HDR.version_id', 'POCT1')}${v('HDR.creation_dttm', isoWithOffset(nowMs))}</HDR>${body}</${type}>`;
}

export function ack(controlId: number, acked: string, type: 'AA' | 'AE', nowMs: number, note?: string): string {
  return message('ACK.R01', controlId, nowMs, `<ACK>${v('ACK.type_cd', type)}${v('ACK.ack_control_id', acked)}${note ? v('ACK.note_txt', note) : ''}</ACK>`);
}

/** The data manager's directives: set the device clock, or keep the conversation open and report as results come. */
export function directive(controlId: number, nowMs: number, command: 'SET_TIME' | 'START_CONTINUOUS'): string {
  const time = command === 'SET_TIME' ? `<TM>${v('TM.dttm', isoWithOffset(nowMs))}</TM>` : '';
  return message('DTV.R01', controlId, nowMs, `<DTV>${v('DTV.command_cd', command)}</DTV>${time}`);
}

export function request(controlId: number, nowMs: number, what: 'ROBS'): string {
  return message('REQ.R01', controlId, nowMs, `<REQ>${v('REQ.request_cd', what)}</REQ>`);
}

export function end(controlId: number, nowMs: number, reason: 'NRM' | 'USR'): string {
  return message('END.R01', controlId, nowMs, `<TRM>${v('TRM.reason_cd', reason)}</TRM>`);
}

/** What an ACK says: the control id it answers, AA or AE, and why. */
export function ackOf(root: XmlElement): { acked: string | undefined; type: string | undefined; note: string | undefined } {
  const a = child(root, 'ACK');
  return { acked: valueOf(a, 'ACK.ack_control_id'), type: valueOf(a, 'ACK.type_cd'), note: valueOf(a, 'ACK.note_txt') };
}

/** The device's identity from its HEL.R01 (DEV segment). */
export function identityOf(hel: XmlElement): { deviceId: string | undefined; identity: DeviceIdentity } {
  const dev = child(hel, 'DEV');
  const identity: DeviceIdentity = { protocol: 'POCT1-A2' };
  const manufacturer = valueOf(dev, 'DEV.vendor_id') ?? valueOf(dev, 'DEV.manufacturer_name');
  const model = valueOf(dev, 'DEV.model_id');
  const serial = valueOf(dev, 'DEV.serial_id');
  const firmware = valueOf(dev, 'DEV.sw_version');
  if (manufacturer) identity.manufacturer = manufacturer;
  if (model) identity.model = model;
  if (serial) identity.serial = serial;
  if (firmware) identity.firmware = firmware;
  return { deviceId: valueOf(dev, 'DEV.device_id'), identity };
}
