// Data Export PDUs after the association: SPpdu (E1 00 00 02) · ROapdus {ro_type, length} · ROIV/RORS/ROER/RORLS
// header · command body. The header reader is shared by session and decoder; the builders are the client's requests
// and the monitor's replies (used by the simulator).
import { ACTION, ALL_ATTRIBUTE_GROUPS, ATTR, CMD, DATA_EXPORT, EVENT, MOC, PARTITION, RO } from './nomenclature.js';
import { Writer, writeAbsoluteTime, type AbsoluteTime } from './wire.js';

/** The parts of a Data Export PDU's header that say what it is. Filled in place to spare an allocation per message. */
export interface PduHeader {
  roType: number;
  invokeId: number;
  /** command_type for invokes and results; the error value for ROER. */
  command: number;
  /** RORLS state (first, middle, last), 0 for other PDUs. */
  linkedState: number;
  /** Offset of the command body, and the end of the PDU. */
  body: number;
  end: number;
}

export const newPduHeader = (): PduHeader => ({ roType: 0, invokeId: 0, command: 0, linkedState: 0, body: 0, end: 0 });

/** Reads a Data Export PDU's header into `h`; false for session messages and for anything malformed. */
export function readPduHeader(b: Buffer, h: PduHeader): boolean {
  if (b.length < 14 || b[0] !== DATA_EXPORT) return false;
  h.roType = b.readUInt16BE(4);
  h.end = Math.min(b.length, 8 + b.readUInt16BE(6));
  if (h.roType === RO.LINKED_RESULT) {
    if (b.length < 16) return false;
    h.linkedState = b[8]!;
    h.invokeId = b.readUInt16BE(10);
    h.command = b.readUInt16BE(12);
    h.body = 16;
  } else {
    h.linkedState = 0;
    h.invokeId = b.readUInt16BE(8);
    h.command = b.readUInt16BE(10);
    h.body = 14;
  }
  return true;
}

/** The MDS, addressed by requests and reported by the monitor: class NOM_MOC_VMS_MDS, context 0, handle 0. */
function writeMds(w: Writer): void {
  w.u16(MOC.MDS).u16(0).u16(0);
}

/** SPpdu + ROapdus + ROIV/RORS/ROER header; `body` writes the command; all lengths are filled in. */
function pdu(roType: number, invokeId: number, command: number, body: (w: Writer) => void, linked?: { state: number; count: number }): Buffer {
  const w = new Writer(128);
  w.u8(DATA_EXPORT).u8(0x00).u16(0x0002);
  w.u16(roType);
  const roLength = w.lengthAt();
  if (linked) w.u8(linked.state).u8(linked.count);
  w.u16(invokeId).u16(command);
  const length = w.lengthAt();
  body(w);
  w.patchLength(length);
  w.patchLength(roLength);
  return w.toBuffer();
}

/** A single poll (NOM_ACT_POLL_MDIB_DATA) of every object of one class, all attribute groups. */
export function pollRequest(invokeId: number, objectClass: number, pollNumber: number): Buffer {
  return pdu(RO.INVOKE, invokeId, CMD.CONFIRMED_ACTION, (w) => {
    writeMds(w);
    w.u32(0); // scope
    w.u16(ACTION.POLL);
    const n = w.lengthAt();
    w.u16(pollNumber).u16(PARTITION.OBJ).u16(objectClass).u16(ALL_ATTRIBUTE_GROUPS);
    w.patchLength(n);
  });
}

/**
 * An extended poll (NOM_ACT_POLL_MDIB_DATA_EXT). With `periodTicks`, the monitor keeps sending the class's updates
 * (numerics each second, waves every 256 ms) for that long, as linked results of this one invoke.
 */
export function extendedPollRequest(invokeId: number, objectClass: number, pollNumber: number, periodTicks?: number): Buffer {
  return pdu(RO.INVOKE, invokeId, CMD.CONFIRMED_ACTION, (w) => {
    writeMds(w);
    w.u32(0);
    w.u16(ACTION.POLL_EXT);
    const n = w.lengthAt();
    w.u16(pollNumber).u16(PARTITION.OBJ).u16(objectClass).u16(ALL_ATTRIBUTE_GROUPS);
    if (periodTicks === undefined) w.u16(0).u16(0);
    else w.u16(1).u16(8).u16(ATTR.TIME_PD_POLL).u16(4).u32(periodTicks);
    w.patchLength(n);
  });
}

/** SET of the real-time sample array priority list: the waves the client wants, by label (TextId). */
export function setWaveListRequest(invokeId: number, labels: readonly number[]): Buffer {
  return pdu(RO.INVOKE, invokeId, CMD.CONFIRMED_SET, (w) => {
    writeMds(w);
    w.u32(0); // scope
    w.u16(1); // modification list: one entry
    const list = w.lengthAt();
    w.u16(0); // modify operator: REPLACE
    w.u16(ATTR.POLL_RTSA_PRIO_LIST);
    const ava = w.lengthAt();
    w.u16(labels.length).u16(labels.length * 4);
    for (const l of labels) w.u32(l);
    w.patchLength(ava);
    w.patchLength(list);
  });
}

/** The client's answer to the monitor's MDS Create event: without it the monitor does not answer polls. */
export function mdsCreateResult(invokeId: number, relTime: number): Buffer {
  return pdu(RO.RESULT, invokeId, CMD.CONFIRMED_EVENT_REPORT, (w) => {
    writeMds(w);
    w.u32(relTime).u16(EVENT.MDS_CREATE).u16(0);
  });
}

// ----- the monitor's side -----------------------------------------------------------------------------------------

/** An attribute list under construction: `attr(id, write)` adds one AVA. */
export class AttributeListWriter {
  count = 0;
  constructor(readonly w: Writer) {}
  attr(id: number, value: (w: Writer) => void): this {
    this.w.u16(id);
    const n = this.w.lengthAt();
    value(this.w);
    this.w.patchLength(n);
    this.count++;
    return this;
  }
}

/** Writes `count, length, AVA…` with the count and length filled in afterwards. */
export function writeAttributeList(w: Writer, fill: (list: AttributeListWriter) => void): void {
  const countAt = w.length;
  w.u16(0);
  const n = w.lengthAt();
  const list = new AttributeListWriter(w);
  fill(list);
  w.patchU16(countAt, list.count);
  w.patchLength(n);
}

/** The monitor announces itself after accepting an association: a confirmed MDS Create event report. */
export function mdsCreateEvent(invokeId: number, relTime: number, attributes: (list: AttributeListWriter) => void): Buffer {
  return pdu(RO.INVOKE, invokeId, CMD.CONFIRMED_EVENT_REPORT, (w) => {
    writeMds(w);
    w.u32(relTime).u16(EVENT.MDS_CREATE);
    const n = w.lengthAt();
    writeMds(w); // MDSCreateInfo: the managed object again, then its attributes
    writeAttributeList(w, attributes);
    w.patchLength(n);
  });
}

/** One observed object of a poll result: its handle and its attribute list, already encoded. */
export interface Observation {
  handle: number;
  attributes: Buffer;
}

export interface PollReply {
  invokeId: number;
  extended: boolean;
  pollNumber: number;
  /** Extended polls number their replies. */
  sequenceNo: number;
  relTime: number;
  absTime: AbsoluteTime | undefined;
  objectClass: number;
  /** Set for a reply split over several messages (RORLS), or for the updates of a periodic extended poll. */
  linked?: { state: number; count: number };
}

/** A poll result carrying `observations` (one SingleContextPoll, context 0). */
export function pollResult(r: PollReply, observations: readonly Observation[]): Buffer {
  return pdu(
    r.linked ? RO.LINKED_RESULT : RO.RESULT,
    r.invokeId,
    CMD.CONFIRMED_ACTION,
    (w) => {
      writeMds(w);
      w.u16(r.extended ? ACTION.POLL_EXT : ACTION.POLL);
      const n = w.lengthAt();
      w.u16(r.pollNumber);
      if (r.extended) w.u16(r.sequenceNo);
      w.u32(r.relTime);
      writeAbsoluteTime(w, r.absTime);
      w.u16(PARTITION.OBJ).u16(r.objectClass).u16(ALL_ATTRIBUTE_GROUPS);
      w.u16(1); // PollInfoList: one context
      const contexts = w.lengthAt();
      w.u16(0).u16(observations.length); // context id 0
      const polls = w.lengthAt();
      for (const o of observations) {
        w.u16(o.handle);
        w.bytes(o.attributes);
      }
      w.patchLength(polls);
      w.patchLength(contexts);
      w.patchLength(n);
    },
    r.linked,
  );
}

/** Size of a poll result's headers without observations, for splitting replies at the MTU. */
export const POLL_RESULT_OVERHEAD = 4 + 4 + 8 + 10 + 22 + 4 + 6;

/** The monitor's result to a SET: the MDS and the attributes as now set. */
export function setResult(invokeId: number, attributes: (list: AttributeListWriter) => void): Buffer {
  return pdu(RO.RESULT, invokeId, CMD.CONFIRMED_SET, (w) => {
    writeMds(w);
    writeAttributeList(w, attributes);
  });
}

/** ROER: the invoke failed (e.g. 9 no such action, 15 invalid argument). */
export function errorResult(invokeId: number, errorValue: number): Buffer {
  return pdu(RO.ERROR, invokeId, errorValue, () => undefined);
}

export const REMOTE_ERROR = { NO_SUCH_ACTION: 9, PROCESSING_FAILURE: 10, INVALID_ARGUMENT: 15 } as const;
