// MEDIBUS frames → canonical records: measured data (code pages 1 and 2) as numerics, device settings and the
// ventilation mode as settings, alarms with their state changes, realtime curves as waveform blocks.
// MEDIBUS sends current values without timestamps: a value was observed when its response arrived.
// A code that was present in an earlier reply and is missing now is invalid (the protocol's way of saying so).
import { isoMs, type RxTime } from '../../src/core/clock.js';
import {
  SCHEMA_VERSION,
  type AlarmRecord,
  type NumericRecord,
  type SettingRecord,
  type WaveformRecord,
} from '../../src/schema/index.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { CODE_PAGES, IE_PARTS, IE_RATIO, MODE_MESSAGES, VENT_MODE, type CodeEntry, type CurveName } from './code-tables.js';
import type { MedibusFrame } from './framer.js';
import { CMD, ETX, hex2 } from './protocol.js';
import { parseRealtimeConfig, planStreams, type PlannedStream } from './realtime.js';

export interface MedibusDecoderOptions {
  readonly curves: readonly CurveName[];
  /** Length of one waveform record, ms of samples. */
  readonly waveformBlockMs: number;
  /** MEDIBUS alarm priority (1–31, 31 highest) at or above which an alarm is IEC 60601-1-8 high / medium. */
  readonly alarmPriority: { readonly high: number; readonly medium: number };
}

/** Pseudo data code under which the combined I:E ratio is remembered. */
const IE_CODE = -1;
const MODE_CODE = -2;

interface ActiveAlarm {
  priority: number;
  text: string;
}

interface Block {
  samples: number[];
  rx: RxTime;
}

const PHYSIOLOGICAL = /HIGH|LOW|APN|TACHY|BRADY/;

export class MedibusDecoder implements Decoder<MedibusFrame> {
  /** Per response code, every data code seen since the link started (absent later = invalid). */
  private readonly seen = new Map<number, Set<number>>();
  private readonly alarms = new Map<number, Map<number, ActiveAlarm>>();
  private plan: PlannedStream[] = [];
  private blocks: Array<Block | undefined> = [];

  constructor(
    private readonly ids: RecordIds,
    private readonly options: MedibusDecoderOptions,
  ) {}

  decode(frame: MedibusFrame, rx: RxTime, out: RecordSink): void {
    switch (frame.type) {
      case 'response':
        return this.response(frame.code, frame.data, rx, out);
      case 'realtime':
        return this.realtime(frame.mask, frame.values, rx, out);
      case 'command':
        // The device changed its realtime configuration: the streams mean something else until it is read again.
        if (frame.code === CMD.realtimeConfigChanged) this.setPlan([], out);
        return;
      default:
        return;
    }
  }

  flush(_rx: RxTime, out: RecordSink): void {
    this.plan.forEach((_, i) => this.emitBlock(i, out));
  }

  private response(code: number, data: string, rx: RxTime, out: RecordSink): void {
    switch (code) {
      case CMD.measuredCp1:
      case CMD.measuredCp2:
      case CMD.settings:
        return this.values(code, data, 6 + (code === CMD.settings ? 1 : 0), rx, out);
      case CMD.alarmsCp1:
      case CMD.alarmsCp2:
        return this.alarmList(code, data, rx, out);
      case CMD.textMessages:
        return this.textMessages(data, rx, out);
      case CMD.realtimeConfig:
        return this.setPlan(planStreams(parseRealtimeConfig(data), this.options.curves), out);
      default:
        return;
    }
  }

  private seenFor(code: number): Set<number> {
    let s = this.seen.get(code);
    if (!s) this.seen.set(code, (s = new Set()));
    return s;
  }

  /** Items of 2 hex digits + value (4 characters for measured data, 5 for settings). */
  private values(page: number, data: string, size: number, rx: RxTime, out: RecordSink): void {
    const table = CODE_PAGES.get(page)!;
    const ie = IE_PARTS.get(page);
    const seen = this.seenFor(page);
    const present = new Set<number>();
    const at = isoMs(rx.wallMs); // one timestamp string per reply, not per value
    let iPart: number | undefined;
    let ePart: number | undefined;
    for (let i = 0; i + size <= data.length; i += size) {
      const code = parseInt(data.slice(i, i + 2), 16);
      const text = data.slice(i + 2, i + size).trim();
      const value = text === '' ? NaN : Number(text);
      if (ie && code === ie[0]) iPart = value;
      if (ie && code === ie[1]) ePart = value;
      const entry = table.get(code);
      if (!entry || present.has(code)) continue;
      present.add(code);
      seen.add(code);
      this.emitValue(page, entry, code, Number.isFinite(value) ? value : null, at, rx, out);
    }
    if (ie && iPart !== undefined && ePart !== undefined && Number.isFinite(iPart) && Number.isFinite(ePart) && ePart > 0) {
      present.add(IE_CODE);
      seen.add(IE_CODE);
      this.emitValue(page, IE_RATIO, IE_CODE, iPart / ePart, at, rx, out);
    }
    for (const code of seen) {
      if (present.has(code)) continue;
      const entry = code === IE_CODE ? IE_RATIO : table.get(code)!;
      this.emitValue(page, entry, code, null, at, rx, out);
    }
  }

  private emitValue(page: number, entry: CodeEntry, code: number, value: number | null, at: string, rx: RxTime, out: RecordSink): void {
    const vendor = { code: code === IE_CODE ? (page === CMD.settings ? '07/08' : 'E7/E8') : hex2(code), name: entry.label };
    // A setting and a numeric carry the same fields; the page says which one this is.
    const record: SettingRecord | NumericRecord = {
      kind: page === CMD.settings ? 'setting' : 'numeric',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: at,
      receivedAt: at,
      mono: rx.monoMs,
      metric: entry.metric,
      value,
      unit: entry.unit,
      validity: value === null ? 'invalid' : 'valid',
      label: entry.label,
      vendor,
    };
    out(record);
  }

  /** Items of 15 characters: priority (1–31 + 0x30), 2 hex digits, 12-character English phrase. */
  private alarmList(page: number, data: string, rx: RxTime, out: RecordSink): void {
    let active = this.alarms.get(page);
    if (!active) this.alarms.set(page, (active = new Map()));
    const now = new Map<number, ActiveAlarm>();
    for (let i = 0; i + 15 <= data.length; i += 15) {
      const code = parseInt(data.slice(i + 1, i + 3), 16);
      now.set(code, { priority: data.charCodeAt(i) - 0x30, text: data.slice(i + 3, i + 15).trim() });
    }
    for (const [code, alarm] of now) {
      const before = active.get(code);
      if (!before || before.priority !== alarm.priority || before.text !== alarm.text) {
        this.emitAlarm(page, code, alarm, 'active', rx, out);
      }
    }
    for (const [code, alarm] of active) if (!now.has(code)) this.emitAlarm(page, code, alarm, 'cleared', rx, out);
    this.alarms.set(page, now);
  }

  private emitAlarm(page: number, code: number, alarm: ActiveAlarm, state: 'active' | 'cleared', rx: RxTime, out: RecordSink): void {
    const at = isoMs(rx.wallMs);
    const { high, medium } = this.options.alarmPriority;
    const record: AlarmRecord = {
      kind: 'alarm',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: at,
      receivedAt: at,
      mono: rx.monoMs,
      alarmId: `${page === CMD.alarmsCp1 ? 'cp1' : 'cp2'}-${hex2(code)}`,
      text: alarm.text,
      priority: alarm.priority >= high ? 'high' : alarm.priority >= medium ? 'medium' : 'low',
      category: PHYSIOLOGICAL.test(alarm.text.toUpperCase()) ? 'physiological' : 'technical',
      state,
      vendor: { code: hex2(code), name: `MEDIBUS priority ${alarm.priority}` },
    };
    out(record);
  }

  /** Items of code (2 hex), length (n + 0x30), n characters, ETX. The ventilation mode is one of them. */
  private textMessages(data: string, rx: RxTime, out: RecordSink): void {
    let mode: { code: number; text: string } | undefined;
    for (let i = 0; i + 3 <= data.length; ) {
      const code = parseInt(data.slice(i, i + 2), 16);
      const n = data.charCodeAt(i + 2) - 0x30;
      const text = data.slice(i + 3, i + 3 + n);
      i += 3 + n + (data.charCodeAt(i + 3 + n) === ETX ? 1 : 0);
      if (!mode && (MODE_MESSAGES.has(code) || /^mode\s/i.test(text))) mode = { code, text };
    }
    const seen = this.seenFor(CMD.textMessages);
    if (!mode && !seen.has(MODE_CODE)) return;
    seen.add(MODE_CODE);
    const at = isoMs(rx.wallMs);
    const value = mode ? mode.text.replace(/^mode\s+/i, '').trim() || MODE_MESSAGES.get(mode.code) || mode.text : null;
    const record: SettingRecord = {
      kind: 'setting',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: at,
      receivedAt: at,
      mono: rx.monoMs,
      metric: VENT_MODE,
      value,
      validity: value === null ? 'invalid' : 'valid',
      label: 'Mode',
      ...(mode ? { vendor: { code: hex2(mode.code), name: mode.text } } : {}),
    };
    out(record);
  }

  private setPlan(plan: PlannedStream[], out: RecordSink): void {
    this.plan.forEach((_, i) => this.emitBlock(i, out));
    this.plan = plan;
    this.blocks = plan.map(() => undefined);
  }

  private realtime(mask: number, values: readonly number[], rx: RxTime, out: RecordSink): void {
    const plan = this.plan;
    let k = 0;
    for (let stream = 0; stream < 12 && k < values.length; stream++) {
      if (!(mask & (1 << stream))) continue;
      const raw = values[k++]!;
      const p = plan[stream];
      if (!p) continue; // a stream the gateway did not ask for (or before the configuration was read)
      let block = this.blocks[stream];
      if (!block) this.blocks[stream] = block = { samples: [], rx };
      block.samples.push(raw);
      if (block.samples.length >= Math.max(1, Math.round((p.rate * this.options.waveformBlockMs) / 1000))) {
        this.emitBlock(stream, out);
      }
    }
  }

  private emitBlock(stream: number, out: RecordSink): void {
    const block = this.blocks[stream];
    const p = this.plan[stream];
    this.blocks[stream] = undefined;
    if (!block || !p || block.samples.length === 0) return;
    const at = isoMs(block.rx.wallMs);
    const record: WaveformRecord = {
      kind: 'waveform',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: at,
      receivedAt: at,
      mono: block.rx.monoMs,
      metric: p.curve.metric,
      unit: p.curve.unit,
      rate: p.rate,
      scale: { factor: p.factor, offset: p.offset },
      samples: block.samples,
      validity: 'valid',
      label: p.curve.label,
      vendor: { code: hex2(p.curve.code), name: p.curve.name },
    };
    out(record);
  }
}
