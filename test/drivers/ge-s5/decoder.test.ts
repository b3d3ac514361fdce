// Decoder rules on records built field by field: the etCO2 conversion, flags, waves cut around invalid samples,
// invasive-pressure sites, alarms appearing and clearing.
import t from 'tap';
import { writeAlarmStatus } from '../../../drivers/ge-s5/alarms.js';
import { GeS5Decoder } from '../../../drivers/ge-s5/decoder.js';
import { displayedValuesRecord } from '../../../drivers/ge-s5/monitor.js';
import { BASIC, BLOCK_OFFSET } from '../../../drivers/ge-s5/phdb.js';
import { MT_ALARM, MT_WAVE, SR_ALARM_STATUS, buildRecord } from '../../../drivers/ge-s5/record.js';
import { SimPatient } from '../../../drivers/sdk/sim-patient.js';
import { isCanonicalRecord, type AlarmRecord, type CanonicalRecord, type NumericRecord, type WaveformRecord } from '../../../src/schema/index.js';

const ids = { vehicle: 'V', device: 'mon', driver: 'ge-s5' };
const T0 = Date.UTC(2026, 0, 1, 8);

function run(dec: GeS5Decoder, rec: Buffer, wallMs = T0): CanonicalRecord[] {
  const out: CanonicalRecord[] = [];
  dec.decode(rec, { wallMs, monoMs: wallMs - T0 + 1 }, (r) => out.push(r));
  for (const r of out) if (!isCanonicalRecord(r)) throw new Error(`not canonical: ${JSON.stringify(r)}`);
  return out;
}

/** A basic-only displayed-values record whose co2 group is rewritten. */
function withCo2(et: number, amb: number): Buffer {
  const rec = displayedValuesRecord(new SimPatient('normal', T0, () => 0.5), T0, 0, 10);
  const co2 = BASIC.find((g) => g.name === 'co2')!;
  const at = 40 + BLOCK_OFFSET + co2.offset;
  rec.writeInt16LE(et, at + 6);
  rec.writeInt16LE(amb, at + 12);
  return rec;
}

const byCode = (records: CanonicalRecord[], code: string) => records.find((r) => r.kind === 'numeric' && r.vendor?.code === code) as NumericRecord;

t.test('etCO2: % of the monitor’s own ambient pressure, in mmHg; in % when the ambient pressure is unknown', async (t) => {
  const dec = new GeS5Decoder(ids);
  let et = byCode(run(dec, withCo2(500, 7600)), 'basic.co2.et');
  t.match(et, { value: 38, unit: { ucum: 'mm[Hg]' }, metric: { ref: 'MDC_CONC_AWAY_CO2_EXP' } }, '5.00 % of 760.0 mmHg');
  et = byCode(run(dec, withCo2(512, 6300)), 'basic.co2.et');
  t.equal(et.value, 32.26, '5.12 % at altitude (630.0 mmHg)');
  et = byCode(run(dec, withCo2(500, -32767)), 'basic.co2.et');
  t.match(et, { value: 5, unit: { ucum: '%' } });
  et = byCode(run(dec, withCo2(-32764, 7600)), 'basic.co2.et');
  t.match(et, { value: null, validity: 'invalid', vendor: { name: 'UNDER_RANGE' } });
});

t.test('groups of absent modules say nothing; every value of a present one is a number or flagged', async (t) => {
  const records = run(new GeS5Decoder(ids), displayedValuesRecord(new SimPatient('normal', T0, () => 0.5), T0, 0, 10));
  t.notOk(records.some((r) => (r as NumericRecord).vendor?.code?.toString().startsWith('basic.p3.')), 'p3 not plugged in');
  t.match(byCode(records, 'basic.p1.sys'), { metric: { ref: 'MDC_PRESS_BLD_ART_SYS' }, label: 'P1 ART sys' });
  t.match(byCode(records, 'basic.p2.mean'), { metric: { ref: 'MDC_PRESS_BLD_VEN_CENT_MEAN' } });
  t.match(byCode(records, 'basic.p2.hr'), { value: null, validity: 'invalid' });
  t.equal(byCode(records, 'basic.ecg.hr').observedAt, new Date(T0).toISOString(), 'the subrecord time');
});

function waveRec(id: number, samples: number[]): Buffer {
  const body = Buffer.alloc(6 + 2 * samples.length);
  body.writeInt16LE(samples.length, 0);
  samples.forEach((s, i) => body.writeInt16LE(s, 6 + 2 * i));
  return buildRecord(MT_WAVE, [{ type: id, body }], T0 / 1000, 10);
}

t.test('waves: timed continuously per channel, cut around flagged samples, named by the channel site', async (t) => {
  const dec = new GeS5Decoder(ids);
  const a = run(dec, waveRec(1, [10, 20, 30]), T0) as WaveformRecord[];
  t.match(a, [{ label: 'ECG1', rate: 300, samples: [10, 20, 30], scale: { factor: 0.01, offset: 0 }, unit: { ucum: 'mV' }, validity: 'valid' }]);
  // 15 samples at 300 Hz = 50 ms later: this block continues the previous one exactly.
  const b = run(dec, waveRec(1, [1, 2, -32767, -32767, 5, 6]), T0 + 20) as WaveformRecord[];
  t.equal(b.length, 2, 'cut around the invalid samples');
  t.same(b.map((r) => r.samples), [[1, 2], [5, 6]]);
  const start = Date.parse(a[0]!.observedAt) + 10;
  t.equal(Date.parse(b[0]!.observedAt), start, 'continues where the last block ended');
  t.equal(Date.parse(b[1]!.observedAt), Math.floor(start + (4 * 1000) / 300), 'the second run starts 4 samples later (ISO time keeps whole ms)');
  const dead = run(dec, waveRec(2, [-32767, -32767]), T0 + 40) as WaveformRecord[];
  t.match(dead, [{ label: 'ECG2', samples: [], validity: 'invalid' }], 'nothing measurable: one invalid, empty block');
  t.same(run(dec, waveRec(99, [1, 2, 3])), [], 'an unknown wave id is skipped');
  t.equal((run(dec, waveRec(4, [100]))[0] as WaveformRecord).metric.ref, 'MDC_PRESS_BLD', 'INVP1 before its site is known');
  run(dec, displayedValuesRecord(new SimPatient('normal', T0, () => 0.5), T0, 0, 10));
  t.equal((run(dec, waveRec(4, [100]))[0] as WaveformRecord).metric.ref, 'MDC_PRESS_BLD_ART', 'INVP1 after p1 said ART');
});

t.test('alarms: appearances, priority changes and disappearances in differential mode', async (t) => {
  const dec = new GeS5Decoder(ids);
  const status = (alarms: Parameters<typeof writeAlarmStatus>[0]) =>
    run(dec, buildRecord(MT_ALARM, [{ type: SR_ALARM_STATUS, body: writeAlarmStatus(alarms) }], T0 / 1000, 10)) as AlarmRecord[];
  t.match(status([{ text: 'SpO2 LOW', priority: 'medium' }]), [{ text: 'SpO2 LOW', priority: 'medium', state: 'active', category: 'physiological', about: { ref: 'MDC_PULS_OXIM_SAT_O2' } }]);
  t.match(status([{ text: 'SpO2 LOW', priority: 'high' }, { text: 'LEADS OFF', priority: 'low' }]), [
    { text: 'SpO2 LOW', priority: 'high', state: 'active' },
    { text: 'LEADS OFF', category: 'technical', state: 'active' },
  ]);
  t.same(status([{ text: 'SpO2 LOW', priority: 'high' }, { text: 'LEADS OFF', priority: 'low' }]), [], 'no change, nothing new');
  t.match(status([]), [
    { text: 'SpO2 LOW', state: 'cleared' },
    { text: 'LEADS OFF', state: 'cleared' },
  ]);
});
