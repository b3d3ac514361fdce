// The segments every handover message shares — MSH, PID, PV1 — and the small codecs for the composite fields the
// observation, alert and lab messages all write (coded elements, equipment ids). Values go into the message through
// node-hl7-client, which escapes the delimiters; each component is set on its own so that nothing a device or a crew
// typed can become a component or field boundary.
import { Message, type Segment } from 'node-hl7-client';
import { HL7_2_6 } from 'node-hl7-client/hl7';
import type { DeviceIdentity } from '../../schema/index.js';
import { hl7TimeMs } from './dtm.js';
import type { HandoverEncounter, Hl7BuilderOptions } from './options.js';

/** MSH-21 of PCD-01 (DEC) observation reports, as the IHE PCD TF lists it. */
export const PCD01_PROFILE = ['IHE_PCD_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.1.1.1', 'ISO'] as const;
/** MSH-21 of PCD-04 (ACM) alert reports. */
export const PCD04_PROFILE = ['IHE_PCD_ACM_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.4.4', 'ISO'] as const;

/**
 * A value as HL7 text. node-hl7-client escapes | ^ ~ \ & but not line ends, and a CR inside a value would end the
 * segment: line breaks and other control characters become spaces (multi-line notes are split into NTE segments by
 * the caller instead, so nothing is lost there).
 */
export function text(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** Field `field` set component by component; empty components are left empty. */
export function setComponents(seg: Segment, field: number, components: ReadonlyArray<string | number | undefined>): void {
  components.forEach((c, i) => {
    if (c !== undefined && c !== '') seg.set(`${field}.${i + 1}`, typeof c === 'number' ? String(c) : text(c));
  });
}

/** Each value a repetition of `field` (OBX-8 abnormal flags). */
export function setRepetitions(seg: Segment, field: number, values: readonly string[]): void {
  const node = seg.set(field);
  values.forEach((v, i) => node.set(i, text(v)));
}

export interface Header {
  readonly options: Hl7BuilderOptions;
  readonly controlId: string;
  readonly nowMs: number;
  readonly event: 'R01' | 'R40';
  readonly profile: readonly string[];
}

/** A new ORU message: MSH as IHE PCD wants it (2.6, NE/AL acknowledgements, UTF-8, the profile in MSH-21). */
export function oruMessage(h: Header): Message {
  const msg = new Message({
    specification: new HL7_2_6(),
    messageHeader: { msh_9_1: 'ORU', msh_9_2: h.event, msh_9_3: `ORU_${h.event}`, msh_10: h.controlId, msh_11_1: h.options.processingId },
  });
  const o = h.options;
  msg.set('MSH.3.1', text(o.sendingApplication));
  if (o.sendingFacility) msg.set('MSH.4.1', text(o.sendingFacility));
  msg.set('MSH.5.1', text(o.receivingApplication));
  if (o.receivingFacility) msg.set('MSH.6.1', text(o.receivingFacility));
  // The library stamps MSH-7 from its own local clock; the builder's time is the clock it was given, in UTC.
  msg.set('MSH.7', hl7TimeMs(h.nowMs));
  msg.set('MSH.15', 'NE');
  msg.set('MSH.16', 'AL');
  msg.set('MSH.18', 'UNICODE UTF-8');
  h.profile.forEach((p, i) => msg.set(`MSH.21.${i + 1}`, p));
  return msg;
}

function authorityOf(o: Hl7BuilderOptions): string {
  return o.assigningAuthority || o.sendingFacility || o.sendingApplication;
}

/**
 * PID and PV1 from the encounter the records belong to. `open` is the encounter service's open encounter; when the
 * records carry another id (a backlog from a closed encounter) only that id is known, and only it is sent.
 */
export function addPatient(msg: Message, o: Hl7BuilderOptions, encounterId: string, open: HandoverEncounter | undefined): void {
  const e: HandoverEncounter = open && open.id === encounterId ? open : { id: encounterId };
  const authority = authorityOf(o);
  const pid = msg.addSegment('PID');
  pid.set('1', '1');
  setComponents(pid, 3, [e.patientId || e.id, undefined, undefined, authority, 'PI']);
  if (e.name && (e.name.family || e.name.given)) setComponents(pid, 5, [e.name.family, e.name.given, undefined, undefined, undefined, undefined, 'L']);
  if (e.sex) pid.set('8', e.sex === 'male' ? 'M' : 'F');
  const pv1 = msg.addSegment('PV1');
  pv1.set('1', '1');
  pv1.set('2', 'E'); // emergency
  // PV1-3 is where the patient is now: the ambulance, not a ward of the receiving hospital.
  setComponents(pv1, 3, [o.vehicle]);
  setComponents(pv1, 19, [e.id, undefined, undefined, authority, 'VN']);
}

const EUI64 = /^[0-9A-Fa-f]{16}$/;

/**
 * OBX-18 equipment instance identifier (EI): an EUI-64 as `<id>^EUI-64` the way PCD devices send it; any other serial
 * as `<serial>^<model>` (GE's `080019…^B40_GE` form); with no serial at all, the configured device id within the vehicle.
 */
export function equipmentOf(source: DeviceIdentity | undefined, device: string, vehicle: string): [string, string] {
  const serial = source?.serial;
  if (serial && EUI64.test(serial)) return [serial.toUpperCase(), 'EUI-64'];
  if (serial) return [serial, source?.model || device];
  return [device, vehicle];
}

/** OBR-2/OBR-3 (EI): the message's own id, from this application, with the equipment (an EUI-64, else a local id: type L). */
export function orderId(id: string, o: Hl7BuilderOptions, equipment: [string, string]): Array<string | undefined> {
  return [id, o.sendingApplication, equipment[0], equipment[1] === 'EUI-64' ? 'EUI-64' : 'L'];
}

/** The finished message as it goes on the wire: segments ended by CR (node-hl7-client joins with CR, ends without). */
export function serialize(msg: Message): string {
  return `${msg.toString()}\r`;
}
