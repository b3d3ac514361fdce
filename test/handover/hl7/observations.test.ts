// ORU^R01 observation reports (IHE PCD-01): built from canonical records, read back with node-hl7-client, and fed to
// the project's own PCD-01 decoder, which must read back what was sent.
import t from 'tap';
import { Hl7Decoder } from '../../../drivers/hl7-pcd01/decoder.js';
import { Hl7Frame } from '../../../drivers/hl7-pcd01/frame.js';
import { Hl7Builder } from '../../../src/handover/hl7/index.js';
import { isCanonicalRecord, type CanonicalRecord, type NumericRecord } from '../../../src/schema/index.js';
import { field, only, parse, segments } from './parse.js';
import { ENCOUNTER, iso, monitorCycle, numeric, options, PATIENT, T0, ventilatorCycle } from './records.js';

function feed(b: Hl7Builder, records: readonly CanonicalRecord[], nowMs: number) {
  return records.flatMap((r) => b.onRecord(r, nowMs));
}

t.test('the test records are canonical records', async (t) => {
  for (const r of [...monitorCycle(T0), ...ventilatorCycle(T0)]) t.ok(isCanonicalRecord(r), r.metric.ref);
});

t.test('one ORU^R01 per device per cycle, closed by the next cycle or by tick()', async (t) => {
  const b = new Hl7Builder(options());
  t.same(feed(b, [...monitorCycle(T0), ...ventilatorCycle(T0)], T0 + 100), [], 'cycles stay open while they fill');
  t.same(b.tick(T0 + 1000), [], 'not quiet long enough yet');
  const closedByNext = feed(b, monitorCycle(T0 + 5000, 118), T0 + 5100);
  t.equal(closedByNext.length, 1, "the monitor's next report closes its previous cycle");
  const first = parse(closedByNext[0]!.body);
  t.same(
    segments(first, 'OBX').map((o) => [field(o, '3.2'), field(o, '5')]),
    [
      ['MDC_ECG_HEART_RATE', '112'],
      ['MDC_PULS_OXIM_SAT_O2', '91'],
      ['MDC_PRESS_BLD_NONINV_SYS', '98'],
      ['MDC_PRESS_BLD_NONINV_DIA', '61'],
      ['MDC_PRESS_BLD_NONINV_MEAN', '73'],
    ],
    'the first cycle, and only the monitor',
  );
  const byTick = b.tick(T0 + 8000);
  t.equal(byTick.length, 2, 'tick closes the quiet ventilator and the second monitor cycle');
  const vent = byTick.map((m) => parse(m.body)).find((m) => field(only(m, 'OBR'), '3.4') === 'L');
  t.ok(vent, 'the ventilator (no EUI-64) has its own message');
  t.same(segments(vent!, 'OBX').map((o) => field(o, '3.2')), ['MDC_VENT_PRESS_AWAY_END_EXP_POS', 'MDC_CONC_AWAY_O2_INSP'], 'values 300 ms apart are one cycle');
  t.same(b.tick(T0 + 60_000), [], 'nothing left open');
  const ids = [...closedByNext, ...byTick].map((m) => m.id);
  t.equal(new Set(ids).size, 3, 'MSH-10 unique');
  for (const m of [...closedByNext, ...byTick]) {
    t.equal(field(only(parse(m.body), 'MSH'), '10'), m.id, 'MSH-10 is the stored id');
    t.equal(m.type, 'ORU^R01');
  }
});

t.test('a repeated metric starts the next cycle even at the same time', async (t) => {
  const b = new Hl7Builder(options());
  feed(b, monitorCycle(T0), T0);
  const out = b.onRecord(numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 113, T0 + 200), T0 + 200);
  t.equal(out.length, 1);
  t.equal(segments(parse(out[0]!.body), 'OBX').length, 5);
});

t.test('a new encounter closes the cycle of the old one', async (t) => {
  const b = new Hl7Builder(options());
  feed(b, monitorCycle(T0).slice(0, 2), T0);
  const out = b.onRecord({ ...monitorCycle(T0)[2]!, encounter: 'ENC-NEXT' }, T0 + 10);
  t.equal(out.length, 1);
  t.equal(segments(parse(out[0]!.body), 'OBX').length, 2, 'the old encounter keeps its own values');
  t.equal(field(only(parse(b.tick(T0 + 5000)[0]!.body), 'PV1'), '19.1'), 'ENC-NEXT');
});

t.test('MSH, PID, PV1, OBR and OBX fields as IHE PCD-01 has them', async (t) => {
  const b = new Hl7Builder(options());
  feed(b, monitorCycle(T0 + 250), T0 + 300);
  const [m] = b.tick(T0 + 10_000);
  const msg = parse(m!.body);
  const msh = only(msg, 'MSH');
  t.equal(field(msh, '3.1'), 'AMBULINK');
  t.equal(field(msh, '4.1'), 'RESCUE-NORTH');
  t.equal(field(msh, '5.1'), 'MIRTH');
  t.equal(field(msh, '6.1'), 'ST-MARY-ED');
  t.equal(field(msh, '7'), '20261125100010+0000', 'MSH-7 from the clock the builder was given, UTC');
  t.same([field(msh, '9.1'), field(msh, '9.2'), field(msh, '9.3')], ['ORU', 'R01', 'ORU_R01']);
  t.ok(m!.id.length > 0 && m!.id.length <= 20, 'MSH-10 fits HL7 2.6');
  t.equal(field(msh, '11'), 'P');
  t.equal(field(msh, '12'), '2.6');
  t.same([field(msh, '15'), field(msh, '16')], ['NE', 'AL']);
  t.same([1, 2, 3, 4].map((c) => field(msh, `21.${c}`)), ['IHE_PCD_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.1.1.1', 'ISO']);
  const pid = only(msg, 'PID');
  t.same([field(pid, '3.1'), field(pid, '3.4'), field(pid, '3.5')], ['EMS-2026-118734', 'RESCUE-NORTH', 'PI'], 'PID-3 with its assigning authority');
  t.same([field(pid, '5.1'), field(pid, '5.2')], ['Doe', 'Jane']);
  t.equal(field(pid, '8'), 'F');
  const pv1 = only(msg, 'PV1');
  t.equal(field(pv1, '2'), 'E');
  t.equal(field(pv1, '3.1'), 'AMB-07');
  t.same([field(pv1, '19.1'), field(pv1, '19.5')], [ENCOUNTER, 'VN']);
  const obr = only(msg, 'OBR');
  t.same([field(obr, '3.1'), field(obr, '3.3'), field(obr, '3.4')], [m!.id, '00095CFFFE4A21B7', 'EUI-64'], 'OBR-3 filler order with the equipment');
  t.same([field(obr, '4.1'), field(obr, '4.2'), field(obr, '4.3')], ['182777000', 'monitoring of patient', 'SCT']);
  t.equal(field(obr, '7'), '20261125100000.250+0000', 'OBR-7 with milliseconds');
  const obx = segments(msg, 'OBX');
  t.equal(obx.length, 5);
  const hr = obx[0]!;
  t.same([field(hr, '1'), field(hr, '2')], ['1', 'NM']);
  t.same([field(hr, '3.1'), field(hr, '3.2'), field(hr, '3.3')], ['147842', 'MDC_ECG_HEART_RATE', 'MDC']);
  t.equal(field(hr, '4'), '1.0.0.1');
  t.equal(field(hr, '5'), '112');
  t.same([field(hr, '6.1'), field(hr, '6.2'), field(hr, '6.3')], ['264864', 'MDC_DIM_BEAT_PER_MIN', 'MDC']);
  t.equal(field(hr, '11'), 'R');
  t.equal(field(hr, '14'), '20261125100000.250+0000');
  t.same([field(hr, '18.1'), field(hr, '18.2')], ['00095CFFFE4A21B7', 'EUI-64']);
  t.same(obx.map((o) => field(o, '4')), ['1.0.0.1', '1.0.0.2', '1.0.0.3', '1.0.0.4', '1.0.0.5']);
  t.ok(m!.body.endsWith('\r') && !m!.body.includes('\n'), 'CR segment ends only');
});

t.test('validity becomes OBX-11; an invalid value is sent as X with no value; units without MDC code as UCUM', async (t) => {
  const b = new Hl7Builder(options());
  feed(
    b,
    [
      numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', null, T0),
      numeric('mon', 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 88, T0, { validity: 'questionable' }),
      numeric('mon', 'MDC_TEMP', 'MDC_DIM_DEGC', 0.0000001, T0, { unit: { ucum: 'Cel' } }),
      numeric('mon', 'MDC_RESP_RATE', 'MDC_DIM_RESP_PER_MIN', -2.5e-8, T0),
      numeric('mon', 'MDC_PULS_OXIM_PULS_RATE', 'MDC_DIM_BEAT_PER_MIN', 3e21, T0),
    ],
    T0,
  );
  const obx = segments(parse(b.tick(T0 + 5000)[0]!.body), 'OBX');
  t.same([field(obx[0]!, '5'), field(obx[0]!, '11')], ['', 'X']);
  t.same([field(obx[1]!, '5'), field(obx[1]!, '11')], ['88', 'P']);
  t.equal(field(obx[2]!, '5'), '0.0000001', 'never an exponent in an NM');
  t.same([field(obx[2]!, '6.1'), field(obx[2]!, '6.3')], ['Cel', 'UCUM']);
  t.equal(field(obx[3]!, '5'), '-0.000000025');
  t.equal(field(obx[4]!, '5'), '3000000000000000000000');
});

t.test('|^~\\& and line breaks in text are escaped by the library, never split a field', async (t) => {
  const hostile = { ...PATIENT, name: { family: "O'Brien|X^Y", given: 'A~B\\C&D\rE' } };
  const b = new Hl7Builder(options({ encounter: () => hostile, sendingApplication: 'AMBU|LINK' }));
  feed(b, monitorCycle(T0), T0);
  const [m] = b.tick(T0 + 5000);
  t.match(m!.body, /O'Brien\\F\\X\\S\\Y\^A\\R\\B\\E\\C\\T\\D E/, 'escape sequences on the wire');
  const msg = parse(m!.body);
  const pid = only(msg, 'PID');
  t.equal(field(pid, '5.1'), "O'Brien|X^Y");
  t.equal(field(pid, '5.2'), 'A~B\\C&D E', 'the CR became a space instead of ending the segment');
  t.equal(field(only(msg, 'MSH'), '3.1'), 'AMBU|LINK');
  t.equal(segments(msg, 'OBX').length, 5, 'no segment lost or added');
});

t.test('records with no encounter are not sent, and counted', async (t) => {
  const b = new Hl7Builder(options());
  const { encounter: _, ...unassociated } = numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 80, T0);
  t.same(b.onRecord(unassociated, T0), []);
  t.same(b.tick(T0 + 60_000), []);
  t.equal(b.skipped.get('no-encounter'), 1);
});

t.test('a backlog from a closed encounter names that encounter, not the open one', async (t) => {
  const b = new Hl7Builder(options());
  feed(b, monitorCycle(T0).map((r) => ({ ...r, encounter: 'ENC-OLD' })), T0);
  const pid = only(parse(b.tick(T0 + 5000)[0]!.body), 'PID');
  t.equal(field(pid, '3.1'), 'ENC-OLD');
  t.equal(field(pid, '5.1'), '', 'no name from another encounter');
});

t.test('waveforms are not sent over HL7, and counted', async (t) => {
  const b = new Hl7Builder(options());
  const wave = {
    ...numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 1, T0),
    kind: 'waveform' as const,
    rate: 250,
    scale: { factor: 1, offset: 0 },
    samples: [1, 2, 3],
  };
  const { value: _v, ...waveform } = wave;
  t.same(b.onRecord(waveform, T0), []);
  t.equal(b.skipped.get('waveform'), 1);
});

t.test('control ids stay unique when many messages are built in the same millisecond', async (t) => {
  const b = new Hl7Builder(options());
  const ids = new Set<string>();
  for (let i = 0; i < 500; i++) {
    for (const m of b.onRecord(numeric('mon', 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 60 + (i % 50), T0 + i * 1000), T0)) ids.add(m.id);
  }
  t.equal(ids.size, 499);
  t.ok([...ids].every((id) => id.length <= 20));
});

t.test("round trip: the project's own PCD-01 decoder reads back what was sent", async (t) => {
  const b = new Hl7Builder(options());
  const sent = [...monitorCycle(T0 + 250), numeric('mon', 'MDC_TEMP', 'MDC_DIM_DEGC', 37.4, T0 + 250, { unit: { ucum: 'Cel' } })];
  feed(b, sent, T0 + 300);
  const [m] = b.tick(T0 + 5000);
  const frame = new Hl7Frame(Buffer.from(m!.body, 'utf8'));
  const back: CanonicalRecord[] = [];
  new Hl7Decoder({ vehicle: 'AMB-07', device: 'mon', driver: 'hl7-pcd01' }, { sentinels: [-999] }).decode(frame, { wallMs: T0 + 6000, monoMs: 9 }, (r) => back.push(r));
  t.same(frame.problems, [], 'no problems found');
  t.equal(frame.unmapped, 0, 'every code and unit known');
  t.same(
    (back as NumericRecord[]).map((r) => [r.metric, r.value, r.unit.ucum, r.validity, r.observedAt, r.source?.serial]),
    sent.map((r) => [r.metric, r.value, r.unit.ucum, 'valid', iso(T0 + 250), '00095CFFFE4A21B7']),
  );
});
