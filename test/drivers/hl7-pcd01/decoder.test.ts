// The decoder on the real PCD-01 samples and on hand-made messages for every rule it applies.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Hl7Frame } from '../../../drivers/hl7-pcd01/frame.js';
import { hl7Pcd01 } from '../../../drivers/hl7-pcd01/index.js';
import { Hl7Decoder } from '../../../drivers/hl7-pcd01/decoder.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, type AlarmRecord, type CanonicalRecord, type NumericRecord } from '../../../src/schema/index.js';

const dir = join(packageRoot(), 'fixtures/hl7-pcd01');
const rx = { wallMs: Date.UTC(2026, 0, 1), monoMs: 1 };
const ids = { vehicle: 'V', device: 'mon', driver: 'hl7-pcd01' };

function decodeFile(file: string): CanonicalRecord[] {
  const out: CanonicalRecord[] = [];
  const dec = hl7Pcd01.offline!({ sentinels: [-999, -99.9, -100, -10000], ackApplication: 'A', ackFacility: '' }, ids);
  dec.push(readFileSync(join(dir, file)), rx, (r) => out.push(r));
  dec.end(rx, (r) => out.push(r));
  return out;
}

function decodeText(text: string): { records: CanonicalRecord[]; frame: Hl7Frame } {
  const frame = new Hl7Frame(Buffer.from(text.replace(/\n/g, '\r'), 'latin1'));
  const records: CanonicalRecord[] = [];
  new Hl7Decoder(ids, { sentinels: [-999, -99.9, -100, -10000] }).decode(frame, rx, (r) => records.push(r));
  return { records, frame };
}

const MSH = 'MSH|^~\\&|MON^0011223344556677^EUI-64|F|||20260101120000+0000||ORU^R01^ORU_R01|C1|P|2.6|||NE|AL';

t.test('the IHE NIBP example decodes completely', async (t) => {
  const records = decodeFile('ipf-pcd01-request-nibp.mllp') as NumericRecord[];
  t.same(
    records.map((r) => [r.metric.code, r.metric.ref, r.value, r.unit.ucum, r.unit.mdc, r.validity]),
    [
      [150021, 'MDC_PRESS_BLD_NONINV_SYS', 120, 'mm[Hg]', 266016, 'valid'],
      [150022, 'MDC_PRESS_BLD_NONINV_DIA', 80, 'mm[Hg]', 266016, 'valid'],
      [150023, 'MDC_PRESS_BLD_NONINV_MEAN', 100, 'mm[Hg]', 266016, 'valid'],
    ],
  );
  t.equal(records[0]!.observedAt, '2009-08-13T04:57:15.000Z', 'OBR-7 with its +0500 offset');
  t.same(records[0]!.source, { serial: 'ACDE48234567ABCD' }, 'the EUI-64 of MSH-3');
  t.ok(records.every((r) => isCanonicalRecord(r)));
});

t.test("GE AwareGateway's UCUM-unit message decodes completely", async (t) => {
  const records = decodeFile('ipf-pcd01-request2-awaregateway.mllp') as NumericRecord[];
  t.same(
    records.map((r) => [r.metric.code, r.value, r.unit.ucum]),
    [
      [147842, 60, '/min'],
      [148065, 0, '/min'],
      [150035, 92, 'mm[Hg]'],
      [150033, 120, 'mm[Hg]'],
      [150034, 80, 'mm[Hg]'],
      [149522, 60, '/min'],
      [150047, 14, 'mm[Hg]'],
      [150045, 25, 'mm[Hg]'],
      [150046, 10, 'mm[Hg]'],
    ],
  );
  t.equal(records[0]!.observedAt, new Date(2008, 11, 11, 14, 45, 0).toISOString(), 'no offset: local time');
  t.match(records[0]!.vendor, { code: '147842', name: 'MDC_ECG_HEART_RATE @1.6.1.1' });
});

t.test('an ACK is not an observation report', async (t) => {
  t.same(decodeFile('ipf-pcd01-ack.mllp'), []);
});

t.test('MDIL codes, sentinels, OBX-11, OBX-14, processing id', async (t) => {
  const { records, frame } = decodeText(
    [
      MSH,
      'OBR|1|||182777000^monitoring of patient^SCT|||20260101115900+0000',
      'OBX|1|NM|0002-4182^HR^MDIL|1.1.1.1|72|0004-0aa0^bpm^MDIL|||||R',
      'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|-999|262688^MDC_DIM_PERCENT^MDC|||||R',
      'OBX|3|NM|150344^MDC_TEMP^MDC|1.3.1.1|36.7|Cel^Cel^UCUM|||||X',
      'OBX|4|NM|151562^MDC_RESP_RATE^MDC|1.4.1.1|18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||P|||20260101115830-0100',
      'OBX|5|NM|^MDC_PULS_OXIM_PULS_RATE^MDC|1.2.1.2||264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
      'OBX|6|NM|999999^MDC_SOMETHING_NEW^MDC|1.9.1.1|5|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
      'OBX|7||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X',
    ].join('\n'),
  );
  const r = records as NumericRecord[];
  t.equal(r.length, 5);
  t.match(r[0], { metric: { code: 147842 }, value: 72, unit: { ucum: '/min', mdc: 264864 }, label: 'HR', observedAt: '2026-01-01T11:59:00.000Z' });
  t.match(r[1], { metric: { code: 150456 }, value: null, validity: 'invalid' });
  t.match(r[1]!.vendor?.name, /sentinel -999/);
  t.match(r[2], { metric: { code: 150344 }, value: null, validity: 'invalid' }, 'OBX-11 X: cannot be obtained');
  t.match(r[3], { value: 18, validity: 'questionable', observedAt: '2026-01-01T12:58:30.000Z' }, 'P is preliminary; OBX-14 wins');
  t.match(r[4], { metric: { code: 149530 }, value: null, validity: 'unavailable' }, 'code by reference id; empty value');
  t.equal(frame.unmapped, 1, 'an MDC code outside the tables is skipped and counted');
  t.same(frame.problems, []);
  t.ok(records.every((x) => isCanonicalRecord(x)));
  const training = decodeText([MSH.replace('|C1|P|', '|C1|T|'), 'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1|60|/min^/min^UCUM|||||R'].join('\n'));
  t.equal((training.records[0] as NumericRecord).validity, 'demo', 'training messages are not about a patient');
});

t.test('content errors are noted for the ACK and the good rows are kept', async (t) => {
  const { records, frame } = decodeText(
    [
      MSH,
      'OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1|eighty|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
      'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1|97|262688^MDC_DIM_PERCENT^MDC|||||R',
      'OBX|3|NM|150344^MDC_TEMP^MDC|1|37.0||||||R',
    ].join('\n'),
  );
  t.equal(records.length, 1);
  t.same(frame.problems.map((p) => p.code), [102, 101]);
});

t.test('a term code carried only in the containment path is used; an empty OBX-3 is an error', async (t) => {
  const { records, frame } = decodeText(
    [
      MSH,
      'OBX|1|NM||1.7.4.147842|64|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
      'OBX|2|NM||1.7.4.5|64|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
    ].join('\n'),
  );
  t.match(records, [{ metric: { code: 147842 }, value: 64 }]);
  t.same(frame.problems.map((p) => p.code), [101]);
});

t.test('PCD-04 alerts: start and end of an alarm', async (t) => {
  const alert = (phase: string, state: string) =>
    decodeText(
      [
        MSH.replace('ORU^R01^ORU_R01', 'ORU^R40^ORU_R40'),
        'OBR|1|SpO2-LOW^MON|SpO2-LOW^MON|196616^MDC_EVT_ALARM^MDC|||20260101120000+0000',
        'OBX|1|ST|196652^MDC_EVT_LO_VAL_LT_LIM^MDC|1.2.1.150456.1|SpO2 LOW|||PH|||F',
        'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.150456.2|86|262688^MDC_DIM_PERCENT^MDC|90-100|L|||F',
        `OBX|3|ST|^MDC_ATTR_EVENT_PHASE^MDC|1.2.1.150456.3|${phase}||||||F`,
        `OBX|4|ST|^MDC_ATTR_ALARM_STATE^MDC|1.2.1.150456.4|${state}||||||F`,
        'OBX|5|ST|^MDC_ATTR_ALERT_TYPE^MDC|1.2.1.150456.5|SP||||||F',
      ].join('\n'),
    ).records as AlarmRecord[];
  const [start] = alert('start', 'active');
  t.match(start, {
    kind: 'alarm',
    alarmId: 'SpO2-LOW',
    text: 'SpO2 LOW',
    priority: 'high',
    category: 'physiological',
    state: 'active',
    code: { code: 196652 },
    about: { code: 150456 },
  });
  t.ok(isCanonicalRecord(start!));
  const [end] = alert('end', 'inactive');
  t.match(end, { alarmId: 'SpO2-LOW', state: 'cleared' });
});

t.test('the simulator capture: three dialects, sentinels and alerts', async (t) => {
  const records = decodeFile('sim-desaturation.mllp');
  t.ok(records.every((r) => isCanonicalRecord(r)));
  const hr = records.filter((r): r is NumericRecord => r.kind === 'numeric' && r.metric.code === 147842);
  t.equal(hr.length, 15, 'heart rate from every report, whatever the dialect');
  t.ok(hr.some((r) => r.label === 'HR'), 'MDIL rows keep their label');
  t.ok(records.some((r) => r.kind === 'numeric' && r.validity === 'invalid'), 'the −999 report');
  t.ok(records.some((r) => r.kind === 'alarm' && r.text === 'SpO2 LOW' && r.state === 'active'));
  t.ok(records.some((r) => r.kind === 'alarm' && r.state === 'cleared'));
});
