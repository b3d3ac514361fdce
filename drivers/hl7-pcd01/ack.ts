// Original-mode acknowledgements. Every message gets one, malformed or not: AA accepted, AE accepted with content
// errors (the good observations are kept), AR rejected as a whole. MSA-2 is the message's own control id (MSH-10);
// an ERR segment carries the HL7 table 0357 code and the reason.
import { escape, formatDtm, get, type Hl7Message } from './hl7.js';
import type { Problem } from './frame.js';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface AckInput {
  code: AckCode;
  /** MSH-10 of the message being answered ('' if it had none that could be read). */
  controlId: string;
  problem?: Problem;
  /** The message, when it parsed: its sender becomes the ACK's receiver, its event and version are echoed. */
  message?: Hl7Message;
}

export interface AckIdentity {
  application: string;
  facility: string;
}

export function buildAck(input: AckInput, me: AckIdentity, nowMs: number, ackId: string): string {
  const m = input.message;
  const raw = (n: number) => (m ? escape(get(m, m.msh, n)) : '');
  const receivingApp = m ? [1, 2, 3].map((c) => escape(get(m, m.msh, 3, c))).join('^').replace(/\^+$/, '') : '';
  const receivingFacility = m ? [1, 2, 3].map((c) => escape(get(m, m.msh, 4, c))).join('^').replace(/\^+$/, '') : '';
  const event = m ? get(m, m.msh, 9, 2) || 'R01' : 'R01';
  const version = m && /^2\.\d/.test(get(m, m.msh, 12)) ? get(m, m.msh, 12) : '2.6';
  const processing = (m && raw(11)) || 'P';
  const segments = [
    `MSH|^~\\&|${escape(me.application)}|${escape(me.facility)}|${receivingApp}|${receivingFacility}|${formatDtm(nowMs)}||ACK^${escape(event)}^ACK|${escape(ackId)}|${processing}|${escape(version)}|||NE|AL`,
    `MSA|${input.code}|${escape(input.controlId)}`,
  ];
  if (input.problem) {
    segments.push(`ERR|||${input.problem.code}^${escape(input.problem.text)}^HL70357|E`);
  }
  return `${segments.join('\r')}\r`;
}
