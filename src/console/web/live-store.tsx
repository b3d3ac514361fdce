// Everything the page knows, fed by MQTT over WebSocket: the local broker's batched feed (FEED_MS of
// records per message) or, in the hospital view, the uplink's envelopes (one stream's records per message). Waveform samples go into rings that the
// canvases read on their own animation frames; the rest is kept as plain maps and the page re-renders at most a few
// times a second.
import mqtt from 'mqtt';
import type {
  AlarmRecord,
  AlertRecord,
  CanonicalRecord,
  DeviceRecord,
  EventRecord,
  LabRecord,
  LocationRecord,
  MilestoneRecord,
  NumericRecord,
  ScoreRecord,
  SettingRecord,
  WaveformRecord,
} from '../../schema/records.js';
import type { ConsoleStateMessage, LatestValue, SessionInfo } from '../api-types.js';

/** Seconds of waveform a ring holds (what one canvas shows). */
export const WAVE_SECONDS = 6;

export class WaveRing {
  readonly values: Float32Array;
  /** Samples written so far (the ring position is written % length). */
  written = 0;
  lastAt = 0;

  constructor(
    readonly rate: number,
    readonly label: string,
    readonly unit: string,
    readonly ref: string,
  ) {
    this.values = new Float32Array(Math.max(16, Math.round(rate * WAVE_SECONDS)));
  }

  append(r: WaveformRecord, now: number): void {
    const { factor, offset } = r.scale;
    for (const s of r.samples) this.values[this.written++ % this.values.length] = s * factor + offset;
    this.lastAt = now;
  }
}

export interface Numeric {
  record: NumericRecord | SettingRecord;
  /** Browser time when it arrived, and the interval since the one before (for staleness). */
  at: number;
  intervalMs: number | undefined;
}

export interface DeviceView {
  id: string;
  numerics: Map<string, Numeric>;
  waves: Map<string, WaveRing>;
  state: DeviceRecord | undefined;
  lastAt: number;
}

export interface ActiveAlarm {
  record: AlarmRecord;
  at: number;
}

export type Connection = 'connecting' | 'live' | 'offline';

export class LiveStore {
  readonly devices = new Map<string, DeviceView>();
  readonly alarms = new Map<string, ActiveAlarm>();
  /** Event records, newest last (setpoint lifecycle, encounters, alerts …), bounded. */
  readonly events: EventRecord[] = [];
  /** Early-warning scores, the latest of each (NEWS2, qSOFA, shock index). */
  readonly scores = new Map<string, ScoreRecord>();
  /** Band rises, newest last, bounded. */
  readonly alerts: AlertRecord[] = [];
  /** Care-timeline milestones, one of each per encounter (one per kind of pre-arrival alert). */
  readonly milestones = new Map<string, MilestoneRecord>();
  /** Lab results (blood gas, point of care), the latest per test and device; QC runs are not the patient's. */
  readonly labs = new Map<string, LabRecord>();
  location: LocationRecord | undefined;
  /** The retained gateway status message (on the hospital broker it carries outbox and uplink figures). */
  status: Record<string, unknown> | undefined;
  /** In the vehicle: the daemon's status and pending setpoints as last pushed (undefined until the first push). */
  daemon: ConsoleStateMessage | undefined;
  /** Browser time when it arrived. */
  daemonAt = 0;
  connection: Connection = 'connecting';
  lastMessageAt = 0;
  private client: mqtt.MqttClient | undefined;
  /** Alarms the feed has spoken of: the values of the page's first look (seed) never undo what it said since. */
  private readonly alarmsHeard = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private notifyTimer: number | undefined;

  constructor(private readonly session: SessionInfo) {}

  connect(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const client = mqtt.connect(`${scheme}://${location.host}${this.session.mqttPath}`, {
      protocolVersion: 4,
      ...(this.session.mode === 'vehicle' ? { username: this.session.username } : {}),
      clientId: `console-${Math.random().toString(16).slice(2, 10)}`,
      reconnectPeriod: 2000,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on('connect', () => {
      this.connection = 'live';
      // In the vehicle, the batched feed (every record of FEED_MS in one message), the status and the
      // daemon's pushed state; in the hospital view, the vehicle's topics, where the uplink's envelopes arrive.
      const { feedTopic, stateTopic, topicRoot } = this.session;
      const topics = feedTopic ? [feedTopic, `${topicRoot}/status`, ...(stateTopic ? [stateTopic] : [])] : [`${topicRoot}/#`];
      client.subscribe(topics, { qos: 0 });
      this.changed();
    });
    client.on('close', () => {
      this.connection = 'offline';
      this.changed();
    });
    client.on('message', (topic, payload) => this.receive(topic, payload));
  }

  close(): void {
    this.client?.end(true);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  device(id: string): DeviceView {
    let d = this.devices.get(id);
    if (!d) this.devices.set(id, (d = { id, numerics: new Map(), waves: new Map(), state: undefined, lastAt: 0 }));
    return d;
  }

  private receive(topic: string, payload: Uint8Array): void {
    const now = Date.now();
    this.lastMessageAt = now;
    let message: unknown;
    try {
      message = JSON.parse(new TextDecoder().decode(payload));
    } catch {
      return; // not ours to show (every payload on these topics is JSON)
    }
    if (topic === `${this.session.topicRoot}/status`) {
      this.status = message as Record<string, unknown>;
      return this.changed();
    }
    if (topic === this.session.stateTopic) {
      this.daemon = message as ConsoleStateMessage;
      this.daemonAt = now;
      return this.changed();
    }
    const m = message as { kind?: unknown; items?: unknown };
    const records = typeof m.kind === 'string' ? [m as CanonicalRecord] : Array.isArray(m.items) ? (m.items as CanonicalRecord[]) : [];
    let visible = false;
    for (const r of records) if (typeof r === 'object' && r && this.take(r, now)) visible = true;
    if (visible) this.changed();
  }

  /**
   * The daemon's latest values as the page loads (/api/latest), dated by their age there: the vitals show at once,
   * not at each device's next value. Only what the feed has not brought meanwhile, which is newer.
   */
  seed(values: readonly LatestValue[]): void {
    const now = Date.now();
    let visible = false;
    for (const { ageMs, record } of values) if (!this.knows(record) && this.take(record, now - ageMs)) visible = true;
    if (visible) this.changed();
  }

  private knows(r: CanonicalRecord): boolean {
    const d = this.devices.get(r.device);
    switch (r.kind) {
      case 'numeric':
      case 'setting':
        return d?.numerics.has(numericKey(r)) ?? false;
      case 'alarm':
        return this.alarmsHeard.has(alarmKey(r));
      case 'device':
        return d?.state !== undefined;
      case 'score':
        return this.scores.has(r.score);
      case 'milestone':
        return this.milestones.has(milestoneKey(r));
      case 'lab':
        return this.labs.has(labKey(r));
      case 'location':
        return this.location !== undefined;
      default:
        return true; // not shown from a first look (waves, events, alerts: as they arrive)
    }
  }

  /** Files one record; true if something shown in text changed (waveforms are drawn, not rendered). */
  private take(r: CanonicalRecord, now: number): boolean {
    const d = this.device(r.device);
    d.lastAt = Math.max(d.lastAt, now);
    switch (r.kind) {
      case 'waveform': {
        let ring = d.waves.get(r.metric.ref);
        if (!ring || ring.rate !== r.rate) d.waves.set(r.metric.ref, (ring = new WaveRing(r.rate, r.label ?? shortRef(r.metric.ref), r.unit.ucum, r.metric.ref)));
        ring.append(r, now);
        return ring.written === r.samples.length; // a new wave appears: render once
      }
      case 'numeric':
      case 'setting': {
        const key = numericKey(r);
        const before = d.numerics.get(key);
        d.numerics.set(key, { record: r, at: now, intervalMs: before ? now - before.at : undefined });
        return true;
      }
      case 'alarm': {
        const key = alarmKey(r);
        this.alarmsHeard.add(key);
        if (r.state === 'cleared') this.alarms.delete(key);
        else this.alarms.set(key, { record: r, at: now });
        return true;
      }
      case 'device':
        d.state = r;
        return true;
      case 'event':
        this.events.push(r);
        if (this.events.length > 200) this.events.splice(0, this.events.length - 200);
        return true;
      case 'score':
        this.scores.set(r.score, r);
        return true;
      case 'alert':
        this.alerts.push(r);
        if (this.alerts.length > 50) this.alerts.splice(0, this.alerts.length - 50);
        return true;
      case 'milestone':
        // Each pre-arrival alert kind is a milestone of its own (stroke after STEMI keeps both).
        this.milestones.set(milestoneKey(r), r);
        return true;
      case 'lab':
        if (!r.qc) this.labs.set(labKey(r), r);
        return true;
      case 'location':
        this.location = r;
        return true;
      case 'loss':
        return false; // accounting for the hospital; the outbox panel shows the count
    }
  }

  private changed(): void {
    // Many records arrive per second: the page re-renders at most four times a second.
    if (this.notifyTimer !== undefined) return;
    this.notifyTimer = window.setTimeout(() => {
      this.notifyTimer = undefined;
      for (const l of this.listeners) l();
    }, 250);
  }
}

// Where the store files a record, for take() and for knows() alike.
const numericKey = (r: NumericRecord | SettingRecord): string => `${r.kind}:${r.metric.ref}`;
const alarmKey = (r: AlarmRecord): string => `${r.device}/${r.alarmId}`;
const milestoneKey = (r: MilestoneRecord): string => (r.preArrival ? `${r.milestone}:${r.preArrival}` : r.milestone);
const labKey = (r: LabRecord): string => `${r.device}/${r.test.loinc}`;

/** MDC_ECG_ELEC_POTL_II → ECG ELEC POTL II; used only when the record has no label. */
export function shortRef(ref: string): string {
  return ref.replace(/^MDC_/, '').replace(/_/g, ' ');
}
