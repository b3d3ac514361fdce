// The association (session and presentation layers) of Data Export: request, accept, refuse, release, abort.
// These messages wrap a fixed ISO presentation envelope (BER with indefinite lengths, written out byte for byte
// below) around the one part that carries information: the MDSE user info with the poll profile — how often the
// client may poll, how large messages may be, and the extended-poll options.
import { MDSE_USER_INFO, POLL_PROFILE, SPDU, TICKS_PER_MS, ATTR } from './nomenclature.js';
import { Writer } from './wire.js';

/** Session parameters of a connect/accept SPDU: connect/accept item, session user requirements. */
const SESSION_DATA = [0x05, 0x08, 0x13, 0x01, 0x00, 0x16, 0x01, 0x02, 0x80, 0x00, 0x14, 0x02, 0x00, 0x02];
/** Session user data parameter. */
const USER_DATA_PI = 0xc1;

const OID_MDDL = [0x06, 0x0c, 0x2a, 0x86, 0x48, 0xce, 0x14, 0x02, 0x01, 0x00, 0x00, 0x00]; // 1.2.840.10004.2.1.0.0.0 …

/** CP-type presentation envelope of the association request, up to the user information's length. */
const REQUEST_PRESENTATION = [
  0x31, 0x80, // CP-type SET
  0xa0, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00, // mode selector: normal mode
  0xa2, 0x80, // normal-mode parameters
  0xa0, 0x03, 0x00, 0x00, 0x01, // protocol version 1
  0xa4, 0x80, // presentation context definition list
  0x30, 0x80, 0x02, 0x01, 0x01, 0x06, 0x04, 0x52, 0x01, 0x00, 0x01, // context 1: ACSE
  0x30, 0x80, 0x06, 0x02, 0x51, 0x01, 0x00, 0x00, 0x00, 0x00, //   transfer syntax BER
  0x30, 0x80, 0x02, 0x01, 0x02, ...OID_MDDL, 0x01, 0x01, // context 2: MDDL
  0x30, 0x80, ...OID_MDDL, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, //   transfer syntax MDER
  0x61, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0xa0, 0x80, // user data, PDV list, context 1
  0x60, 0x80, // AARQ
  0xa1, 0x80, ...OID_MDDL, 0x03, 0x01, 0x00, 0x00, // application context name
  0xbe, 0x80, 0x28, 0x80, ...OID_MDDL, 0x01, 0x01, 0x02, 0x01, 0x02, // user information: EXTERNAL, MDSE
  0x81, // octet-aligned user info follows
];

/** The accept's envelope: presentation-context results and the AARE. */
const ACCEPT_PRESENTATION = [
  0x31, 0x80, 0xa0, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00, 0xa2, 0x80, 0xa0, 0x03, 0x00, 0x00, 0x01,
  0xa5, 0x80, // presentation context result list
  0x30, 0x80, 0x80, 0x01, 0x00, 0x81, 0x02, 0x51, 0x01, 0x00, 0x00, // acceptance, BER
  0x30, 0x80, 0x80, 0x01, 0x00, 0x81, 0x0c, 0x2a, 0x86, 0x48, 0xce, 0x14, 0x02, 0x01, 0x00, 0x00, 0x00, 0x02, 0x01, 0x00, 0x00, // acceptance, MDER
  0x00, 0x00,
  0x61, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0xa0, 0x80,
  0x61, 0x80, // AARE
  0xa1, 0x80, ...OID_MDDL, 0x03, 0x01, 0x00, 0x00, // application context name
  0xa2, 0x03, 0x02, 0x01, 0x00, // result: accepted
  0xa3, 0x05, 0xa1, 0x03, 0x02, 0x01, 0x00, // result source diagnostic
  0xbe, 0x80, 0x28, 0x80, 0x02, 0x01, 0x02, // user information
  0x81,
];

/** Closes the envelope's indefinite lengths. */
const PRESENTATION_TRAILER = new Array<number>(16).fill(0);

/** Release request (FN) and response (DN), and abort (AB): fixed messages. */
export const RELEASE_REQUEST = Buffer.from([
  SPDU.FN, 0x18, USER_DATA_PI, 0x16, 0x61, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0xa0, 0x80,
  0x62, 0x80, 0x80, 0x01, 0x00, // RLRQ, reason normal
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);
export const RELEASE_RESPONSE = Buffer.from([
  SPDU.DN, 0x18, USER_DATA_PI, 0x16, 0x61, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0xa0, 0x80,
  0x63, 0x80, 0x80, 0x01, 0x00, // RLRE, reason normal
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);
export const ABORT = Buffer.from([
  SPDU.AB, 0x2e, 0x11, 0x01, 0x03, USER_DATA_PI, 0x29, 0xa0, 0x80, 0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01,
  0x06, 0x02, 0x51, 0x01, 0x00, 0x00, 0x00, 0x00, 0x61, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0xa0,
  0x80, 0x64, 0x80, 0x80, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
]);
/** Refuse (RF) with ISO 8327 reason code 1: rejected by the called user. */
export const REFUSE = Buffer.from([SPDU.RF, 0x03, 0x32, 0x01, 0x01]);

/** What the two sides tell each other in the MDSE user info. */
export interface PollProfile {
  systemType: number;
  /** Shortest poll period allowed, in RelativeTime ticks (1/8 ms). */
  minPollPeriod: number;
  maxMtuRx: number;
  maxMtuTx: number;
  /** NOM_POLL_PROFILE_EXT options; 0 when absent. */
  extOptions: number;
}

export const CLIENT_PROFILE: PollProfile = {
  systemType: MDSE_USER_INFO.SYSTEM_TYPE_CLIENT,
  minPollPeriod: 125 * TICKS_PER_MS, // 125 ms: real-time sample arrays come every 256 ms
  maxMtuRx: 1456,
  maxMtuTx: 1456,
  extOptions: (POLL_PROFILE.EXT_PERIOD_NU_1SEC | POLL_PROFILE.EXT_PERIOD_RTSA) >>> 0,
};

function writeUserInfo(w: Writer, p: PollProfile): void {
  w.u32(MDSE_USER_INFO.PROTOCOL_VERSION).u32(MDSE_USER_INFO.NOMENCLATURE_VERSION).u32(0);
  w.u32(p.systemType).u32(MDSE_USER_INFO.STARTUP_COLD);
  w.u16(0).u16(0); // option list: empty
  w.u16(1); // supported profiles: the poll profile
  const profiles = w.lengthAt();
  w.u16(MDSE_USER_INFO.POLL_PROFILE_SUPPORT);
  const ava = w.lengthAt();
  w.u32(POLL_PROFILE.REVISION).u32(p.minPollPeriod).u32(p.maxMtuRx).u32(p.maxMtuTx).u32(0xffffffff).u32(POLL_PROFILE.OPTIONS);
  w.u16(1); // optional packages: the poll profile extension
  const packages = w.lengthAt();
  w.u16(ATTR.POLL_PROFILE_EXT);
  const ext = w.lengthAt();
  w.u32(p.extOptions).u16(0).u16(0);
  w.patchLength(ext);
  w.patchLength(packages);
  w.patchLength(ava);
  w.patchLength(profiles);
}

function berLength(n: number): number[] {
  return n < 0x80 ? [n] : [0x82, n >> 8, n & 0xff];
}

/** A length indicator of an SPDU or its parameter: one byte, or 0xFF and two bytes. */
function li(n: number): number[] {
  return n < 0xff ? [n] : [0xff, n >> 8, n & 0xff];
}

function connectMessage(type: number, presentation: readonly number[], profile: PollProfile): Buffer {
  const info = new Writer(96);
  writeUserInfo(info, profile);
  const userInfo = info.toBuffer();
  const userData = [...presentation, ...berLength(userInfo.length), ...userInfo, ...PRESENTATION_TRAILER];
  const body = [...SESSION_DATA, USER_DATA_PI, ...li(userData.length), ...userData];
  return Buffer.from([type, ...li(body.length), ...body]);
}

/** The association request (CN) a client sends to the monitor's UDP port 24105, or down the MIB line. */
export function associationRequest(profile: PollProfile = CLIENT_PROFILE): Buffer {
  return connectMessage(SPDU.CN, REQUEST_PRESENTATION, profile);
}

/** The monitor's association accept (AC). */
export function associationAccept(profile: PollProfile): Buffer {
  return connectMessage(SPDU.AC, ACCEPT_PRESENTATION, profile);
}

/**
 * The MDSE user info of a CN or AC message: found after the EXTERNAL's direct (OID) and indirect (02 01 02)
 * references. Undefined when the message does not carry a readable one.
 */
export function readPollProfile(msg: Buffer): PollProfile | undefined {
  try {
    return pollProfileOf(msg);
  } catch {
    return undefined; // a length pointing past the end: not a readable user info
  }
}

function pollProfileOf(msg: Buffer): PollProfile | undefined {
  const marker = msg.indexOf(Buffer.from([0xbe, 0x80, 0x28, 0x80]));
  if (marker < 0) return undefined;
  let o = marker + 4;
  if (msg[o] === 0x06) o += 2 + (msg[o + 1] ?? 0);
  if (msg[o] === 0x02 && msg[o + 1] === 0x01) o += 3;
  if (msg[o++] !== 0x81) return undefined;
  let len = msg[o++];
  if (len === undefined) return undefined;
  if (len === 0x82) {
    if (o + 2 > msg.length) return undefined;
    len = msg.readUInt16BE(o);
    o += 2;
  } else if (len === 0x81) len = msg[o++] ?? 0;
  const end = o + len;
  if (end > msg.length || len < 28) return undefined;
  if (msg.readUInt32BE(o) !== MDSE_USER_INFO.PROTOCOL_VERSION) return undefined;
  const systemType = msg.readUInt32BE(o + 12);
  o += 20; // protocol and nomenclature versions, functional units, system type, startup mode
  o += 4 + msg.readUInt16BE(o + 2); // option list
  const count = msg.readUInt16BE(o);
  o += 4;
  for (let i = 0; i < count && o + 4 <= end; i++) {
    const id = msg.readUInt16BE(o);
    const n = msg.readUInt16BE(o + 2);
    const v = o + 4;
    o = v + n;
    if (id !== MDSE_USER_INFO.POLL_PROFILE_SUPPORT || n < 28 || o > end) continue;
    let extOptions = 0;
    const packages = msg.readUInt16BE(v + 24);
    let p = v + 28;
    for (let k = 0; k < packages && p + 4 <= o; k++) {
      const pid = msg.readUInt16BE(p);
      const pn = msg.readUInt16BE(p + 2);
      if (pid === ATTR.POLL_PROFILE_EXT && pn >= 4 && p + 8 <= o) extOptions = msg.readUInt32BE(p + 4);
      p += 4 + pn;
    }
    return {
      systemType,
      minPollPeriod: msg.readUInt32BE(v + 4),
      maxMtuRx: msg.readUInt32BE(v + 8),
      maxMtuTx: msg.readUInt32BE(v + 12),
      extOptions,
    };
  }
  return undefined;
}
