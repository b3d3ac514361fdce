// The monitor's side of the S/5 interface, as pure encoders: displayed-values, waveform and alarm-status records built
// from a simulated patient. Used by the simulator (over a pty) and by the fixture script (to a file).
import type { SimAlarm, SimPatient, Vitals } from '../sdk/sim-patient.js';
import { AMBIENT_MMHG } from '../sdk/sim-patient.js';
import { writeAlarmStatus } from './alarms.js';
import {
  BLOCK_OFFSET,
  CLASS_WORD_OFFSET,
  DATA_INVALID,
  LAYOUTS,
  NOT_UPDATED,
  PHDB_SUBRECORD_LEN,
  type PhdbClass,
} from './phdb.js';
import { CLASS_BIT, DENY_BASIC, MT_ALARM, MT_PHDB, MT_WAVE, SR_ALARM_STATUS, SR_PHDB_DISPLAYED, buildRecord } from './record.js';
import { WAVE_HEADER_LEN, type WaveType } from './waves.js';

type Values = Readonly<Record<string, number>>;

/** The group values a monitor with ECG, SpO2, NIBP, T1, an arterial line, CVP, CO2/O2 gases and spirometry shows. */
function groupValues(cls: PhdbClass, v: Vitals, nibp: Vitals['nibp']): Readonly<Record<string, { label: number; values: Values }>> {
  const x100 = (n: number) => Math.round(n * 100);
  const co2Pct = (mmHg: number) => x100((mmHg / AMBIENT_MMHG) * 100);
  switch (cls) {
    case 'basic':
      return {
        ecg: { label: 0, values: { hr: v.hr, st1: x100(v.st.ii), st2: x100(v.st.v2), st3: x100(v.st.v5), imp_rr: v.rr } },
        p1: { label: 1, values: { sys: x100(v.art.sys), dia: x100(v.art.dia), mean: x100(v.art.mean), hr: v.hr } },
        p2: { label: 2, values: { sys: x100(v.cvp + 3), dia: x100(v.cvp - 2), mean: x100(v.cvp), hr: DATA_INVALID } },
        nibp: { label: 0, values: { sys: x100(nibp.sys), dia: x100(nibp.dia), mean: x100(nibp.mean), hr: v.pulseRate } },
        t1: { label: 1, values: { temp: x100(v.temp) } },
        spo2: { label: 0, values: { spo2: x100(v.spo2), pr: v.pulseRate, ir_amp: x100(v.perfusion), svo2: DATA_INVALID } },
        co2: { label: 0, values: { et: co2Pct(v.etco2), fi: co2Pct(v.fico2), rr: v.rr, amb_press: AMBIENT_MMHG * 10 } },
        o2: { label: 0, values: { et: x100(v.vent.eto2), fi: x100(v.vent.fio2) } },
        flow_vol: {
          label: 0,
          values: {
            rr: v.rr,
            ppeak: x100(v.vent.ppeak),
            peep: x100(v.vent.peep),
            pplat: x100(v.vent.pplat),
            tv_insp: Math.round(v.vent.tvExp * 10 + 150),
            tv_exp: Math.round(v.vent.tvExp * 10),
            compliance: x100(v.vent.compliance),
            mv_exp: x100(v.vent.mvExp),
          },
        },
      };
    case 'ext1':
      return {
        arrh_ecg: { label: 0, values: { hr: v.hr, rr_time: Math.round(60_000 / v.hr), pvc: v.pvcPerMin } },
        ecg12: {
          label: 0,
          values: Object.fromEntries(Object.entries(v.st).map(([lead, mm]) => [`st_${lead}`, x100(mm)])),
        },
      };
    case 'ext3': {
      const breathS = 60 / v.rr;
      const inspS = (breathS * v.vent.ie) / (1 + v.vent.ie);
      return {
        gas_ex: { label: 0, values: { vo2: 250, vco2: 200, ee: 1750, rq: 80 } },
        flow_vol2: {
          label: 0,
          values: {
            ipeep: 50,
            pmean: x100(v.vent.pmean),
            raw: 1200,
            mv_insp: x100(v.vent.mvExp * 1.02),
            epeep: x100(v.vent.peep),
            mv_spont: 0,
            ie_ratio: x100(v.vent.ie),
            insp_time: x100(inspS),
            exp_time: x100(breathS - inspS),
            static_compliance: NOT_UPDATED,
            static_pplat: NOT_UPDATED,
            static_peepe: NOT_UPDATED,
            static_peepi: NOT_UPDATED,
          },
        },
      };
    }
    default:
      return {};
  }
}

function classBlock(cls: PhdbClass, v: Vitals, nibp: Vitals['nibp'], timeS: number, driLevel: number): Buffer {
  const sub = Buffer.alloc(PHDB_SUBRECORD_LEN);
  sub.writeUInt32LE(timeS >>> 0, 0);
  const filled = groupValues(cls, v, nibp);
  for (const g of LAYOUTS[cls]) {
    const at = BLOCK_OFFSET + g.offset;
    const group = filled[g.name];
    if (!group) continue; // module absent: status 0
    sub.writeUInt32LE(0x3, at); // exists, measuring
    sub.writeUInt16LE(group.label, at + 4);
    g.fields.forEach((f, i) => sub.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(group.values[f] ?? DATA_INVALID))), at + 6 + 2 * i));
  }
  const id = ['basic', 'ext1', 'ext2', 'ext3'].indexOf(cls);
  sub.writeUInt16LE((id << 8) | (((driLevel & 0x0f) << 4) | SR_PHDB_DISPLAYED), CLASS_WORD_OFFSET);
  return sub;
}

/** One displayed-values record with a subrecord per requested class (basic first unless denied). */
export function displayedValuesRecord(patient: SimPatient, nowMs: number, classBits: number, driLevel: number, nibpHoldMs = 180_000): Buffer {
  const v = patient.vitals(nowMs);
  // NIBP is a cuff measurement every few minutes: it holds its last reading in between.
  const nibp = patient.vitals(Math.floor(nowMs / nibpHoldMs) * nibpHoldMs).nibp;
  const timeS = Math.floor(nowMs / 1000);
  const classes: PhdbClass[] = [];
  if (!(classBits & DENY_BASIC)) classes.push('basic');
  if (classBits & CLASS_BIT.ext1) classes.push('ext1');
  if (classBits & CLASS_BIT.ext2) classes.push('ext2');
  if (classBits & CLASS_BIT.ext3) classes.push('ext3');
  const bodies = classes.map((c) => ({ type: SR_PHDB_DISPLAYED, body: classBlock(c, v, nibp, timeS, driLevel) }));
  return buildRecord(MT_PHDB, bodies, timeS, driLevel);
}

/** The physical value of a wave at an instant, in the wave's unit. */
export function waveValue(patient: SimPatient, wave: WaveType, tMs: number): number {
  switch (wave.name) {
    case 'ECG1':
      return patient.ecg(tMs, 'ii');
    case 'ECG2':
      return patient.ecg(tMs, 'v2');
    case 'ECG3':
      return patient.ecg(tMs, 'v5');
    case 'INVP1':
      return patient.art(tMs);
    case 'INVP2':
      return patient.vitals(tMs).cvp + 2 * Math.sin(2 * Math.PI * (tMs / 1000) * (patient.vitals(tMs).hr / 60));
    case 'PLETH':
      return patient.pleth(tMs);
    case 'CO2':
      return patient.co2Percent(tMs);
    case 'O2':
      return patient.o2Percent(tMs);
    case 'AWP':
      return patient.awp(tMs);
    case 'FLOW':
      return patient.flow(tMs);
    default:
      return 0; // channels without a transducer read zero
  }
}

/** A wave record: one subrecord per wave with the samples from its own sample index `from` (inclusive) on. */
export function waveRecord(
  patient: SimPatient,
  blocks: ReadonlyArray<{ wave: WaveType; fromIndex: number; count: number; epochMs: number }>,
  nowMs: number,
  driLevel: number,
): Buffer {
  const bodies = blocks.map(({ wave, fromIndex, count, epochMs }) => {
    const body = Buffer.alloc(WAVE_HEADER_LEN + 2 * count);
    body.writeInt16LE(count, 0);
    for (let i = 0; i < count; i++) {
      const t = epochMs + ((fromIndex + i) * 1000) / wave.rate;
      const raw = Math.round(waveValue(patient, wave, t) / wave.factor);
      body.writeInt16LE(Math.max(-32000, Math.min(32767, raw)), WAVE_HEADER_LEN + 2 * i);
    }
    return { type: wave.id, body };
  });
  return buildRecord(MT_WAVE, bodies, Math.floor(nowMs / 1000), driLevel);
}

export function alarmStatusRecord(alarms: readonly SimAlarm[], nowMs: number, driLevel: number): Buffer {
  return buildRecord(MT_ALARM, [{ type: SR_ALARM_STATUS, body: writeAlarmStatus(alarms) }], Math.floor(nowMs / 1000), driLevel);
}
