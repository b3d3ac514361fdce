// Writes the philips-intellivue capture fixtures (see fixtures/philips-intellivue/PROVENANCE.md):
//   node dist/scripts/make-intellivue-fixtures.js
// reference-numerics.{mib,lan}: a numeric poll result built from the protocol reference's worked values (FLOATType
// examples and special values, MeasurementState bits); sim-*.{lan,mib}: what the simulated monitor sends a client
// that associates, asks for waves and polls — run on a simulated clock, so the timing is exact and repeatable.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeMibFrame } from '../drivers/philips-intellivue/mib-framer.js';
import { pollResult, writeAttributeList } from '../drivers/philips-intellivue/messages.js';
import { ATTR, MOC, MSMT } from '../drivers/philips-intellivue/nomenclature.js';
import { recordMonitor } from '../drivers/philips-intellivue/simulator/recording.js';
import { Writer, writeString } from '../drivers/philips-intellivue/wire.js';
import { packageRoot } from '../src/core/paths.js';

const dir = join(packageRoot(), 'fixtures', 'philips-intellivue');

/** [physio id, state, unit code, FLOATType bits, label] as in the reference (protocols.md §3.3 and the vectors). */
const REFERENCE_NUMERICS: Array<[number, number, number, number, string]> = [
  [0x4182, 0, 0x0aa0, 0x00000048, 'HR'], // 72 /min
  [0x4bb8, 0, 0x0220, 0x00000062, 'SpO2'], // 98 %
  [0x4b48, 0, 0x17a0, 0xff000170, 'Temp'], // 36.8 °C
  [0x4b64, 0, 0x17a0, 0xff00017d, 'Tesoph'], // 38.1 °C; 0x7D must be escaped on the serial line
  [0x7004, 0, 0x03e0, 0xfe0002e4, 'pH'], // 7.40
  [0x500a, 0, 0x0ae0, 0x007fffff, 'RR'], // NaN → invalid
  [0x50b0, 0, 0x0f20, 0x00800000, 'etCO2'], // NRes → invalid
  [0x4a1f, 0, 0x0f20, 0x007ffffe, 'PAP'], // +∞ → invalid
  [0x4a47, 0, 0x0f20, 0x00800002, 'CVP'], // −∞ → invalid
  [0x4822, MSMT.QUESTIONABLE, 0x0aa0, 0x00000048, 'Pulse'],
  [0x4b60, MSMT.UNAVAILABLE, 0x17a0, 0xff000171, 'Tcore'],
  [0x0302, MSMT.CALIBRATION_ONGOING, 0x0512, 0xff000002, 'ST-II'],
  [0x5012, MSMT.DEMO_DATA, 0x0ae0, 0x0000000e, 'awRR'],
  [0x4b74, MSMT.INVALID, 0x17a0, 0xff00014b, 'Tskin'], // a plausible 33.1 that the state says is invalid
];

function referenceMessages(): Buffer[] {
  const observations = REFERENCE_NUMERICS.map(([physio, state, unit, float, label], i) => {
    const w = new Writer();
    writeAttributeList(w, (list) => {
      list.attr(ATTR.NU_VAL_OBS, (v) => v.u16(physio).u16(state).u16(unit).u32(float));
      list.attr(ATTR.ID_LABEL_STRING, (v) => writeString(v, label));
    });
    return { handle: 0x10 + i, attributes: w.toBuffer() };
  });
  const nbp = new Writer();
  writeAttributeList(nbp, (list) => {
    list.attr(ATTR.NU_CMPD_VAL_OBS, (v) => {
      v.u16(3).u16(30);
      v.u16(0x4a05).u16(0).u16(0x0f20).u32(0x00000078); // 120
      v.u16(0x4a06).u16(0).u16(0x0f20).u32(0x00000050); // 80
      v.u16(0x4a07).u16(0).u16(0x0f20).u32(0x0000005d); // 93
    });
    list.attr(ATTR.ID_LABEL_STRING, (v) => writeString(v, 'NBP'));
  });
  observations.push({ handle: 0x40, attributes: nbp.toBuffer() });
  const reply = { invokeId: 1, extended: false, pollNumber: 1, sequenceNo: 0, relTime: 0x000abd00, absTime: undefined, objectClass: MOC.NUMERIC };
  return [pollResult(reply, observations)];
}

const lan = (messages: Buffer[]) => Buffer.concat(messages);
const mib = (messages: Buffer[]) => Buffer.concat(messages.map((m) => encodeMibFrame(m)));

/** Serial line trouble: every 7th frame has a flipped bit (bad FCS), every 11th is preceded by noise. */
function withLineFaults(messages: Buffer[]): Buffer {
  return Buffer.concat(
    messages.flatMap((m, i) => {
      const frame = Buffer.from(encodeMibFrame(m));
      if (i % 7 === 3) frame[Math.floor(frame.length / 2)]! ^= 0x10;
      return i % 11 === 5 ? [Buffer.from([0x13, 0x37, 0xc1, 0x7d, 0x00, 0xff]), frame] : [frame];
    }),
  );
}

const reference = referenceMessages();
writeFileSync(join(dir, 'reference-numerics.mib'), mib(reference));
writeFileSync(join(dir, 'reference-numerics.lan'), lan(reference));
writeFileSync(join(dir, 'sim-desaturation.lan'), lan(recordMonitor({ scenario: 'desaturation', seconds: 30, waves: ['ecg-ii', 'pleth', 'co2'], seed: 42 })));
writeFileSync(join(dir, 'sim-stemi.mib'), mib(recordMonitor({ scenario: 'stemi', seconds: 8, waves: ['ecg-ii', 'ecg-iii', 'pleth', 'abp', 'co2'], seed: 7 })));
writeFileSync(join(dir, 'sim-leads-off-line-faults.mib'), withLineFaults(recordMonitor({ scenario: 'leads-off', seconds: 6, waves: ['ecg-ii', 'pleth'], seed: 3 })));
process.stdout.write(`fixtures written to ${dir}\n`);
