// Dräger MEDIBUS (RS-232 MEDIBUS Protocol Definition rev 4.03): the bytes that structure the slow ASCII channel, the
// command codes, the checksum, and builders for commands, responses and realtime sync commands. Shared by the
// framer, the session and the simulator.

export const SOH = 0x01;
export const ETX = 0x03;
export const CR = 0x0d;
export const DC1 = 0x11;
export const DC3 = 0x13;
export const NAK = 0x15;
export const CAN = 0x18;
export const ESC = 0x1b;

/** Command codes (the byte after ESC, echoed after SOH in the response). */
export const CMD = {
  nop: 0x30,
  icc: 0x51,
  stop: 0x55,
  measuredCp1: 0x24,
  lowLimitsCp1: 0x25,
  highLimitsCp1: 0x26,
  alarmsCp1: 0x27,
  dateTime: 0x28,
  settings: 0x29,
  textMessages: 0x2a,
  measuredCp2: 0x2b,
  lowLimitsCp2: 0x2c,
  highLimitsCp2: 0x2d,
  alarmsCp2: 0x2e,
  timeChanged: 0x49,
  configureResponse: 0x4a,
  identify: 0x52,
  realtimeConfig: 0x53,
  configureRealtime: 0x54,
  realtimeConfigChanged: 0x56,
} as const;

/** Longest command: ESC + code + 251 argument bytes + 2 checksum + CR. */
export const MAX_COMMAND = 256;
/** Longest response, as the spec allows. */
export const MAX_RESPONSE = 3845;

/** Realtime sync commands (the host enables streams 1–4, 5–8, 9–12; the device marks streams 5–12 and breath phases). */
export const SYNC = {
  /** A sync byte carrying no values: 1101 0000. */
  empty: 0xd0,
  enable1to4: 0xc1,
  enable5to8: 0xc2,
  enable9to12: 0xc3,
  streams5to8: 0xc4,
  streams9to12: 0xc5,
  phase: 0xc6,
  corrupt: 0xcf,
  /** Argument of "nothing": C0 C0 ends a list of sync commands. */
  none: 0xc0,
} as const;

const HEX = '0123456789ABCDEF';

/** Two upper-case hex digits. */
export function hex2(n: number): string {
  return HEX[(n >> 4) & 15]! + HEX[n & 15]!;
}

/** The value of an ASCII hex digit (either case), or -1. */
export function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Low 8 bits of the sum of the bytes (from ESC/SOH up to the last data byte). */
export function checksum(bytes: Buffer, start = 0, end = bytes.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += bytes[i]!;
  return sum & 0xff;
}

function message(lead: number, code: number, body: string): Buffer {
  const b = Buffer.alloc(body.length + 5);
  b[0] = lead;
  b[1] = code;
  b.write(body, 2, 'latin1');
  const cs = hex2(checksum(b, 0, body.length + 2));
  b.write(cs, body.length + 2, 'latin1');
  b[body.length + 4] = CR;
  return b;
}

/** ESC code [args] CS CR. */
export function encodeCommand(code: number, args = ''): Buffer {
  return message(ESC, code, args);
}

/** SOH echo [data] CS CR. An echo of a device's command is a response without data. */
export function encodeResponse(code: number, data = ''): Buffer {
  return message(SOH, code, data);
}

/** The record that enables (or, with masks 0, disables) realtime streams: D0 C1 Cx C2 Cx C3 Cx C0 C0. */
export function encodeRealtimeEnable(streamMask: number): Buffer {
  return Buffer.from([
    SYNC.empty,
    SYNC.enable1to4,
    SYNC.none | (streamMask & 15),
    SYNC.enable5to8,
    SYNC.none | ((streamMask >> 4) & 15),
    SYNC.enable9to12,
    SYNC.none | ((streamMask >> 8) & 15),
    SYNC.none,
    SYNC.none,
  ]);
}

/** One realtime data record: sync byte(s) and two bytes 10LLLLLL 10HHHHHH per 12-bit value, in stream order. */
export function encodeRealtimeRecord(streamMask: number, values: readonly number[]): Buffer {
  const hi = streamMask >> 4;
  const extra = (hi & 15 ? 2 : 0) + (hi >> 4 ? 2 : 0);
  const b = Buffer.alloc(1 + extra + values.length * 2);
  let i = 0;
  b[i++] = 0xd0 | (streamMask & 15);
  if (hi & 15) {
    b[i++] = SYNC.streams5to8;
    b[i++] = SYNC.none | (hi & 15);
  }
  if (hi >> 4) {
    b[i++] = SYNC.streams9to12;
    b[i++] = SYNC.none | ((hi >> 4) & 15);
  }
  for (const v of values) {
    b[i++] = 0x80 | (v & 0x3f);
    b[i++] = 0x80 | ((v >> 6) & 0x3f);
  }
  return b;
}
