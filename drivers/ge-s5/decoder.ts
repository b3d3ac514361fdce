// One S/5 record in, canonical records out: displayed values (basic, ext1, ext3 classes), waveforms and alarm status.
// State kept between records: the site of each invasive-pressure channel (waves name their metric by it), the sample
// clock of each wave, and the alarms on display. Every alarm status lists all the alarms the monitor displays (up to
// five), so each is the full alarm state; the gateway reports transitions. The first status of a link (the session
// asks for one on attach) is reported in full: every displayed alarm `active` again, and every alarm the gateway had
// reported on an earlier link or run (kept in the device memory) and no longer displayed `cleared`.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import {
  SCHEMA_VERSION,
  type AlarmRecord,
  type MdcTerm,
  type NumericRecord,
  type Unit,
  type WaveformRecord,
} from '../../src/schema/index.js';
import type { DeviceMemory } from '../sdk/device-memory.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { alarmAbout, isTechnical, readAlarmStatus, type AlarmPriority } from './alarms.js';
import { AGENT, CO2, FIELD_METRICS, PRESSURE_UNIT, pressureTerms } from './metrics.js';
import {
  AGENTS,
  BLOCK_OFFSET,
  CLASS_WORD_OFFSET,
  FLAG_LIMIT,
  FLAGS,
  LAYOUTS,
  NOT_UPDATED,
  PHDB_SUBRECORD_LEN,
  PRESSURE_SITES,
  STATUS_EXISTS,
  classOf,
  type GroupLayout,
} from './phdb.js';
import {
  MT_ALARM,
  MT_PHDB,
  MT_WAVE,
  SR_ALARM_STATUS,
  SR_PHDB_DISPLAYED,
  SR_PHDB_TREND_60S,
  readHeader,
  subrecords,
} from './record.js';
import { WAVE_HEADER_LEN, waveById } from './waves.js';

/** A wave block arriving more than this far from where its channel's sample clock expects it restarts the clock. */
const WAVE_RESYNC_MS = 2000;

interface Ctx {
  rx: RxTime;
  observedAt: string;
  receivedAt: string;
  out: RecordSink;
}

/** Wire int16 × factor without binary noise: 2443 × 0.01 is 24.43, not 24.430000000000003. */
function scaled(raw: number, factor: number): number {
  return factor < 1 ? raw / Math.round(1 / factor) : raw * factor;
}

export class GeS5Decoder implements Decoder<Buffer> {
  /** Site of each invasive-pressure channel (p1 → ART), learnt from the displayed values. */
  private readonly sites = new Map<string, string>();
  /** Wall-clock ms of the next expected sample, per wave id. */
  private readonly nextSampleMs = new Map<number, number>();
  /** Alarms on display: text → priority. Before this link's first status: what an earlier link or run reported. */
  private shown = new Map<string, AlarmPriority>();
  /** This link's first alarm status has been reported. */
  private fullStateSeen = false;

  /**
   * `live`: waves are timed by the gateway's receive clock (finer than the record's one-second time). Offline (a
   * decoded capture) the receive times are not real: waves are timed by the record's own time, like the numerics.
   * `memory`: where the alarms reported active are kept across links and restarts.
   */
  constructor(
    private readonly ids: RecordIds,
    private readonly live = true,
    private readonly memory?: DeviceMemory,
  ) {
    const kept = memory?.read();
    if (Array.isArray(kept)) {
      for (const a of kept as unknown[]) {
        if (Array.isArray(a) && typeof a[0] === 'string' && (a[1] === 'high' || a[1] === 'medium' || a[1] === 'low')) this.shown.set(a[0], a[1]);
      }
    }
  }

  decode(rec: Buffer, rx: RxTime, out: RecordSink): void {
    const header = readHeader(rec);
    switch (header.mainType) {
      case MT_PHDB:
        return this.displayedValues(rec, rx, out);
      case MT_WAVE:
        return this.waves(rec, rx, out);
      case MT_ALARM:
        return this.alarmStatus(rec, rx, out);
      default:
        return; // network and other main types carry nothing for the gateway
    }
  }

  private displayedValues(rec: Buffer, rx: RxTime, out: RecordSink): void {
    const receivedAt = isoMs(rx.wallMs);
    for (const sub of subrecords(rec)) {
      if (sub.type < SR_PHDB_DISPLAYED || sub.type > SR_PHDB_TREND_60S) continue;
      if (sub.end - sub.start < PHDB_SUBRECORD_LEN) continue;
      const cls = classOf(rec.readUInt16LE(sub.start + CLASS_WORD_OFFSET));
      if (!cls) continue;
      const time = rec.readUInt32LE(sub.start);
      const ctx: Ctx = { rx, receivedAt, observedAt: time > 0 ? isoMs(time * 1000) : receivedAt, out };
      const block = sub.start + BLOCK_OFFSET;
      for (const group of LAYOUTS[cls]) {
        const at = block + group.offset;
        if ((rec.readUInt32LE(at) & STATUS_EXISTS) === 0) continue; // module not plugged in: nothing to say
        this.group(rec, at, group, cls, ctx);
      }
    }
  }

  private group(rec: Buffer, at: number, g: GroupLayout, cls: string, ctx: Ctx): void {
    const label = rec.readUInt16LE(at + 4);
    const value = (i: number) => rec.readInt16LE(at + 6 + 2 * i);
    const prefix = `${cls}.${g.name}`;
    switch (g.kind) {
      case 'press': {
        const site = PRESSURE_SITES[label];
        if (site) this.sites.set(g.name, site);
        else this.sites.delete(g.name);
        const terms = pressureTerms(site);
        const name = `${g.name.toUpperCase()}${site ? ` ${site}` : ''}`;
        this.numeric(ctx, terms.sys, PRESSURE_UNIT, value(0), 0.01, `${name} sys`, `${prefix}.sys`);
        this.numeric(ctx, terms.dia, PRESSURE_UNIT, value(1), 0.01, `${name} dia`, `${prefix}.dia`);
        this.numeric(ctx, terms.mean, PRESSURE_UNIT, value(2), 0.01, `${name} mean`, `${prefix}.mean`);
        const hr = FIELD_METRICS['press.hr']!;
        this.numeric(ctx, hr.metric, hr.unit, value(3), hr.factor, `${name} ${hr.label}`, `${prefix}.hr`);
        return;
      }
      case 'temp': {
        const t = FIELD_METRICS['temp.temp']!;
        this.numeric(ctx, t.metric, t.unit, value(0), t.factor, `${g.name.toUpperCase()} ${t.label}`, `${prefix}.temp`);
        return;
      }
      case 'co2': {
        // GE reports CO2 in % of the ambient pressure it measures itself: mmHg = % / 100 × ambient (1/10 mmHg).
        const amb = value(3);
        const ambOk = amb > FLAG_LIMIT && amb > 0;
        for (const [i, key] of [[0, 'et'], [1, 'fi']] as const) {
          const raw = value(i);
          const { metric, label: text } = CO2[key];
          if (ambOk || raw <= FLAG_LIMIT) {
            const mmHg = raw <= FLAG_LIMIT ? raw : Math.round((raw * amb) / 1000) / 100;
            this.numeric(ctx, metric, CO2.mmHg, mmHg, 1, text, `${prefix}.${key}`, raw <= FLAG_LIMIT ? raw : undefined);
          } else {
            this.numeric(ctx, metric, CO2.percent, raw, 0.01, text, `${prefix}.${key}`);
          }
        }
        const rr = FIELD_METRICS['co2.rr']!;
        this.numeric(ctx, rr.metric, rr.unit, value(2), rr.factor, rr.label, `${prefix}.rr`);
        return;
      }
      case 'aa': {
        const agent = AGENTS[label] ?? 'unknown agent';
        this.numeric(ctx, AGENT.et, AGENT.unit, value(0), 0.01, `EtAA (${agent})`, `${prefix}.et`);
        this.numeric(ctx, AGENT.fi, AGENT.unit, value(1), 0.01, `FiAA (${agent})`, `${prefix}.fi`);
        return;
      }
      default:
        g.fields.forEach((field, i) => {
          const f = FIELD_METRICS[`${g.kind}.${field}`];
          if (f) this.numeric(ctx, f.metric, f.unit, value(i), f.factor, f.label, `${prefix}.${field}`);
        });
    }
  }

  /** `flag` overrides the flag check when `raw` was already converted (CO2 in mmHg). */
  private numeric(ctx: Ctx, metric: MdcTerm, unit: Unit, raw: number, factor: number, label: string, code: string, flag?: number): void {
    const flagged = flag ?? (raw <= FLAG_LIMIT ? raw : undefined);
    const record: NumericRecord = {
      kind: 'numeric',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: ctx.observedAt,
      receivedAt: ctx.receivedAt,
      mono: ctx.rx.monoMs,
      metric,
      value: flagged === undefined ? scaled(raw, factor) : null,
      unit,
      validity: flagged === undefined ? 'valid' : flagged === NOT_UPDATED ? 'unavailable' : 'invalid',
      label,
      vendor: flagged === undefined ? { code } : { code, name: FLAGS[flagged] ?? `FLAG ${flagged}` },
    };
    ctx.out(record);
  }

  private waves(rec: Buffer, rx: RxTime, out: RecordSink): void {
    const receivedAt = isoMs(rx.wallMs);
    const recordTime = readHeader(rec).time;
    // When the block's last sample was taken: on arrival live; offline, at the record's time (one-second steps).
    const nowMs = this.live || recordTime === 0 ? rx.wallMs : recordTime * 1000;
    for (const sub of subrecords(rec)) {
      const wave = waveById(sub.type);
      if (!wave || sub.end - sub.start < WAVE_HEADER_LEN) continue;
      const n = rec.readInt16LE(sub.start);
      if (n <= 0 || WAVE_HEADER_LEN + 2 * n > sub.end - sub.start) continue;
      const metric = wave.metric ?? pressureTerms(this.sites.get(wave.pressureChannel!)).wave;
      // The record's time has one-second resolution: samples are timed continuously per channel from `nowMs`.
      const stepMs = 1000 / wave.rate;
      const blockMs = n * stepMs;
      const expected = this.nextSampleMs.get(wave.id);
      const startMs =
        expected !== undefined && Math.abs(nowMs - (expected + blockMs)) < WAVE_RESYNC_MS ? expected : nowMs - blockMs;
      this.nextSampleMs.set(wave.id, startMs + blockMs);
      const base = { metric, rate: wave.rate, unit: wave.unit, label: wave.name, vendor: { code: wave.id, name: wave.name } };
      const emit = (from: number, samples: number[], valid: boolean) => {
        const record: WaveformRecord = {
          kind: 'waveform',
          schema: SCHEMA_VERSION,
          vehicle: this.ids.vehicle,
          device: this.ids.device,
          driver: this.ids.driver,
          observedAt: isoMs(startMs + from * stepMs),
          receivedAt,
          mono: rx.monoMs,
          ...base,
          scale: { factor: wave.factor, offset: 0 },
          samples,
          validity: valid ? 'valid' : 'invalid',
        };
        out(record);
      };
      // A flagged sample is never a number: the block is cut around it into runs of real samples.
      let run: number[] = [];
      let runFrom = 0;
      let emitted = false;
      const data = sub.start + WAVE_HEADER_LEN;
      for (let i = 0; i < n; i++) {
        const s = rec.readInt16LE(data + 2 * i);
        if (s > FLAG_LIMIT) {
          if (run.length === 0) runFrom = i;
          run.push(s);
          continue;
        }
        if (run.length > 0) {
          emit(runFrom, run, true);
          emitted = true;
          run = [];
        }
      }
      if (run.length > 0) emit(runFrom, run, true);
      else if (!emitted) emit(0, [], false); // nothing measurable in the whole block (e.g. leads off)
    }
  }

  private alarmStatus(rec: Buffer, rx: RxTime, out: RecordSink): void {
    const receivedAt = isoMs(rx.wallMs);
    const time = rec.readUInt32LE(6);
    const observedAt = time > 0 ? isoMs(time * 1000) : receivedAt;
    for (const sub of subrecords(rec)) {
      if (sub.type !== SR_ALARM_STATUS) continue;
      const displayed = readAlarmStatus(rec.subarray(sub.start, sub.end));
      const now = new Map(displayed.map((a) => [a.text, a.priority]));
      // The first status of a link re-reports every displayed alarm: a kill of the gateway may have taken its record.
      const full = !this.fullStateSeen;
      this.fullStateSeen = true;
      for (const [text, priority] of now) {
        if (full || this.shown.get(text) !== priority) this.alarm(out, rx, observedAt, receivedAt, text, priority, 'active');
      }
      for (const [text, priority] of this.shown) {
        if (!now.has(text)) this.alarm(out, rx, observedAt, receivedAt, text, priority, 'cleared');
      }
      // Kept: the alarms displayed now and those just cleared, so that a `cleared` a kill takes before it is stored
      // is said again after the restart (its alarm is then not displayed); they are dropped with the next status.
      this.memory?.write([...new Map([...this.shown, ...now])]);
      this.shown = now;
    }
  }

  private alarm(out: RecordSink, rx: RxTime, observedAt: string, receivedAt: string, text: string, priority: AlarmPriority, state: 'active' | 'cleared'): void {
    const about = alarmAbout(text);
    const record: AlarmRecord = {
      kind: 'alarm',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt,
      receivedAt,
      mono: rx.monoMs,
      alarmId: text,
      text,
      priority,
      category: isTechnical(text) ? 'technical' : 'physiological',
      state,
    };
    if (about) record.about = about;
    out(record);
  }
}
