// PCD-01 observations (ORU^R01) → `numeric` and `waveform` records, and PCD-04 alerts (ORU^R40) → `alarm` records.
// Observations are grouped under their OBR; times come from OBX-14, else OBR-7, else MSH-7; the equipment (EUI-64)
// from OBX-18, else OBR-3 (an EI whose universal id type is EUI-64), else MSH-3. Vendor "no data" sentinels, OBX-11 X
// (cannot be obtained) and W (wrong) become invalid values, never numbers. OBX-7 is carried as the reference range.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import {
  SCHEMA_VERSION,
  type AlarmRecord,
  type DeviceIdentity,
  type MdcTerm,
  type NumericRecord,
  type Validity,
  type WaveformRecord,
} from '../../src/schema/index.js';
import { parseRange } from '../lab/values.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { termOf, unitOf } from './codes.js';
import type { Hl7Frame } from './frame.js';
import { get, parseDtm, refusal, repetitions, unescape, type Hl7Message, type Segment } from './hl7.js';
import { decodeWave, waveRowsOf, type WaveRows } from './waveform.js';

export interface Hl7DecoderOptions {
  /** Values that mean "no data" (GE −999 / −99.9, Mindray −100 / −10000). */
  sentinels: readonly number[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface Group {
  obr: Segment | undefined;
  obx: Segment[];
}

export class Hl7Decoder implements Decoder<Hl7Frame> {
  private readonly sentinels: Set<number>;

  constructor(
    private readonly ids: RecordIds,
    options: Hl7DecoderOptions,
  ) {
    this.sentinels = new Set(options.sentinels);
  }

  decode(frame: Hl7Frame, rx: RxTime, out: RecordSink): void {
    const parsed = frame.parsed;
    if (!parsed.ok) return;
    const m = parsed.message;
    if (refusal(m)) return;
    const groups = groupsOf(m);
    const event = get(m, m.msh, 9, 2);
    const processing = get(m, m.msh, 11, 1);
    const ctx: MessageCtx = {
      m,
      frame,
      rx,
      out,
      receivedAt: isoMs(rx.wallMs),
      messageTime: parseDtm(get(m, m.msh, 7)),
      // Training and debugging messages are not about a patient.
      demo: processing === 'T' || processing === 'D',
      source: sourceOf(m),
    };
    if (event === 'R40') for (const g of groups) this.alert(ctx, g);
    else for (const g of groups) this.observations(ctx, g);
  }

  private observations(ctx: MessageCtx, g: Group): void {
    const { waves, claimed } = waveRowsOf(ctx.m, g.obx);
    for (const obx of g.obx) if (!claimed.has(obx)) this.observation(ctx, g, obx);
    for (const w of waves) this.waveform(ctx, g, w);
  }

  private waveform(ctx: MessageCtx, g: Group, rows: WaveRows): void {
    const { m, frame } = ctx;
    const status = get(m, rows.wave, 11);
    if (status === 'D' || status === 'X' || status === 'W') return; // no samples to trust
    const channels = decodeWave(m, rows);
    if (channels === undefined) return void frame.unmapped++;
    if (!Array.isArray(channels)) return void frame.problems.push(channels);
    const observed = parseDtm(get(m, rows.wave, 14)) ?? parseDtm(g.obr ? get(m, g.obr, 7) : '') ?? ctx.messageTime;
    const equipment = equipmentOf(m, rows.wave) ?? obrEquipmentOf(m, g.obr) ?? ctx.source;
    const containment = get(m, rows.wave, 4);
    for (const c of channels) {
      const record: WaveformRecord = {
        kind: 'waveform',
        schema: SCHEMA_VERSION,
        vehicle: this.ids.vehicle,
        device: this.ids.device,
        driver: this.ids.driver,
        observedAt: observed !== undefined ? isoMs(observed) : ctx.receivedAt,
        receivedAt: ctx.receivedAt,
        mono: ctx.rx.monoMs,
        metric: c.metric,
        unit: c.unit,
        rate: c.rate,
        scale: { factor: c.factor, offset: c.offset },
        samples: c.samples,
        validity: ctx.demo ? 'demo' : status === 'P' ? 'questionable' : 'valid',
        vendor: { code: get(m, rows.wave, 3, 1) || c.metric.code, name: [get(m, rows.wave, 3, 2), containment && `@${containment}`].filter(Boolean).join(' ') },
      };
      if (c.channel !== undefined) record.label = `channel ${c.channel}`;
      if (equipment) record.source = equipment;
      ctx.out(record);
    }
  }

  private observation(ctx: MessageCtx, g: Group, obx: Segment): void {
    const { m, frame } = ctx;
    const type = get(m, obx, 2);
    if (type !== 'NM') return; // containment rows, text and time attributes carry no number
    const setId = get(m, obx, 1) || '?';
    const code = get(m, obx, 3, 1);
    const text = get(m, obx, 3, 2);
    const system = get(m, obx, 3, 3);
    const containment = get(m, obx, 4);
    let metric = termOf(code, text, system);
    if (!metric && !code) {
      // Some vendors put the full term code in the last position of the containment path (1.7.4.147842).
      const last = containment.split('.').pop() ?? '';
      if (/^\d{6,}$/.test(last)) metric = termOf(last, text, 'MDC');
    }
    if (!metric) {
      if (!code && !text) frame.problems.push({ code: 101, text: `OBX ${setId}: OBX-3 is empty` });
      else frame.unmapped++;
      return;
    }
    const unit = unitOf(get(m, obx, 6, 1), get(m, obx, 6, 2), get(m, obx, 6, 3));
    if (!unit) {
      if (!get(m, obx, 6, 1) && !get(m, obx, 6, 2)) frame.problems.push({ code: 101, text: `OBX ${setId}: no unit for ${text || code}` });
      else frame.unmapped++;
      return;
    }
    const status = get(m, obx, 11);
    if (status === 'D') return; // "delete the prior result": nothing to report now
    const raw = get(m, obx, 5).trim();
    let value: number | null = null;
    let validity: Validity;
    let flag: string | undefined;
    if (status === 'X' || status === 'W') {
      validity = 'invalid';
      flag = status === 'X' ? 'OBX-11 X (cannot be obtained)' : 'OBX-11 W (wrong)';
    } else if (raw === '') {
      validity = 'unavailable';
    } else if (!NUMBER.test(raw)) {
      return void frame.problems.push({ code: 102, text: `OBX ${setId}: "${raw.slice(0, 20)}" is not a number` });
    } else if (this.sentinels.has(Number(raw))) {
      validity = 'invalid';
      flag = `sentinel ${raw}`;
    } else {
      value = Number(raw);
      validity = ctx.demo ? 'demo' : status === 'P' ? 'questionable' : 'valid';
    }
    const observed = parseDtm(get(m, obx, 14)) ?? parseDtm(g.obr ? get(m, g.obr, 7) : '') ?? ctx.messageTime;
    const equipment = equipmentOf(m, obx) ?? obrEquipmentOf(m, g.obr) ?? ctx.source;
    const range = parseRange(unescape((obx.fields[7] ?? '').split(m.delimiters.repetition, 1)[0]!, m.delimiters));
    const record: NumericRecord = {
      kind: 'numeric',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: observed !== undefined ? isoMs(observed) : ctx.receivedAt,
      receivedAt: ctx.receivedAt,
      mono: ctx.rx.monoMs,
      metric,
      value,
      unit,
      validity,
      vendor: { code: code || metric.code, name: [text, containment && `@${containment}`, flag].filter(Boolean).join(' ') },
    };
    if (system.toUpperCase() === 'MDIL' && text) record.label = text;
    if (range) record.referenceRange = range;
    if (equipment) record.source = equipment;
    ctx.out(record);
  }

  /**
   * One PCD-04 alert per OBR group: the event (an MDC_EVT_ term), the measurement it is about (the NM row), and the
   * attributes the IHE ACM profile sends as rows — event phase, alarm state, inactivation state, alert type — with the
   * priority in OBX-8 (PH, PM, PL, PN).
   */
  private alert(ctx: MessageCtx, g: Group): void {
    const { m } = ctx;
    let eventRow: Segment | undefined;
    let sourceRow: Segment | undefined;
    const attr: Record<string, string> = {};
    let priorityFlag = '';
    let sourceFlag = '';
    for (const obx of g.obx) {
      const text = get(m, obx, 3, 2);
      const code = get(m, obx, 3, 1);
      if (text.startsWith('MDC_ATTR_')) attr[text] = get(m, obx, 5).toLowerCase();
      else if (text.startsWith('MDC_EVT_') || (Number(code) >> 16) === 3) eventRow ??= obx;
      // The measurement the alert is about: a value row, or (ACM) a row naming a partition-2 metric without a value.
      else if (get(m, obx, 2) === 'NM' || (get(m, obx, 2) === '' && Number(code) >> 16 === 2)) sourceRow ??= obx;
      for (const f of repetitions(m, obx, 8)) {
        if (/^P[HMLN]$/.test(f)) priorityFlag ||= f;
        else if (/^S[PTA]$/.test(f)) sourceFlag ||= f; // ACM alert source: physiological, technical, advisory
      }
    }
    if (!eventRow) {
      ctx.frame.problems.push({ code: 101, text: 'ORU^R40 group without an MDC_EVT_ event row' });
      return;
    }
    const event = eventOf(m, eventRow);
    const eventTerm = termOf(event.code, event.text, event.system);
    const about = sourceRow ? termOf(get(m, sourceRow, 3, 1), get(m, sourceRow, 3, 2), get(m, sourceRow, 3, 3)) : undefined;
    const eventName = event.text || event.code;
    const sourceName = sourceRow ? get(m, sourceRow, 3, 2) || get(m, sourceRow, 3, 1) : '';
    const phase = attr.MDC_ATTR_EVENT_PHASE ?? '';
    const state = attr.MDC_ATTR_ALARM_STATE ?? '';
    const inactivation = attr.MDC_ATTR_ALARM_INACTIVATION_STATE ?? '';
    const type = (attr.MDC_ATTR_ALERT_TYPE ?? '').toUpperCase();
    const observed = parseDtm(get(m, eventRow, 14)) ?? parseDtm(g.obr ? get(m, g.obr, 7) : '') ?? ctx.messageTime;
    const alertId = g.obr ? get(m, g.obr, 3, 1) : '';
    const textValue = get(m, eventRow, 2) === 'ST' || get(m, eventRow, 2) === 'TX' ? get(m, eventRow, 5) : '';
    const record: AlarmRecord = {
      kind: 'alarm',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: observed !== undefined ? isoMs(observed) : ctx.receivedAt,
      receivedAt: ctx.receivedAt,
      mono: ctx.rx.monoMs,
      alarmId: alertId || `${eventName}/${sourceName}`,
      text: textValue || [sourceName, eventName].filter(Boolean).join(' '),
      priority: ({ PH: 'high', PM: 'medium', PL: 'low' } as const)[priorityFlag as 'PH'] ?? 'info',
      category: categoryOf(type, sourceFlag, eventTerm, about),
      state:
        phase === 'end' || state === 'inactive'
          ? 'cleared'
          : state === 'latched'
            ? 'latched'
            : inactivation === 'acknowledged' || inactivation.includes('paused')
              ? 'acknowledged'
              : 'active',
      vendor: { code: event.code || eventName, name: eventName },
    };
    if (eventTerm) record.code = eventTerm;
    if (about) record.about = about;
    const equipment = equipmentOf(m, eventRow) ?? obrEquipmentOf(m, g.obr) ?? ctx.source;
    if (equipment) record.source = equipment;
    ctx.out(record);
  }
}

interface MessageCtx {
  m: Hl7Message;
  frame: Hl7Frame;
  rx: RxTime;
  out: RecordSink;
  receivedAt: string;
  messageTime: number | undefined;
  demo: boolean;
  source: DeviceIdentity | undefined;
}

function groupsOf(m: Hl7Message): Group[] {
  const groups: Group[] = [];
  let current: Group | undefined;
  for (const seg of m.segments) {
    if (seg.id === 'OBR') groups.push((current = { obr: seg, obx: [] }));
    else if (seg.id === 'OBX') {
      if (!current) groups.push((current = { obr: undefined, obx: [] }));
      current.obx.push(seg);
    }
  }
  return groups;
}

/** OBX-18 equipment instance identifier: "0123456789ABCDEF^EUI-64" or "080019FFFE…^B40_GE". */
function equipmentOf(m: Hl7Message, obx: Segment): DeviceIdentity | undefined {
  const id = get(m, obx, 18, 1);
  if (!id) return undefined;
  const kind = get(m, obx, 18, 2);
  return kind && kind !== 'EUI-64' ? { serial: id, model: kind } : { serial: id };
}

/** OBR-3 (filler order number) as EI: entity id^namespace^universal id^type; an EUI-64 there names the equipment. */
function obrEquipmentOf(m: Hl7Message, obr: Segment | undefined): DeviceIdentity | undefined {
  if (!obr || get(m, obr, 3, 4) !== 'EUI-64') return undefined;
  const id = get(m, obr, 3, 3);
  return id ? { serial: id } : undefined;
}

/** The generic alarm event of the IHE ACM form: the specific event is then the coded value in OBX-5. */
const GENERIC_ALARM = 196616;

/**
 * The event an alert row reports: OBX-3 itself, or — when OBX-3 is the generic MDC_EVT_ALARM and OBX-5 is coded
 * (CWE/CE/CNE, "196882^MDC_EVT_LEADS_OFF^MDC") — the event in OBX-5.
 */
function eventOf(m: Hl7Message, row: Segment): { code: string; text: string; system: string } {
  const own = { code: get(m, row, 3, 1), text: get(m, row, 3, 2), system: get(m, row, 3, 3) };
  const generic = Number(own.code) === GENERIC_ALARM || own.text === 'MDC_EVT_ALARM';
  const coded = ['CWE', 'CE', 'CNE'].includes(get(m, row, 2));
  if (!generic || !coded) return own;
  const value = { code: get(m, row, 5, 1), text: get(m, row, 5, 2), system: get(m, row, 5, 3) };
  if (!value.code && !value.text) return own;
  // CWE-9 original text names a vendor-private event that has no text component.
  if (!value.text) value.text = get(m, row, 5, 9);
  return value;
}

/** Events about the measuring equipment rather than the patient, when the sender gives no alert type. */
const TECHNICAL_EVENTS = new Set(['MDC_EVT_LEAD_DISCONN', 'MDC_EVT_LEADS_OFF', 'MDC_EVT_SENSOR_DISCONN']);

function categoryOf(type: string, sourceFlag: string, event: MdcTerm | undefined, about: MdcTerm | undefined): AlarmRecord['category'] {
  const given = type || sourceFlag;
  if (given) return given === 'SP' ? 'physiological' : 'technical';
  if (event && TECHNICAL_EVENTS.has(event.ref)) return 'technical';
  return about ? 'physiological' : 'technical';
}

/** MSH-3 as HD: namespace^universal id^type; an EUI-64 there identifies the sending device. */
function sourceOf(m: Hl7Message): DeviceIdentity | undefined {
  const universal = get(m, m.msh, 3, 2);
  if (universal && get(m, m.msh, 3, 3) === 'EUI-64') return { serial: universal };
  return undefined;
}
