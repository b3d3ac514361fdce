// IHE ACM alerts (event in OBX-5 under the generic MDC_EVT_ALARM), IHE WCM waveforms (NA/MA arrays with their
// attribute rows), OBX-7 ranges, OBR-3 equipment, and captures saved as plain text (LF, CR LF, CR; no MLLP).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { hl7Pcd01 } from '../../../drivers/hl7-pcd01/index.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type AlarmRecord, type CanonicalRecord, type NumericRecord, type WaveformRecord } from '../../../src/schema/index.js';

const dir = join(packageRoot(), 'fixtures/hl7-pcd01');
const rx = { wallMs: Date.UTC(2026, 5, 1), monoMs: 1 };
const ids = { vehicle: 'V', device: 'mon', driver: 'hl7-pcd01' };

function decodeBytes(bytes: Buffer, chunk = bytes.length): { records: CanonicalRecord[]; frames: number } {
  const records: CanonicalRecord[] = [];
  const dec = hl7Pcd01.offline!({ sentinels: [-999], ackApplication: 'A', ackFacility: '' }, ids);
  for (let i = 0; i < bytes.length; i += chunk) dec.push(bytes.subarray(i, i + chunk), rx, (r) => records.push(r));
  dec.end(rx, (r) => records.push(r));
  return { records, frames: dec.stats.frames };
}
const decodeFile = (file: string) => decodeBytes(readFileSync(join(dir, file)));

t.test('ACM: the specific event comes from OBX-5 when OBX-3 is MDC_EVT_ALARM', async (t) => {
  const { records } = decodeFile('acm-leads-off-desat.hl7');
  const alarms = records as AlarmRecord[];
  t.equal(alarms.length, 2);
  const [leads, desat] = alarms;
  t.same(leads!.code, { code: 196882, ref: 'MDC_EVT_LEADS_OFF' }, 'lead-off is published as lead-off, not as a generic alarm');
  t.equal(leads!.category, 'technical', 'ST in OBX-8: a technical alert');
  t.equal(leads!.priority, 'medium');
  t.equal(leads!.state, 'active');
  t.same(leads!.about, { code: 131328, ref: 'MDC_ECG_ELEC_POTL' });
  t.equal(leads!.alarmId, 'AL42');
  t.same(desat!.code, { code: 196652, ref: 'MDC_EVT_LO_VAL_LT_LIM' });
  t.equal(desat!.category, 'physiological');
  t.equal(desat!.priority, 'high');
  t.same(desat!.source, { serial: '0011223344556677' }, 'the EUI-64 of OBR-3');
  t.ok(alarms.every((r) => isCanonicalRecord(r)));
});

t.test('ACM: a generic alarm whose OBX-5 is not coded stays the generic event', async (t) => {
  const text = readFileSync(join(dir, 'acm-leads-off-desat.hl7'), 'latin1').replace(
    'CWE|196616^MDC_EVT_ALARM^MDC|1.1.1.131328.1|196882^MDC_EVT_LEADS_OFF^MDC',
    'ST|196616^MDC_EVT_ALARM^MDC|1.1.1.131328.1|Leads off',
  );
  const [first] = decodeBytes(Buffer.from(text, 'latin1')).records as AlarmRecord[];
  t.same(first!.code, { code: 196616, ref: 'MDC_EVT_ALARM' });
  t.equal(first!.text, 'Leads off', 'the text the sender gave');
});

t.test('WCM waveforms: counts with resolution, counts with ranges, physical samples, sample period, MA channels', async (t) => {
  const { records } = decodeFile('wcm-waves.hl7');
  t.ok(records.every((r) => isCanonicalRecord(r)), 'every record is canonical');
  const waves = records.filter((r): r is WaveformRecord => r.kind === 'waveform');
  const numerics = records.filter((r): r is NumericRecord => r.kind === 'numeric');
  t.equal(numerics.length, 1, 'the attribute rows are not published as numerics');
  t.same(numerics[0]!.referenceRange, { low: 50, high: 120, text: '50-120' }, 'OBX-7 carried');
  t.same(numerics[0]!.source, { serial: '8899AABBCCDDEEFF' }, 'the EUI-64 of OBR-3 names the equipment');
  const by = (ref: string) => waves.filter((w) => w.metric.ref === ref);
  const ecg2 = by('MDC_ECG_ELEC_POTL_II')[0]!;
  t.same([ecg2.rate, ecg2.unit.ucum, ecg2.scale], [250, 'mV', { factor: 0.005, offset: 0 }], 'resolution row: counts × 0.005 mV');
  t.same(ecg2.samples.slice(0, 4), [0, 100, 200, 1000]);
  t.equal(ecg2.observedAt, '2026-01-01T12:00:00.000Z', 'first sample at OBX-14');
  const pleth = by('MDC_PULS_OXIM_PLETH')[0]!;
  t.equal(pleth.rate, 125);
  t.equal(pleth.unit.ucum, '1');
  t.ok(Math.abs(pleth.scale.factor - 2 / 4095) < 1e-12, 'data range 0..4095 ↔ value range -1..1');
  t.equal(pleth.scale.offset, -1);
  const physical = (s: number, w: WaveformRecord) => s * w.scale.factor + w.scale.offset;
  t.equal(physical(4095, pleth), 1);
  const ecg1 = by('MDC_ECG_ELEC_POTL_I')[0]!;
  t.same([ecg1.rate, ecg1.unit.ucum, ecg1.scale, ecg1.samples], [250, 'mV', { factor: 1, offset: 0 }, [-0.12, 0.05, 1.25]], 'MDC_ATTR_TIME_PD_SAMP 4 ms = 250/s');
  const ibp = by('MDC_PRESS_BLD');
  t.same(
    ibp.map((w) => [w.label, w.samples, w.rate, w.unit.ucum]),
    [
      ['channel 1', [100, 104, 110], 100, 'mm[Hg]'],
      ['channel 2', [12, 13, 14], 100, 'mm[Hg]'],
    ],
    'MA: components are channels, repetitions are samples',
  );
});

t.test('WCM errors: no sample rate, a sample that is not a number', async (t) => {
  const base = readFileSync(join(dir, 'wcm-waves.hl7'), 'latin1');
  const noRate = decodeBytes(Buffer.from(base.replace('0^MDC_ATTR_SAMP_RATE^MDC|1.1.1.1.1|250', '0^MDC_ATTR_SAMP_RATE^MDC|1.1.1.1.1|'), 'latin1'));
  t.notOk(noRate.records.some((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_ECG_ELEC_POTL_II'), 'no rate, no waveform');
  t.ok(noRate.records.some((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_PULS_OXIM_PLETH'), 'the others still decode');
  const bad = decodeBytes(Buffer.from(base.replace('0^100^200^1000', '0^100^x^1000'), 'latin1'));
  t.notOk(bad.records.some((r) => r.kind === 'waveform' && r.metric.ref === 'MDC_ECG_ELEC_POTL_II'));
  // The live path answers such a message with AE: the decoder notes the problem on the frame.
  const { Hl7Decoder } = await import('../../../drivers/hl7-pcd01/decoder.js');
  const { Hl7Frame } = await import('../../../drivers/hl7-pcd01/frame.js');
  const frame = new Hl7Frame(Buffer.from(base.replace('0^100^200^1000', '0^100^x^1000'), 'latin1'));
  new Hl7Decoder(ids, { sentinels: [] }).decode(frame, rx, () => {});
  t.match(frame.problems, [{ code: 102, text: /OBX 2: waveform sample "x" is not a number/ }]);
});

t.test('plain-text captures decode like MLLP ones, whatever the line ends, in any chunking', async (t) => {
  const mllp = decodeFile('ipf-pcd01-request2-awaregateway.mllp').records;
  t.equal(mllp.length, 9);
  const crlf = readFileSync(join(dir, 'ipf-pcd01-request2-awaregateway.hl7'), 'latin1');
  const two = `${crlf}\r\n${readFileSync(join(dir, 'ipf-pcd01-request-nibp.hl7'), 'latin1')}`;
  for (const [name, text] of [
    ['CR LF', two],
    ['LF', two.replace(/\r\n/g, '\n')],
    ['CR', two.replace(/\r\n/g, '\r')],
  ] as const) {
    for (const chunk of [1 << 20, 7]) {
      const { records, frames } = decodeBytes(Buffer.from(text, 'latin1'), chunk);
      t.equal(frames, 2, `${name}, chunks of ${chunk}: two messages`);
      t.same(
        records.slice(0, 9).map((r) => (r as NumericRecord).value),
        mllp.map((r) => (r as NumericRecord).value),
        `${name}, chunks of ${chunk}: same values as the MLLP capture`,
      );
      t.equal(records.length, 12, `${name}: and the NIBP message's three values`);
    }
  }
});

t.test('plain text: lines before the first MSH and batch envelopes are skipped, not decoded', async (t) => {
  const body = readFileSync(join(dir, 'ipf-pcd01-request-nibp.hl7'), 'latin1');
  const { records, frames } = decodeBytes(Buffer.from(`exported by some tool\nFHS|^~\\&\nBHS|^~\\&\n${body}\nBTS|1\nFTS|1\n`, 'latin1'));
  t.equal(frames, 1);
  t.equal(records.length, 3);
});
