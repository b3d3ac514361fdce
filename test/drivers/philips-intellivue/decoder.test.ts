// The decoder on crafted poll results: numerics and their validity, wave scaling and masking, alarm lists diffed
// into alarm records, demographics privacy, unmapped codes, demo mode, malformed and fuzzed messages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { IntellivueDecoder, type DemographicsMode } from '../../../drivers/philips-intellivue/decoder.js';
import { LanFramer } from '../../../drivers/philips-intellivue/lan-framer.js';
import { mdsCreateEvent, pollResult, writeAttributeList, type AttributeListWriter, type PollReply } from '../../../drivers/philips-intellivue/messages.js';
import { ALERT_STATE, ALERT_TYPE, ATTR, MODE_OP, MOC, MSMT, SA_EXT_VAL_RANGE } from '../../../drivers/philips-intellivue/nomenclature.js';
import { Writer, writeLabel, writeString } from '../../../drivers/philips-intellivue/wire.js';
import { packageRoot } from '../../../src/core/paths.js';
import { isCanonicalRecord, lastRecordProblems, type AlarmRecord, type CanonicalRecord, type EventRecord, type NumericRecord, type WaveformRecord } from '../../../src/schema/index.js';
import { mutate, seededRandom } from '../../helpers/fuzz.js';

const ids = { vehicle: 'V1', device: 'monitor', driver: 'philips-intellivue' };
const rx = { wallMs: Date.UTC(2026, 0, 1, 12), monoMs: 1000 };

function decoder(demographics: DemographicsMode = 'clinical', live = false) {
  const d = new IntellivueDecoder(ids, { demographics, live, protocol: 'test' });
  const records: CanonicalRecord[] = [];
  return {
    records,
    feed(message: Buffer, at = rx) {
      d.decode(message, at, (r) => {
        if (!isCanonicalRecord(r)) throw new Error(`invalid record ${JSON.stringify(lastRecordProblems())}`);
        records.push(r);
      });
    },
  };
}

function reply(objectClass: number, observations: Array<[number, (list: AttributeListWriter) => void]>, relTime = 80_000): Buffer {
  const r: PollReply = { invokeId: 3, extended: true, pollNumber: 1, sequenceNo: 0, relTime, absTime: undefined, objectClass, linked: { state: 2, count: 1 } };
  return pollResult(
    r,
    observations.map(([handle, fill]) => {
      const w = new Writer();
      writeAttributeList(w, fill);
      return { handle, attributes: w.toBuffer() };
    }),
  );
}

const nu = (physio: number, state: number, unit: number, float: number) => (list: AttributeListWriter) =>
  list.attr(ATTR.NU_VAL_OBS, (w) => w.u16(physio).u16(state).u16(unit).u32(float));

t.test('numerics: value × 10^exponent in its unit; state bits and FLOAT specials decide validity', async (t) => {
  const d = decoder();
  d.feed(
    reply(MOC.NUMERIC, [
      [1, (l) => { nu(0x4182, 0, 0x0aa0, 0x00000048)(l); l.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, 'HR')); }],
      [2, nu(0x4b48, MSMT.QUESTIONABLE | MSMT.IN_ALARM, 0x17a0, 0xff000170)],
      [3, nu(0x4bb8, MSMT.INVALID, 0x0220, 0x00000062)],
      [4, nu(0x500a, 0, 0x0ae0, 0x00800000)],
      [5, nu(0x50b0, MSMT.CALIBRATION_ONGOING, 0x0f20, 0x00000026)],
      [6, nu(0x5012, MSMT.TEST_DATA, 0x0ae0, 0x0000000c)],
      [7, nu(0x4b60, MSMT.UNAVAILABLE, 0x17a0, 0x007fffff)],
    ]),
  );
  const n = d.records as NumericRecord[];
  t.equal(n.length, 7);
  t.match(n[0], { metric: { code: 147842, ref: 'MDC_ECG_HEART_RATE' }, value: 72, unit: { ucum: '/min', mdc: 264864 }, validity: 'valid', label: 'HR', vendor: { code: 0x4182 } });
  t.match(n[1], { metric: { ref: 'MDC_TEMP' }, value: 36.8, unit: { ucum: 'Cel' }, validity: 'questionable' });
  t.match(n[2], { metric: { ref: 'MDC_PULS_OXIM_SAT_O2' }, value: null, validity: 'invalid' }, 'INVALID beats a plausible 98');
  t.match(n[3], { metric: { ref: 'MDC_RESP_RATE' }, value: null, validity: 'invalid' }, 'NRes is no number');
  t.match(n[4], { metric: { ref: 'MDC_AWAY_CO2_ET' }, value: 38, validity: 'calibrating' });
  t.match(n[5], { value: 12, validity: 'demo' }, 'test data is not a patient value');
  t.match(n[6], { value: null, validity: 'unavailable' });
  t.equal(n[0]!.observedAt, '2026-01-01T12:00:00.000Z', 'the first reply anchors the monitor clock at its arrival');
});

t.test('compound values (NIBP) become one record per component, with their own time stamp and the label', async (t) => {
  const d = decoder();
  d.feed(reply(MOC.NUMERIC, [[1, nu(0x4182, 0, 0x0aa0, 70)]], 80_000));
  d.feed(
    reply(
      MOC.NUMERIC,
      [
        [
          9,
          (l) => {
            l.attr(ATTR.NU_CMPD_VAL_OBS, (w) => {
              w.u16(3).u16(30);
              w.u16(0x4a05).u16(0).u16(0x0f20).u32(118);
              w.u16(0x4a06).u16(0).u16(0x0f20).u32(76);
              w.u16(0x4a07).u16(0).u16(0x0f20).u32(90);
            });
            l.attr(ATTR.TIME_STAMP_REL, (w) => w.u32(80_000 - 8 * 60_000)); // measured a minute before the first reply
            l.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, 'NBP'));
          },
        ],
      ],
      88_000,
    ),
  );
  const nbp = (d.records as NumericRecord[]).slice(1);
  t.same(nbp.map((r) => [r.metric.ref, r.value, r.label]), [
    ['MDC_PRESS_BLD_NONINV_SYS', 118, 'NBP sys'],
    ['MDC_PRESS_BLD_NONINV_DIA', 76, 'NBP dia'],
    ['MDC_PRESS_BLD_NONINV_MEAN', 90, 'NBP mean'],
  ]);
  t.equal(nbp[0]!.observedAt, '2026-01-01T11:59:00.000Z', "the measurement's own time");
});

t.test('waves: specification once, samples masked to their significant bits and scaled, rate from the sample period', async (t) => {
  const d = decoder();
  const spec = (l: AttributeListWriter) => {
    l.attr(ATTR.SA_SPECN, (w) => w.u16(4).u8(16).u8(12).u16(SA_EXT_VAL_RANGE));
    l.attr(ATTR.SCALE_SPECN_I16, (w) => w.u32(0xfefffc00).u32(0x000003e8).u16(0).u16(4000)); // -10.24 … 1000 ↔ 0 … 4000
    l.attr(ATTR.TIME_PD_SAMP, (w) => w.u32(16)); // 2 ms
    l.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, 'II'));
  };
  const samples = (values: number[], state = 0) => (l: AttributeListWriter) =>
    l.attr(ATTR.SA_VAL_OBS, (w) => {
      w.u16(0x0102).u16(state).u16(values.length * 2);
      for (const v of values) w.u16(v);
    });
  d.feed(reply(MOC.WAVE, [[0x200, (l) => { spec(l); samples([2000, 2001 | 0x4000, 2002, 0xf003])(l); }]]));
  d.feed(reply(MOC.WAVE, [[0x200, samples([1, 2])]], 80_000 + 8 * 256));
  d.feed(reply(MOC.WAVE, [[0x200, samples([7, 7], MSMT.INVALID)]], 80_000 + 8 * 512));
  const w = d.records as WaveformRecord[];
  t.equal(w.length, 3);
  t.match(w[0], { metric: { code: 131330, ref: 'MDC_ECG_ELEC_POTL_II' }, unit: { ucum: 'mV' }, rate: 500, label: 'II', validity: 'valid' });
  t.same(w[0]!.samples, [2000, 2001, 2002, 3], 'marker bits above the 12 significant ones are masked');
  t.ok(Math.abs(w[0]!.scale.factor - (1000 + 10.24) / 4000) < 1e-12 && w[0]!.scale.offset === -10.24, 'scale from the specification');
  t.same(w[1]!.samples, [1, 2], 'later replies reuse the specification');
  t.equal(Date.parse(w[1]!.observedAt) - Date.parse(w[0]!.observedAt), 256);
  t.match(w[2], { validity: 'invalid', samples: [] }, 'invalid samples are not passed on as numbers');
});

t.test('samples before their specification are reported once, not guessed', async (t) => {
  const d = decoder();
  const orphan = reply(MOC.WAVE, [[0x201, (l) => l.attr(ATTR.SA_VAL_OBS, (w) => w.u16(0x4bb4).u16(0).u16(2).u16(5))]]);
  d.feed(orphan);
  d.feed(orphan);
  t.equal(d.records.length, 1);
  t.match(d.records[0], { kind: 'event', event: 'protocol.unmapped_code', detail: { physioId: '0x4bb4', why: 'sample array without its specification yet' } });
});

t.test('alarm lists: records for new, changed and cleared alarms only', async (t) => {
  const d = decoder();
  const entry = (w: Writer, source: number, code: number, type: number, state: number, text: string) => {
    w.u16(source).u16(code).u16(type).u16(state).u16(6).u16(0).u16(1).u16(0x0204);
    const n = w.lengthAt();
    w.u16(1).u32(0).u16(type).u16(0);
    writeString(w, text);
    w.patchLength(n);
  };
  const lists = (p: Array<[number, number, number, number, string]>, tech: Array<[number, number, number, number, string]>) =>
    reply(MOC.ALERT_MONITOR, [
      [
        0x300,
        (l) => {
          l.attr(ATTR.AL_MON_P_AL_LIST, (w) => {
            w.u16(p.length);
            const n = w.lengthAt();
            for (const e of p) entry(w, ...e);
            w.patchLength(n);
          });
          l.attr(ATTR.AL_MON_T_AL_LIST, (w) => {
            w.u16(tech.length);
            const n = w.lengthAt();
            for (const e of tech) entry(w, ...e);
            w.patchLength(n);
          });
        },
      ],
    ]);
  const desat: [number, number, number, number, string] = [0x4bb8, 3246, ALERT_TYPE.HI_P, ALERT_STATE.NEW_ALERT, '***DESAT'];
  const hr: [number, number, number, number, string] = [0x4182, 40, ALERT_TYPE.MED_P, 0, '**HR 131 > 120'];
  const leads: [number, number, number, number, string] = [0x0100, 274, ALERT_TYPE.MED_T, 0, 'ECG LEADS OFF'];
  d.feed(lists([desat, hr], [leads]));
  d.feed(lists([desat, hr], [leads]));
  d.feed(lists([desat, [...hr.slice(0, 3), ALERT_STATE.LATCHED, '**HR 131 > 120'] as typeof hr], []));
  d.feed(lists([], []));
  const a = d.records as AlarmRecord[];
  t.same(a.map((r) => [r.text, r.state]), [
    ['***DESAT', 'active'],
    ['**HR 131 > 120', 'active'],
    ['ECG LEADS OFF', 'active'],
    ['**HR 131 > 120', 'latched'],
    ['ECG LEADS OFF', 'cleared'],
    ['***DESAT', 'cleared'],
    ['**HR 131 > 120', 'cleared'],
  ]);
  t.match(a[0], { priority: 'high', category: 'physiological', code: { code: 199854, ref: 'MDC_EVT_DESAT' }, about: { ref: 'MDC_PULS_OXIM_SAT_O2' }, vendor: { code: 3246 } });
  t.match(a[2], { priority: 'medium', category: 'technical', code: { ref: 'MDC_EVT_LEADS_OFF' } });
  t.equal(a[0]!.alarmId, a[5]!.alarmId, 'a cleared alarm keeps its id');
});

t.test('demographics: clinical by default, identifying only when configured, sent when they change', async (t) => {
  const patient = (given: string) =>
    reply(MOC.PATIENT, [
      [
        0x400,
        (l) => {
          l.attr(ATTR.PT_TYPE, (w) => w.u16(1));
          l.attr(ATTR.PT_SEX, (w) => w.u16(2));
          l.attr(ATTR.PT_WEIGHT, (w) => w.u32(0xff00033e).u16(0x06c3)); // 83.0 kg
          l.attr(ATTR.PT_ID, (w) => writeString(w, 'X-1'));
          l.attr(ATTR.PT_NAME_GIVEN, (w) => writeString(w, given));
        },
      ],
    ]);
  const clinical = decoder('clinical');
  clinical.feed(patient('Ann'));
  clinical.feed(patient('Ann'));
  t.equal(clinical.records.length, 1, 'unchanged demographics are not repeated');
  t.same((clinical.records[0] as EventRecord).detail, { type: 'adult', sex: 'female', weight: { value: 83, unit: 'kg' } });
  const identifying = decoder('identifying');
  identifying.feed(patient('Ann'));
  identifying.feed(patient('Bea'));
  t.equal(identifying.records.length, 2);
  t.match((identifying.records[1] as EventRecord).detail, { patientId: 'X-1', givenName: 'Bea' });
  const off = decoder('off');
  off.feed(patient('Ann'));
  t.equal(off.records.length, 0);
});

t.test('the MDS Create event: identity on every record; demo mode makes every value demo', async (t) => {
  const d = decoder();
  d.feed(
    mdsCreateEvent(1, 0, (l) => {
      l.attr(ATTR.ID_MODEL, (w) => {
        writeLabel(w, 'Philips');
        writeLabel(w, 'M8007A');
      });
      l.attr(ATTR.MODE_OP, (w) => w.u16(MODE_OP.DEMO));
    }),
  );
  d.feed(reply(MOC.NUMERIC, [[1, nu(0x4182, 0, 0x0aa0, 60)]]));
  t.match(d.records[0], { source: { manufacturer: 'Philips', model: 'M8007A', protocol: 'test' }, validity: 'demo', value: 60 });
});

t.test('codes the tables lack: one event per code, no record', async (t) => {
  const d = decoder();
  const unknown = reply(MOC.NUMERIC, [[1, (l) => { nu(0xf0e5, 0, 0x0aa0, 60)(l); l.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, 'NBP PR')); }], [2, nu(0x4182, 0, 0x0777, 60)]]);
  d.feed(unknown);
  d.feed(unknown);
  t.same(
    d.records.map((r) => (r as EventRecord).detail),
    [
      { physioId: '0xf0e5', mdcCode: 0x2f0e5, why: 'code not in the MDC tables', unitCode: '0x0aa0', label: 'NBP PR' },
      { physioId: '0x4182', mdcCode: 147842, why: 'code not in the MDC tables', unitCode: '0x0777' },
    ],
  );
});

t.test('a malformed message is reported as an event and does not stop the decoder', async (t) => {
  const d = decoder();
  const good = reply(MOC.NUMERIC, [[1, nu(0x4182, 0, 0x0aa0, 60)]]);
  const bad = Buffer.from(good);
  bad.writeUInt16BE(0x4000, bad.length - 12); // the NuObsValue's attribute claims 16 KiB
  d.feed(bad);
  d.feed(good);
  t.match(d.records[0], { kind: 'event', event: 'protocol.malformed_message', detail: { count: 1 } });
  t.match(d.records[1], { kind: 'numeric', value: 60 });
});

t.test('fuzz: 100k mutated monitor messages decode to valid records or to nothing, never to an exception', async (t) => {
  const capture = readFileSync(join(packageRoot(), 'fixtures/philips-intellivue/sim-desaturation.lan'));
  const messages: Buffer[] = [];
  new LanFramer(false).push(capture, (m) => messages.push(Buffer.from(m)));
  const random = seededRandom(0xdec0de);
  const d = decoder('identifying', true);
  let threw = 0;
  for (let i = 0; i < 100_000; i++) {
    try {
      d.feed(mutate(messages[i % messages.length]!, random), { wallMs: rx.wallMs + i, monoMs: i });
    } catch (err) {
      if (threw++ < 3) t.comment((err as Error).message);
    }
  }
  t.equal(threw, 0, 'no exception, no invalid record');
  const numbers = d.records.filter((r): r is NumericRecord => r.kind === 'numeric' && r.value !== null);
  t.ok(numbers.every((r) => Number.isFinite(r.value)), `${numbers.length} numeric values, all finite`);
});
