// Writes fixtures/draeger-medibus/ventilator-session.bin: a constructed device-side MEDIBUS capture with everything a
// real one holds — answers to the gateway's polls, a command embedded in a response, realtime bytes in the middle of
// slow messages, a realtime configuration change, a corrupted frame and line noise. The values are documented in
// fixtures/draeger-medibus/PROVENANCE.md and asserted by test/drivers/draeger-medibus/oracle.test.ts.
// Run after a build:  node dist/scripts/make-medibus-captures.js
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CMD, encodeCommand, encodeRealtimeRecord, encodeResponse, hex2 } from '../drivers/draeger-medibus/protocol.js';
import { packageRoot } from '../src/core/paths.js';

const rtItem = (code: number, intervalUs: number, min: number, max: number) =>
  `${hex2(code)}${String(intervalUs).padStart(8)}${String(min).padStart(5)}${String(max).padStart(5)}FFF`;

/** Inserts `inner` after `at` bytes of `outer` (a command or realtime bytes inside a response). */
const inside = (outer: Buffer, at: number, inner: Buffer) => Buffer.concat([outer.subarray(0, at), inner, outer.subarray(at)]);

/** Data items: 2 hex digits of code + the value right-aligned in `width` characters. */
const items = (width: number, list: Array<[number, string]>) => list.map(([code, v]) => hex2(code) + v.padStart(width)).join('');
const cp1 = (list: Array<[number, string]>) => encodeResponse(CMD.measuredCp1, items(4, list));

const parts: Buffer[] = [
  Buffer.from([0x00, 0xff, 0x7e, 0x20]), // line noise before the conversation
  encodeResponse(CMD.icc),
  encodeResponse(CMD.identify, `8260'EvitaXL'07.10:04.03`),
  // Four curves at 50 Hz: Paw -10…100 hPa, flow -150…150 L/min, volume 0…2000 mL, CO2 0…100 mmHg, 12-bit.
  encodeResponse(CMD.realtimeConfig, rtItem(0x00, 20000, -10, 100) + rtItem(0x01, 20000, -150, 150) + rtItem(0x03, 20000, 0, 2000) + rtItem(0x06, 20000, 0, 100)),
  encodeResponse(CMD.configureRealtime),
  // CP1: PIP 22, Pplat 18, Pmean 9, PEEP 5 hPa, VTe 500 mL, MV 7.5 L/min, RR 15, FiO2 40, etCO2 38 mmHg, SpO2 97, I:E 1.0/2.0;
  // a "time changed" command embedded after 10 bytes, and one realtime record (all four streams) after 30.
  inside(
    inside(
      cp1([[0x7d, '22'], [0x74, '18'], [0x73, '9'], [0x78, '5'], [0x88, '500'], [0xb9, '7.5'], [0xd6, '15'], [0xf0, '40'], [0xe6, '38'], [0xeb, '97'], [0xe7, '1.0'], [0xe8, '2.0']]),
      30,
      encodeRealtimeRecord(0b1111, [0x0b9, 0x800, 0x000, 0x000]),
    ),
    10,
    encodeCommand(CMD.timeChanged),
  ),
  encodeResponse(CMD.measuredCp2, items(4, [[0x21, '500'], [0x22, '510']])),
  encodeResponse(CMD.alarmsCp1, `>10PAW HIGH    `),
  encodeResponse(CMD.alarmsCp2),
  encodeResponse(CMD.settings, items(5, [[0x01, '40'], [0x40, '500'], [0x05, '1.20'], [0x09, '15.0'], [0x0b, '5.0'], [0x45, '20.0'], [0x07, '1.0'], [0x08, '2.0']])),
  encodeResponse(CMD.textMessages, `019Mode IPPV\x03`),
  // 25 realtime records of all four streams: Paw rising by one raw step each, flow constant, volume, CO2 zero.
  ...Array.from({ length: 25 }, (_, i) => encodeRealtimeRecord(0b1111, [0x0b9 + i, 0x800, 10 * i, 0])),
  // A corrupted CP1 (one digit changed, checksum left): must be dropped.
  (() => {
    const b = cp1([[0x7d, '22'], [0x74, '18']]);
    b[4] = 0x39;
    return b;
  })(),
  // The device changes its realtime configuration (CO2 sensor gone) and says so with ESC V.
  encodeCommand(CMD.realtimeConfigChanged),
  encodeResponse(CMD.realtimeConfig, rtItem(0x00, 20000, -10, 100) + rtItem(0x01, 20000, -150, 150) + rtItem(0x03, 20000, 0, 2000)),
  encodeResponse(CMD.configureRealtime),
  ...Array.from({ length: 25 }, () => encodeRealtimeRecord(0b0111, [0x100, 0x800, 0x100])),
  // Second poll: SpO2 and etCO2 absent (invalid now), the alarm gone (cleared), mode changed.
  cp1([[0x7d, '24'], [0x74, '18'], [0x73, '10'], [0x78, '5'], [0x88, '480'], [0xb9, '7.2'], [0xd6, '15'], [0xf0, '45']]),
  encodeResponse(CMD.alarmsCp1),
  encodeResponse(CMD.textMessages, `0A9Mode CPAP\x03`),
];

const file = join(packageRoot(), 'fixtures', 'draeger-medibus', 'ventilator-session.bin');
writeFileSync(file, Buffer.concat(parts));
process.stdout.write(`wrote ${file}\n`);
