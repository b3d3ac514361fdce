// ORU^R40 alert reports (IHE PCD-04): one per alarm state change, read back with node-hl7-client and by the project's
// own PCD-04 decoder.
import t from 'tap';
import { Hl7Decoder } from '../../../drivers/hl7-pcd01/decoder.js';
import { Hl7Frame } from '../../../drivers/hl7-pcd01/frame.js';
import { Hl7Builder } from '../../../src/handover/hl7/index.js';
import { isCanonicalRecord, type AlarmRecord, type CanonicalRecord } from '../../../src/schema/index.js';
import { field, only, parse, repetitions, segments } from './parse.js';
import { alarm, numeric, options, T0 } from './records.js';

function decode(body: string): { records: CanonicalRecord[]; problems: unknown[] } {
  const frame = new Hl7Frame(Buffer.from(body, 'utf8'));
  const records: CanonicalRecord[] = [];
  new Hl7Decoder({ vehicle: 'AMB-07', device: 'mon', driver: 'hl7-pcd01' }, { sentinels: [] }).decode(frame, { wallMs: T0, monoMs: 1 }, (r) => records.push(r));
  return { records, problems: frame.problems };
}

t.test('the test alarms are canonical records', async (t) => {
  for (const s of ['active', 'acknowledged', 'latched', 'cleared'] as const) t.ok(isCanonicalRecord(alarm(s, T0)), s);
});

t.test('an alarm state change is one ORU^R40 in the ACM shape', async (t) => {
  const b = new Hl7Builder(options());
  b.onRecord(numeric('mon', 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 84, T0 - 1000), T0 - 1000);
  const out = b.onRecord(alarm('active', T0), T0 + 10);
  t.equal(out.length, 1, 'sent at once, not held for a cycle');
  const m = out[0]!;
  t.equal(m.type, 'ORU^R40');
  const msg = parse(m.body);
  const msh = only(msg, 'MSH');
  t.same([field(msh, '9.1'), field(msh, '9.2'), field(msh, '9.3')], ['ORU', 'R40', 'ORU_R40']);
  t.equal(field(msh, '10'), m.id);
  t.same([1, 2, 3, 4].map((c) => field(msh, `21.${c}`)), ['IHE_PCD_ACM_001', 'IHE PCD', '1.3.6.1.4.1.19376.1.6.4.4', 'ISO']);
  t.equal(field(only(msg, 'PID'), '3.1'), 'EMS-2026-118734');
  const obr = only(msg, 'OBR');
  t.same([field(obr, '4.1'), field(obr, '4.2')], ['196616', 'MDC_EVT_ALARM']);
  t.equal(field(obr, '3.1'), 'SpO2-LOW', "the alarm's own id names the alert across its state changes");
  t.equal(field(obr, '7'), '20261125100000+0000');
  const obx = segments(msg, 'OBX');
  const event = obx[0]!;
  t.same([field(event, '2'), field(event, '3.1'), field(event, '3.2')], ['CWE', '196616', 'MDC_EVT_ALARM'], 'the generic alarm row');
  t.same([field(event, '5.1'), field(event, '5.2'), field(event, '5.3'), field(event, '5.9')], ['196652', 'MDC_EVT_LO_VAL_LT_LIM', 'MDC', 'SpO2 LOW'], 'the specific event in OBX-5, the device text as original text');
  t.same(repetitions(event, 8), ['PM', 'SP'], 'priority and alert type in OBX-8');
  t.equal(field(event, '14'), '20261125100000+0000');
  t.same([field(event, '18.1'), field(event, '18.2')], ['00095CFFFE4A21B7', 'EUI-64']);
  const source = obx[1]!;
  t.same([field(source, '2'), field(source, '3.2'), field(source, '5'), field(source, '6.2')], ['NM', 'MDC_PULS_OXIM_SAT_O2', '84', 'MDC_DIM_PERCENT'], 'the source with its latest value');
  const attrs = Object.fromEntries(obx.slice(2).map((o) => [`${field(o, '3.1')} ${field(o, '3.2')}`, field(o, '5')]));
  t.same(attrs, {
    '68481 MDC_ATTR_EVENT_PHASE': 'start',
    '68482 MDC_ATTR_ALARM_STATE': 'active',
    '68483 MDC_ATTR_ALARM_INACTIVATION_STATE': 'enabled',
    '68484 MDC_ATTR_ALARM_PRIORITY': 'PM',
    '68485 MDC_ATTR_ALERT_TYPE': 'SP',
  });
  t.same(obx.map((o) => field(o, '4')), [1, 2, 3, 4, 5, 6, 7].map((f) => `1.0.0.150456.${f}`), 'facets under the source metric');
  t.same(obx.map((o) => field(o, '1')), ['1', '2', '3', '4', '5', '6', '7']);
});

t.test('repeats of a state are not resent; each change is; a cleared alarm starts afresh', async (t) => {
  const b = new Hl7Builder(options());
  const phases = (r: AlarmRecord, now: number) =>
    b.onRecord(r, now).map((m) => {
      const attrs = Object.fromEntries(segments(parse(m.body), 'OBX').map((o) => [field(o, '3.2'), field(o, '5')]));
      return [attrs.MDC_ATTR_EVENT_PHASE, attrs.MDC_ATTR_ALARM_STATE, attrs.MDC_ATTR_ALARM_INACTIVATION_STATE];
    });
  t.same(phases(alarm('active', T0), T0), [['start', 'active', 'enabled']]);
  t.same(phases(alarm('active', T0 + 1000), T0 + 1000), [], 'same state again: nothing');
  t.same(phases(alarm('active', T0 + 2000, { priority: 'high' }), T0 + 2000), [['update', 'active', 'enabled']], 'escalated');
  t.same(phases(alarm('acknowledged', T0 + 3000, { priority: 'high' }), T0 + 3000), [['update', 'active', 'alert-acknowledged']]);
  t.same(phases(alarm('latched', T0 + 4000, { priority: 'high' }), T0 + 4000), [['update', 'latched', 'enabled']]);
  t.same(phases(alarm('cleared', T0 + 5000, { priority: 'high' }), T0 + 5000), [['end', 'inactive', 'enabled']]);
  t.same(phases(alarm('active', T0 + 6000), T0 + 6000), [['start', 'active', 'enabled']], 'a new activation starts again');
  t.equal(b.skipped.get('alarm-unchanged'), 1);
});

t.test('an alarm without an MDC code or a known value, technical; its text escaped', async (t) => {
  const b = new Hl7Builder(options());
  const { code: _c, ...noCode } = alarm('active', T0, { text: 'LEADS OFF | check ^V1~V2 \\ & more', category: 'technical', priority: 'low', alarmId: 'tech|1' });
  const [m] = b.onRecord(noCode, T0);
  const msg = parse(m!.body);
  const obx = segments(msg, 'OBX');
  const [event, source] = obx;
  t.same([field(event!, '3.1'), field(event!, '5.1'), field(event!, '5.9')], ['196616', '', 'LEADS OFF | check ^V1~V2 \\ & more'], 'the generic alarm, told by its text');
  t.same(repetitions(event!, 8), ['PL', 'ST']);
  t.same([field(source!, '2'), field(source!, '3.1'), field(source!, '5')], ['', '150456', ''], 'the source named, no value seen yet');
  t.equal(field(only(msg, 'OBR'), '3.1'), 'tech|1');
  t.equal(obx.length, 7, 'no row split by the text');
  const { about: _a, ...noSource } = alarm('active', T0, { alarmId: 'other' });
  const rows = segments(parse(b.onRecord(noSource, T0)[0]!.body), 'OBX');
  t.same(rows.map((o) => field(o, '4')), ['1.0.0.0.1', '1.0.0.0.3', '1.0.0.0.4', '1.0.0.0.5', '1.0.0.0.6', '1.0.0.0.7'], 'no source row; the facets keep their numbers');
});

t.test("round trip: the project's PCD-04 decoder reads back each state", async (t) => {
  const b = new Hl7Builder(options());
  b.onRecord(numeric('mon', 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 84, T0 - 1000), T0 - 1000);
  // Not compared: the text (the decoder names a coded ACM event by its codes and does not read CWE-9), and the
  // acknowledged state (ACM's "alert-acknowledged" inactivation state, which the decoder reads as active).
  const sent = [
    alarm('active', T0),
    alarm('latched', T0 + 2000, { priority: 'high' }),
    alarm('cleared', T0 + 3000, { priority: 'high', category: 'technical' }),
    alarm('active', T0 + 4000, { priority: 'low', about: undefined, alarmId: 'no-source' }),
  ];
  for (const a of sent) {
    const [m] = b.onRecord(a, Date.parse(a.observedAt));
    const { records, problems } = decode(m!.body);
    t.same(problems, []);
    t.equal(records.length, 1, a.state);
    const back = records[0] as AlarmRecord;
    t.same(
      [back.alarmId, back.code, back.about, back.priority, back.category, back.state, back.observedAt, back.source?.serial, back.kind],
      [a.alarmId, a.code, a.about, a.priority, a.category, a.state, a.observedAt, a.source?.serial, 'alarm'],
      a.state,
    );
  }
});

t.test('an alarm with no encounter is not sent, and counted', async (t) => {
  const b = new Hl7Builder(options());
  const { encounter: _e, ...unassociated } = alarm('active', T0);
  t.same(b.onRecord(unassociated, T0), []);
  t.equal(b.skipped.get('no-encounter'), 1);
});
