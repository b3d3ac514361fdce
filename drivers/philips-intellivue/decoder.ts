// Poll results to canonical records. Numerics (NuObsValue: physio id, MeasurementState, unit, FLOATType), real-time
// sample arrays (int samples scaled by the array's scale specification, at the rate of its sample period), the alert
// monitor's alarm lists (diffed: a record when an alarm appears, changes or goes away) and patient demographics.
// MDC code = 0x20000 + physio id, MDC unit = 0x40000 + unit code; both are looked up in the code tables, and a code
// the tables lack is reported once as an event instead of being guessed.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import {
  SCHEMA_VERSION,
  mdcTermByCode,
  mdcUnitByCode,
  type AlarmRecord,
  type DeviceIdentity,
  type EventRecord,
  type MdcTerm,
  type NumericRecord,
  type Unit,
  type Validity,
  type WaveformRecord,
} from '../../src/schema/index.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { eachAttribute, readAlarmList, readDemographics, readMdsAttributes, type AlarmEntry } from './attributes.js';
import { DeviceClock } from './device-clock.js';
import { decodeFloat } from './float-type.js';
import { newPduHeader, readPduHeader } from './messages.js';
import { ACTION, ALERT_STATE, ALERT_TYPE, ATTR, CMD, DEFAULT_WAVE_UNIT, EVENT, MOC, MSMT, RO, SA_EXT_VAL_RANGE, TICKS_PER_MS } from './nomenclature.js';
import { WireError, need, readAbsoluteTime, readString } from './wire.js';

const TERM_BASE = 0x20000;
const UNIT_BASE = 0x40000;
const EVENT_BASE = 0x30000;
/** Malformed messages are reported as events: the first, then every this many. */
const MALFORMED_REPORT_EVERY = 1000;

export type DemographicsMode = 'off' | 'clinical' | 'identifying';

export interface IntellivueDecoderOptions {
  demographics: DemographicsMode;
  /** Receive times are real (a live link) rather than those of an offline capture. */
  live: boolean;
  /** How the monitor is attached, for the identity: LAN or MIB. */
  protocol: string;
}

/** What the monitor said about one real-time sample array, kept by object handle across replies. */
interface WaveSpec {
  sampleBytes: number;
  mask: number;
  /** RelativeTime ticks between samples; 0 until known. */
  periodTicks: number;
  factor: number;
  offset: number;
  scaled: boolean;
  unitCode: number;
  label: string | undefined;
}

interface AlarmState {
  record: AlarmRecord;
  /** Generation of the list that last contained it. */
  seen: number;
}

export class IntellivueDecoder implements Decoder<Buffer> {
  private readonly h = newPduHeader();
  private readonly clock: DeviceClock;
  private source: DeviceIdentity | undefined;
  /** The monitor said it runs in demo mode: nothing it sends is a patient's. */
  private demoMode = false;
  private readonly waves = new Map<number, WaveSpec>();
  private readonly labels = new Map<number, string>();
  private readonly units = new Map<number, Unit | null>();
  private readonly alarms = { p: new Map<string, AlarmState>(), t: new Map<string, AlarmState>() };
  private alarmGeneration = 0;
  private lastDemographics = '';
  private readonly unmapped = new Set<string>();
  private malformed = 0;
  // Per frame: the envelope's times, computed once.
  private rx: RxTime = { wallMs: 0, monoMs: 0 };
  private receivedAt = '';
  private lastObservedMs = NaN;
  private lastObservedAt = '';

  constructor(
    private readonly ids: RecordIds,
    private readonly options: IntellivueDecoderOptions,
  ) {
    this.clock = new DeviceClock(options.live);
  }

  decode(frame: Buffer, rx: RxTime, out: RecordSink): void {
    const h = this.h;
    if (!readPduHeader(frame, h)) return; // association messages are the session's business
    this.rx = rx;
    this.receivedAt = isoMs(rx.wallMs);
    try {
      if (h.roType === RO.INVOKE && (h.command === CMD.CONFIRMED_EVENT_REPORT || h.command === CMD.EVENT_REPORT)) {
        this.eventReport(frame, h.body, h.end);
      } else if ((h.roType === RO.RESULT || h.roType === RO.LINKED_RESULT) && h.command === CMD.CONFIRMED_ACTION) {
        this.actionResult(frame, h.body, h.end, out);
      }
    } catch (err) {
      if (!(err instanceof WireError) && !(err instanceof RangeError)) throw err;
      this.malformed++;
      if (this.malformed === 1 || this.malformed % MALFORMED_REPORT_EVERY === 0) {
        out(this.event('protocol.malformed_message', { count: this.malformed, problem: (err as Error).message }));
      }
    }
  }

  /** The monitor's identity from its MDS Create event, stamped on every record as `source`. */
  private eventReport(b: Buffer, o: number, end: number): void {
    need(o, 14, end, 'EventReportArgument');
    if (b.readUInt16BE(o + 10) !== EVENT.MDS_CREATE) return;
    const mds = readMdsAttributes(b, o + 14 + 6, end, this.options.protocol);
    this.source = mds.identity;
    this.demoMode = mds.demoMode;
  }

  private actionResult(b: Buffer, o: number, end: number, out: RecordSink): void {
    need(o, 10, end, 'ActionResult');
    const action = b.readUInt16BE(o + 6);
    if (action !== ACTION.POLL && action !== ACTION.POLL_EXT) return;
    let p = o + 10;
    if (action === ACTION.POLL_EXT) p += 2; // sequence number
    need(p, 20, end, 'PollMdibDataReply');
    const rel = b.readUInt32BE(p + 2);
    const objectClass = b.readUInt16BE(p + 16);
    // Offline the receive times are not real: the relative clock is anchored to the reply's own absolute time stamp
    // (the monitor's local clock, read in the gateway's zone), so a decoded capture keeps its own time line.
    const replyMs = this.clock.reply(rel, this.options.live ? this.rx.wallMs : (captureTimeMs(b, p + 6, end) ?? this.rx.wallMs));
    p += 20;
    // PollInfoList { count, length, SingleContextPoll { context_id, count, length, ObservationPoll[] }[] }
    need(p, 4, end, 'PollInfoList');
    const contexts = b.readUInt16BE(p);
    p += 4;
    for (let c = 0; c < contexts; c++) {
      need(p, 6, end, 'SingleContextPoll');
      const observations = b.readUInt16BE(p + 2);
      p += 6;
      for (let i = 0; i < observations; i++) {
        need(p, 2, end, 'ObservationPoll');
        const handle = b.readUInt16BE(p);
        p = this.observation(b, handle, p + 2, end, objectClass, replyMs, out);
      }
    }
  }

  /**
   * One observed object: its attributes, in one pass, then the records they make. Returns the end of its list. The
   * list is walked here rather than with eachAttribute: this runs for every object of every poll, and a callback would
   * have to capture the dozen positions below.
   */
  private observation(b: Buffer, handle: number, o: number, end: number, objectClass: number, replyMs: number, out: RecordSink): number {
    if (objectClass === MOC.PATIENT) return this.demographics(b, o, end, out);
    need(o, 4, end, 'AttributeList');
    const count = b.readUInt16BE(o);
    const listEnd = o + 4 + b.readUInt16BE(o + 2);
    if (listEnd > end) throw new WireError('AttributeList longer than its message');
    let nu = -1;
    let nuCmpd = -1;
    let sa = -1;
    let saCmpd = -1;
    let labelAt = -1;
    let labelEnd = 0;
    let stamp = -1;
    let pList = -1;
    let tList = -1;
    let pEnd = 0;
    let tEnd = 0;
    let spec: WaveSpec | undefined;
    let p = o + 4;
    for (let i = 0; i < count; i++) {
      need(p, 4, listEnd, 'AVA');
      const id = b.readUInt16BE(p);
      const v = p + 4;
      p = v + b.readUInt16BE(p + 2);
      if (p > listEnd) throw new WireError(`attribute 0x${id.toString(16)} longer than its list`);
      switch (id) {
        case ATTR.NU_VAL_OBS:
          need(v, 10, p, 'NuObsValue');
          nu = v;
          break;
        case ATTR.NU_CMPD_VAL_OBS:
          nuCmpd = v;
          break;
        case ATTR.SA_VAL_OBS:
          sa = v;
          break;
        case ATTR.SA_CMPD_VAL_OBS:
          saCmpd = v;
          break;
        case ATTR.ID_LABEL_STRING:
          labelAt = v;
          labelEnd = p;
          break;
        case ATTR.TIME_STAMP_REL:
          need(v, 4, p, 'RelativeTime');
          stamp = b.readUInt32BE(v);
          break;
        case ATTR.AL_MON_P_AL_LIST:
          pList = v;
          pEnd = p;
          break;
        case ATTR.AL_MON_T_AL_LIST:
          tList = v;
          tEnd = p;
          break;
        case ATTR.SA_SPECN:
          need(v, 6, p, 'SaSpec');
          spec ??= this.waveSpec(handle);
          spec.sampleBytes = b[v + 2]! > 8 ? 2 : 1;
          spec.mask = b.readUInt16BE(v + 4) & SA_EXT_VAL_RANGE ? (1 << b[v + 3]!) - 1 : spec.sampleBytes === 2 ? 0xffff : 0xff;
          break;
        case ATTR.SCALE_SPECN_I16:
        case ATTR.SA_CALIB_I16: {
          need(v, 12, p, 'ScaleRangeSpec16');
          spec ??= this.waveSpec(handle);
          // The scale specification wins over a calibration one when both are sent.
          if (id === ATTR.SA_CALIB_I16 && spec.scaled) break;
          const lowAbs = decodeFloat(b.readUInt32BE(v));
          const highAbs = decodeFloat(b.readUInt32BE(v + 4));
          const lowScaled = b.readUInt16BE(v + 8);
          const highScaled = b.readUInt16BE(v + 10);
          if (Number.isNaN(lowAbs) || Number.isNaN(highAbs) || highScaled === lowScaled) break;
          spec.factor = (highAbs - lowAbs) / (highScaled - lowScaled);
          spec.offset = lowAbs - lowScaled * spec.factor;
          spec.scaled = true;
          break;
        }
        case ATTR.TIME_PD_SAMP:
          need(v, 4, p, 'RelativeTime');
          spec ??= this.waveSpec(handle);
          spec.periodTicks = b.readUInt32BE(v);
          break;
        case ATTR.UNIT_CODE:
          need(v, 2, p, 'OIDType');
          spec ??= this.waveSpec(handle);
          spec.unitCode = b.readUInt16BE(v);
          break;
      }
    }

    let label = this.labels.get(handle);
    if (labelAt >= 0) {
      const fresh = readString(b, labelAt, labelEnd);
      if (fresh && fresh !== label) this.labels.set(handle, (label = fresh));
    }
    const observedMs = stamp >= 0 ? this.clock.at(stamp, this.rx.wallMs) : replyMs;
    if (nu >= 0) this.numeric(b, nu, label, false, observedMs, out);
    if (nuCmpd >= 0) {
      need(nuCmpd, 4, listEnd, 'NuObsValueCmp');
      const n = b.readUInt16BE(nuCmpd);
      need(nuCmpd + 4, n * 10, listEnd, 'NuObsValueCmp');
      for (let k = 0; k < n; k++) this.numeric(b, nuCmpd + 4 + k * 10, label, true, observedMs, out);
    }
    if (sa >= 0 || saCmpd >= 0) {
      const wave = this.waves.get(handle);
      if (wave && label !== undefined) wave.label = label;
      if (sa >= 0) this.wave(b, sa, listEnd, wave, observedMs, out);
      if (saCmpd >= 0) {
        need(saCmpd, 4, listEnd, 'SaObsValueCmp');
        const n = b.readUInt16BE(saCmpd);
        let q = saCmpd + 4;
        for (let k = 0; k < n; k++) q = this.wave(b, q, listEnd, wave, observedMs, out);
      }
    }
    if (pList >= 0 || tList >= 0) {
      this.alarmGeneration++;
      if (pList >= 0) this.alarmList('p', readAlarmList(b, pList, pEnd), observedMs, out);
      if (tList >= 0) this.alarmList('t', readAlarmList(b, tList, tEnd), observedMs, out);
    }
    return listEnd;
  }

  private validityOf(state: number): Validity {
    const v = validityOf(state);
    return this.demoMode && v !== 'invalid' && v !== 'unavailable' ? 'demo' : v;
  }

  private waveSpec(handle: number): WaveSpec {
    let spec = this.waves.get(handle);
    if (!spec) {
      spec = { sampleBytes: 2, mask: 0xffff, periodTicks: 0, factor: 1, offset: 0, scaled: false, unitCode: -1, label: undefined };
      this.waves.set(handle, spec);
    }
    return spec;
  }

  private numeric(b: Buffer, o: number, label: string | undefined, compound: boolean, observedMs: number, out: RecordSink): void {
    const physio = b.readUInt16BE(o);
    const state = b.readUInt16BE(o + 2);
    const unitCode = b.readUInt16BE(o + 4);
    const metric = mdcTermByCode(TERM_BASE + physio);
    const unit = this.unit(unitCode);
    if (!metric || !unit) return this.reportUnmapped(physio, unitCode, label, out);
    const raw = decodeFloat(b.readUInt32BE(o + 6));
    let validity = this.validityOf(state);
    if (Number.isNaN(raw) && validity !== 'unavailable') validity = 'invalid'; // NaN, NRes, ±∞: no number
    const record: NumericRecord = {
      kind: 'numeric',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: this.observedAt(observedMs),
      receivedAt: this.receivedAt,
      mono: this.rx.monoMs,
      metric,
      value: validity === 'invalid' || validity === 'unavailable' ? null : raw,
      unit,
      validity,
      vendor: { code: physio },
    };
    if (label !== undefined) record.label = compound ? `${label}${compoundSuffix(physio)}` : label;
    if (this.source) record.source = this.source;
    out(record);
  }

  /** One SaObsValue at `o`: samples, scaled by the array's specification. Returns the end of the value. */
  private wave(b: Buffer, o: number, end: number, spec: WaveSpec | undefined, observedMs: number, out: RecordSink): number {
    need(o, 6, end, 'SaObsValue');
    const physio = b.readUInt16BE(o);
    const state = b.readUInt16BE(o + 2);
    const bytes = b.readUInt16BE(o + 4);
    const data = o + 6;
    need(data, bytes, end, 'SaObsValue samples');
    if (!spec || spec.periodTicks === 0 || !spec.scaled) {
      // Samples before the array's specification (a capture that starts mid-poll): no rate or scale to give them.
      this.reportUnmapped(physio, -1, spec?.label, out, 'sample array without its specification yet');
      return data + bytes;
    }
    const metric = mdcTermByCode(TERM_BASE + physio);
    const unit = this.unit(spec.unitCode >= 0 ? spec.unitCode : (DEFAULT_WAVE_UNIT.get(physio) ?? -1));
    if (!metric || !unit) {
      this.reportUnmapped(physio, spec.unitCode, spec.label, out);
      return data + bytes;
    }
    const validity = this.validityOf(state);
    const usable = validity !== 'invalid' && validity !== 'unavailable';
    if (usable && bytes < spec.sampleBytes) return data + bytes; // nothing new in this update
    const n = usable ? Math.floor(bytes / spec.sampleBytes) : 0;
    const samples = new Array<number>(n);
    const mask = spec.mask;
    if (spec.sampleBytes === 2) for (let i = 0; i < n; i++) samples[i] = b.readUInt16BE(data + 2 * i) & mask;
    else for (let i = 0; i < n; i++) samples[i] = b[data + i]! & mask;
    const record: WaveformRecord = {
      kind: 'waveform',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: this.observedAt(observedMs),
      receivedAt: this.receivedAt,
      mono: this.rx.monoMs,
      metric,
      unit,
      rate: (1000 * TICKS_PER_MS) / spec.periodTicks,
      scale: { factor: spec.factor, offset: spec.offset },
      samples,
      validity,
      vendor: { code: physio },
    };
    if (spec.label !== undefined) record.label = spec.label;
    if (this.source) record.source = this.source;
    out(record);
    return data + bytes;
  }

  /** The current list of one kind of alarm: records for what is new, changed or gone since the last list. */
  private alarmList(kind: 'p' | 't', entries: readonly AlarmEntry[], observedMs: number, out: RecordSink): void {
    const known = this.alarms[kind];
    const generation = this.alarmGeneration;
    for (const e of entries) {
      if (e.type === ALERT_TYPE.NONE && e.code === 0) continue;
      const alarmId = `${kind}-${hex4(e.source)}-${hex4(e.code)}${e.instance ? `-${e.instance}` : ''}`;
      const state = alarmStateOf(e.state);
      const priority = priorityOf(e.type);
      const was = known.get(alarmId);
      if (was) {
        was.seen = generation;
        if (was.record.state === state && was.record.priority === priority) continue;
      }
      const record: AlarmRecord = {
        kind: 'alarm',
        schema: SCHEMA_VERSION,
        vehicle: this.ids.vehicle,
        device: this.ids.device,
        driver: this.ids.driver,
        observedAt: this.observedAt(observedMs),
        receivedAt: this.receivedAt,
        mono: this.rx.monoMs,
        alarmId,
        text: e.text ?? was?.record.text ?? fallbackText(e),
        priority,
        category: e.type & 0xff00 ? 'physiological' : e.type & 0x00ff ? 'technical' : kind === 'p' ? 'physiological' : 'technical',
        state,
        vendor: { code: e.code, name: EVENT_NAMES.get(e.code) ?? `event 0x${hex4(e.code)}` },
      };
      const code = mdcTermByCode(EVENT_BASE + e.code);
      const about = mdcTermByCode(TERM_BASE + e.source);
      if (code) record.code = code;
      if (about) record.about = about;
      if (this.source) record.source = this.source;
      known.set(alarmId, { record, seen: generation });
      out(record);
    }
    for (const [alarmId, was] of known) {
      if (was.seen === generation) continue;
      known.delete(alarmId);
      const { encounter: _stampedByTheGate, ...last } = was.record;
      out({ ...last, observedAt: this.observedAt(observedMs), receivedAt: this.receivedAt, mono: this.rx.monoMs, state: 'cleared' });
    }
  }

  private demographics(b: Buffer, o: number, end: number, out: RecordSink): number {
    const listEnd = eachAttribute(b, o, end, () => undefined);
    if (this.options.demographics === 'off') return listEnd;
    const d = readDemographics(b, o, listEnd, this.options.demographics === 'identifying');
    const text = JSON.stringify(d);
    if (text !== this.lastDemographics) {
      this.lastDemographics = text;
      out(this.event('patient.demographics', d));
    }
    return listEnd;
  }

  private unit(code: number): Unit | undefined {
    let u = this.units.get(code);
    if (u === undefined) {
      const found = code >= 0 ? mdcUnitByCode(UNIT_BASE + code) : undefined;
      u = found ? (found.mdc === undefined ? { ucum: found.ucum } : { ucum: found.ucum, mdc: found.mdc }) : null;
      this.units.set(code, u);
    }
    return u ?? undefined;
  }

  /** A code the tables do not know: said once per link, so the table can be extended, never guessed. */
  private reportUnmapped(physio: number, unitCode: number, label: string | undefined, out: RecordSink, why = 'code not in the MDC tables'): void {
    const key = `${physio}/${unitCode}/${why}`;
    if (this.unmapped.has(key)) return;
    this.unmapped.add(key);
    const detail: Record<string, unknown> = { physioId: `0x${hex4(physio)}`, mdcCode: TERM_BASE + physio, why };
    if (unitCode >= 0) detail.unitCode = `0x${hex4(unitCode)}`;
    if (label !== undefined) detail.label = label;
    out(this.event('protocol.unmapped_code', detail));
  }

  private event(event: string, detail: Record<string, unknown>): EventRecord {
    const record: EventRecord = {
      kind: 'event',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: this.receivedAt,
      receivedAt: this.receivedAt,
      mono: this.rx.monoMs,
      event,
      detail,
    };
    if (this.source) record.source = this.source;
    return record;
  }

  private observedAt(ms: number): string {
    if (ms !== this.lastObservedMs) {
      this.lastObservedMs = ms;
      this.lastObservedAt = isoMs(ms);
    }
    return this.lastObservedAt;
  }
}

/** MeasurementState → validity. Any of the first six bits means "not a clinical value"; which one says why. */
export function validityOf(state: number): Validity {
  if (state & MSMT.INVALID) return 'invalid';
  if (state & MSMT.UNAVAILABLE) return 'unavailable';
  if (state & (MSMT.DEMO_DATA | MSMT.TEST_DATA)) return 'demo';
  if (state & MSMT.CALIBRATION_ONGOING) return 'calibrating';
  if (state & MSMT.QUESTIONABLE) return 'questionable';
  return 'valid';
}

/** Blood pressure compounds carry systolic, diastolic and mean as base+1, +2, +3 of the pressure's physio id. */
function compoundSuffix(physio: number): string {
  if (physio < 0x4a00 || physio > 0x4aff) return '';
  return ['', ' sys', ' dia', ' mean'][physio & 3]!;
}

function alarmStateOf(state: number): AlarmRecord['state'] {
  if (state & ALERT_STATE.LATCHED) return 'latched';
  if (state & ALERT_STATE.SILENCED_RESET) return 'acknowledged';
  return 'active';
}

function priorityOf(type: number): AlarmRecord['priority'] {
  if (type & (ALERT_TYPE.HI_P | ALERT_TYPE.HI_T)) return 'high';
  if (type & (ALERT_TYPE.MED_P | ALERT_TYPE.MED_T)) return 'medium';
  if (type & (ALERT_TYPE.LOW_P | ALERT_TYPE.LOW_T)) return 'low';
  return 'info';
}

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Names of the alarm events an ambulance sees most, for records whose monitor sent no text. */
const EVENT_NAMES = new Map<number, string>([
  [22, 'disconnected'],
  [40, 'high'],
  [62, 'low'],
  [268, 'lead disconnected'],
  [274, 'leads off'],
  [308, 'sensor disconnected'],
  [380, 'signal low'],
  [3072, 'apnea'],
  [3076, 'asystole'],
  [3086, 'extreme bradycardia'],
  [3122, 'extreme tachycardia'],
  [3212, 'PVC run'],
  [3224, 'ventricular tachycardia'],
  [3246, 'desaturation'],
  [61444, 'ventricular fibrillation/tachycardia'],
  [61766, 'bradycardia'],
  [61768, 'tachycardia'],
  [61830, 'extreme high'],
  [61832, 'extreme low'],
  [61896, 'atrial fibrillation'],
]);

function fallbackText(e: AlarmEntry): string {
  const about: MdcTerm | undefined = mdcTermByCode(TERM_BASE + e.source);
  const what = about ? about.ref.replace(/^MDC_/, '') : `source 0x${hex4(e.source)}`;
  return `${what} ${EVENT_NAMES.get(e.code) ?? `event 0x${hex4(e.code)}`}`;
}

/** The poll reply's AbsoluteTime as epoch ms (the monitor's local time read in the gateway's zone), if it is set. */
function captureTimeMs(b: Buffer, o: number, end: number): number | undefined {
  const t = readAbsoluteTime(b, o, end);
  if (!t) return undefined;
  const hundredths = b[o + 7]!;
  const centis = ((hundredths >> 4) & 0x0f) * 10 + (hundredths & 0x0f);
  return new Date(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, centis < 100 ? centis * 10 : 0).getTime();
}
