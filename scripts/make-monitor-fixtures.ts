// Builds the monitor fixtures that are not copied from elsewhere, reproducibly (fixed seed and start time):
//   fixtures/ge-s5/sim-stemi.bin             S/5 byte stream from the simulator's encoders (numerics, waves, alarms)
//   fixtures/hl7-pcd01/<sample>.mllp         the real HL7 samples with CR segment ends, MLLP-framed as on the wire
//   fixtures/hl7-pcd01/sim-desaturation.mllp PCD-01 in the three dialects and PCD-04 alerts from the simulator
// Run after a build: node dist/scripts/make-monitor-fixtures.js
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeFrame } from '../drivers/ge-s5/framer.js';
import { alarmStatusRecord, displayedValuesRecord, waveRecord } from '../drivers/ge-s5/monitor.js';
import { CLASS_BIT } from '../drivers/ge-s5/record.js';
import { waveByName } from '../drivers/ge-s5/waves.js';
import { mllp } from '../drivers/hl7-pcd01/framer.js';
import { oruR01, oruR40, type Style } from '../drivers/hl7-pcd01/messages.js';
import { SimPatient } from '../drivers/sdk/sim-patient.js';
import { seededRandom } from '../drivers/sdk/seeded-random.js';
import { packageRoot } from '../src/core/paths.js';

const START = Date.UTC(2026, 0, 1, 8, 0, 0);
const root = packageRoot();

function geStemi(): Buffer {
  const patient = new SimPatient('stemi', START, seededRandom(42), 20);
  const waves = ['ECG1', 'ECG2', 'ECG3', 'INVP1', 'PLETH', 'CO2'].map((n) => ({ wave: waveByName(n)!, sent: 0 }));
  const out: Buffer[] = [];
  let shown = '';
  for (let t = START; t < START + 30_000; t += 50) {
    if ((t - START) % 10_000 === 0) out.push(encodeFrame(displayedValuesRecord(patient, t, CLASS_BIT.ext1 | CLASS_BIT.ext3, 10)));
    const blocks = waves.flatMap((w) => {
      const due = Math.floor(((t + 50 - START) * w.wave.rate) / 1000) - w.sent;
      const block = { wave: w.wave, fromIndex: w.sent, count: due, epochMs: START };
      w.sent += due;
      return due > 0 ? [block] : [];
    });
    out.push(encodeFrame(waveRecord(patient, blocks, t, 10)));
    if ((t - START) % 1000 === 0) {
      const alarms = patient.alarms(patient.vitals(t));
      const key = alarms.map((a) => a.text).join('|');
      if (key !== shown) {
        shown = key;
        out.push(encodeFrame(alarmStatusRecord(alarms, t, 10)));
      }
    }
  }
  return Buffer.concat(out);
}

function hl7Desaturation(): Buffer {
  const random = seededRandom(7);
  const patient = new SimPatient('desaturation', START, random, 20);
  const styles: Style[] = ['mdc', 'ucum', 'mdil'];
  const out: Buffer[] = [];
  let shown: string[] = [];
  for (let i = 0; i < 15; i++) {
    const t = START + i * 5000;
    const v = patient.vitals(t);
    const opts = { controlId: `FIX-${i}`, nowMs: t, style: styles[i % 3]!, eui: '0012A5FFFE5E0D01', sentinel: i === 4 ? 1 : 0, random };
    out.push(mllp(oruR01(v, v.nibp, opts)));
    const alarms = patient.alarms(v);
    for (const a of alarms.filter((a) => !shown.includes(a.text))) out.push(mllp(oruR40(a, 'start', v, { ...opts, controlId: `FIX-${i}-${a.text}` })));
    for (const text of shown.filter((s) => !alarms.some((a) => a.text === s))) {
      const ended = { text, priority: 'high' as const };
      out.push(mllp(oruR40(ended, 'end', v, { ...opts, controlId: `FIX-${i}-${text}-end` })));
    }
    shown = alarms.map((a) => a.text);
  }
  return Buffer.concat(out);
}

writeFileSync(join(root, 'fixtures/ge-s5/sim-stemi.bin'), geStemi());
for (const name of ['ipf-pcd01-request-nibp', 'ipf-pcd01-request2-awaregateway', 'ipf-pcd01-ack']) {
  const text = readFileSync(join(root, 'fixtures/hl7-pcd01', `${name}.hl7`), 'utf8').replace(/\r?\n/g, '\r').replace(/\r+$/, '');
  writeFileSync(join(root, 'fixtures/hl7-pcd01', `${name}.mllp`), mllp(text));
}
writeFileSync(join(root, 'fixtures/hl7-pcd01/sim-desaturation.mllp'), hl7Desaturation());
process.stdout.write('monitor fixtures written\n');
