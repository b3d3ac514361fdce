// The care timeline as a daemon extension, fed by canonical records: the encounter opening (first medical contact),
// the first ECG tracing a device sends (a waveform, not a heart rate), a troponin result (lab records by LOINC, never
// QC), GPS fixes against the YAML's geofences, the crew's entries (milestones, pre-arrival alert) and the hospital's
// acknowledgement of the 12-lead (…/cmd/timeline/ack on the uplink). Each milestone, once, is a `milestone` record
// with the intervals as they stand.
// `ambulink timeline` reads it live (control method "timeline"). Works with no uplink; only the hospital's
// acknowledgement needs one (or the crew enters it).
import { isoMs } from '../core/clock.js';
import type { CommandChannel, InboundCommand } from '../core/hospital-channel.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { RecordGate } from '../daemon/record-gate.js';
import { SCHEMA_VERSION, type CanonicalRecord, type EventRecord, type LabRecord, type LocationRecord, type WaveformRecord } from '../schema/index.js';
import { CREW_MILESTONES, PRE_ARRIVAL_ALERTS, type CrewMilestone, type PreArrivalAlert } from '../crew/crew-input.js';
import { GeofenceTracker } from './geofence.js';
import { TimelineFile } from './store.js';
import { CareTimeline, type LiveInterval, type Milestone } from './timeline.js';
import type { MilestoneRecord } from './types.js';

const DRIVER = 'timeline';
/** How often running intervals are checked against their targets. */
const OVERDUE_CHECK_MS = 1_000;
/** The event announcing an interval past its target while it is still running. */
export const TARGET_OVERDUE_EVENT = 'timeline.target_overdue';
/** The `by` of a first medical contact taken from the encounter opening (which a crew entry may correct). */
const OPENED = 'encounter.opened';
/** Troponin I and T, conventional and high-sensitivity (src/schema/codes/loinc.json). */
export const TROPONIN_LOINC: ReadonlySet<string> = new Set(['10839-9', '89579-7', '6598-7', '67151-1']);

/**
 * An ECG tracing: a valid waveform of ECG electrical potential (MDC_ECG_ELEC_POTL, a lead or the monitor's lead in
 * use), with samples. A heart rate or an ST value is derived from an ECG but is not one: a pulse oximeter's rate
 * relabelled, or a monitor reporting HR from its SpO2 module, would otherwise pass for the first ECG. No driver
 * delivers a 12-lead acquisition as a record of its own; the crew marks one taken on an unconnected device.
 */
export function isEcgTracing(r: WaveformRecord): boolean {
  return r.metric.ref.startsWith('MDC_ECG_ELEC_POTL') && r.validity === 'valid' && r.samples.length > 0;
}

/** A target as said: whole minutes as minutes, else seconds. */
const spoken = (ms: number): string => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${Math.round(ms / 1000)} s`);

export interface TimelineReport {
  encounter: string | null;
  milestones: Array<Omit<Milestone, 'atMs'> & { at: string }>;
  intervals: LiveInterval[];
}

export class TimelineExtension implements Extension {
  readonly name = 'timeline';
  private timeline: CareTimeline | undefined;
  private readonly file: TimelineFile;
  private readonly fences: GeofenceTracker;
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Intervals of this encounter already announced as overdue: once each. */
  private overdue = new Set<string>();

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: { gate: RecordGate; commands: CommandChannel | undefined },
  ) {
    this.file = new TimelineFile(env.config.storage.dataDir);
    this.fences = new GeofenceTracker(env.config.timeline.geofences);
  }

  async start(): Promise<void> {
    const { config, bus, control, log } = this.env;
    if (!config.timeline.enabled) return;
    const encounter = this.parts.gate.encounter;
    const restored = this.file.read(encounter);
    if (restored.problem) log.warn(restored.problem);
    this.timeline = new CareTimeline(config.timeline.targets, encounter, restored.milestones);
    this.overdue = new Set(restored.overdue);
    bus.on(this, 'record', (r) => this.onRecord(r));
    this.timer = setInterval(() => this.checkOverdue(), OVERDUE_CHECK_MS);
    this.timer.unref();
    control.register('timeline', () => this.report());
    this.unsubscribe = this.parts.commands?.subscribe(`${this.env.topics.root}/cmd/timeline/ack`, (m) => this.onHospital(m));
  }

  async stop(): Promise<void> {
    this.env.bus.removeListeners(this);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  report(): TimelineReport {
    const t = this.timeline;
    if (!t) return { encounter: null, milestones: [], intervals: [] };
    return {
      encounter: t.encounter ?? null,
      milestones: t.list().map(({ atMs, ...m }) => ({ ...m, at: isoMs(atMs) })),
      intervals: t.live(this.env.clock.wallMs()),
    };
  }

  private onRecord(r: CanonicalRecord): void {
    if (r.device === 'gateway' && r.kind === 'event') return this.onGatewayEvent(r);
    if (r.device === 'gateway') return;
    if (r.kind === 'waveform') {
      if (isEcgTracing(r) && !this.timeline?.has('first-ecg')) {
        this.add({ milestone: 'first-ecg', atMs: Date.parse(r.observedAt), origin: 'device', by: r.device, detail: { metric: r.metric.ref, ...(r.label ? { label: r.label } : {}) } });
      }
    } else if (r.kind === 'lab') this.onLab(r);
    else if (r.kind === 'location') this.onFix(r);
  }

  private onGatewayEvent(r: EventRecord): void {
    const by = typeof r.detail?.by === 'string' ? r.detail.by : 'crew';
    if (r.event === 'encounter.opened' || r.event === 'encounter.closed') {
      // A new patient (or none): a new timeline. Contact is when the crew opened the encounter.
      this.timeline = new CareTimeline(this.env.config.timeline.targets, this.parts.gate.encounter);
      this.overdue = new Set();
      this.fences.reset();
      if (r.event === 'encounter.opened') this.add({ milestone: 'first-medical-contact', atMs: Date.parse(r.observedAt), origin: 'crew', by: OPENED });
      else this.file.write(undefined, [], []);
    } else if (r.event === 'crew.milestone') {
      const milestone = r.detail?.milestone as CrewMilestone;
      if (!(CREW_MILESTONES as readonly string[]).includes(milestone)) return;
      const at = typeof r.detail?.at === 'string' ? r.detail.at : r.observedAt;
      const m: Milestone = { milestone, atMs: Date.parse(at), origin: 'crew', by };
      // Contact taken from the encounter opening is provisional: the crew may have reached the patient earlier.
      const provisional = this.timeline?.get(milestone)?.by === OPENED;
      if (provisional) this.add({ ...m, detail: { corrects: isoMs(this.timeline!.get(milestone)!.atMs) } }, true);
      else this.add(m);
    } else if (r.event === 'crew.pre_arrival_alert') {
      const alert = r.detail?.alert as PreArrivalAlert;
      if (!(PRE_ARRIVAL_ALERTS as readonly string[]).includes(alert)) return;
      // Each kind once; a further kind (stroke after STEMI) is its own milestone, saying which alerts came before.
      const earlier = this.timeline?.preArrivalAlerts().map((m) => m.preArrival) ?? [];
      const detail = earlier.length ? { earlier: earlier.join(' ') } : undefined;
      this.add({ milestone: 'pre-arrival-alert', atMs: Date.parse(r.observedAt), origin: 'crew', by, preArrival: alert, ...(detail ? { detail } : {}) });
    }
  }

  private onLab(r: LabRecord): void {
    if (r.qc || !TROPONIN_LOINC.has(r.test.loinc) || r.status === 'cancelled' || r.validity !== 'valid') return;
    if (r.value === null && r.text === undefined) return;
    this.add({
      milestone: 'troponin-result',
      atMs: Date.parse(r.observedAt),
      origin: 'device',
      by: r.device,
      detail: { loinc: r.test.loinc, test: r.test.name, value: r.value ?? r.text ?? null, unit: r.unit?.ucum ?? null, flags: r.flags.join(' ') },
    });
  }

  private onFix(r: LocationRecord): void {
    if (r.validity !== 'valid' || r.fix === 'none' || r.lat === undefined || r.lon === undefined) return;
    for (const e of this.fences.fix(r.lat, r.lon)) {
      this.add({ milestone: e.milestone, atMs: Date.parse(r.observedAt), origin: 'gps', by: e.fence.id, detail: { geofence: e.fence.id, distanceM: e.distanceM } });
    }
  }

  private onHospital(m: InboundCommand): void {
    // A retained message is history the broker kept, not an acknowledgement just sent.
    if (m.retain) return;
    let by = 'hospital';
    try {
      const body: unknown = m.payload.length ? JSON.parse(m.payload.toString('utf8')) : {};
      if (body && typeof body === 'object' && typeof (body as { by?: unknown }).by === 'string') by = (body as { by: string }).by.slice(0, 64) || by;
    } catch {
      this.env.log.warn({ topic: m.topic }, 'timeline: hospital acknowledgement is not JSON; taken as an acknowledgement without a name');
    }
    this.add({ milestone: '12-lead-acknowledged', atMs: this.env.clock.wallMs(), origin: 'hospital', by });
  }

  /**
   * An interval still running past its target (no first ECG 10 minutes after contact) is announced once, as an event
   * record, so the hospital learns it while it can still matter — not only whoever runs `ambulink timeline`.
   */
  private checkOverdue(): void {
    const t = this.timeline;
    if (!t) return;
    const { clock, config } = this.env;
    const now = clock.wallMs();
    for (const i of t.live(now)) {
      if (!i.overdue || this.overdue.has(i.name)) continue;
      this.overdue.add(i.name);
      this.file.write(t.encounter, t.list(), [...this.overdue]);
      const at = isoMs(now);
      const record: EventRecord = {
        kind: 'event',
        schema: SCHEMA_VERSION,
        vehicle: config.vehicle.id,
        device: 'gateway',
        driver: DRIVER,
        observedAt: at,
        receivedAt: at,
        mono: clock.monoMs(),
        event: TARGET_OVERDUE_EVENT,
        detail: {
          interval: i.name,
          from: i.from,
          to: i.to,
          since: isoMs(t.get(i.from)!.atMs),
          targetMs: i.targetMs,
          elapsedMs: i.elapsedMs,
          text: `${i.to} not within ${spoken(i.targetMs ?? 0)} of ${i.from}`,
        },
      };
      this.env.log.warn({ interval: i.name, targetMs: i.targetMs, elapsedMs: i.elapsedMs }, 'care timeline: target overdue');
      this.parts.gate.ingest(record);
    }
  }

  /** Records and announces a milestone the first time it happens (or, with `replace`, a correction of it). */
  private add(m: Milestone, replace = false): void {
    const t = this.timeline;
    if (!t || !Number.isFinite(m.atMs) || !(replace ? t.replace(m) : t.add(m))) return;
    this.file.write(t.encounter, t.list(), [...this.overdue]);
    const { clock, config } = this.env;
    const now = isoMs(clock.wallMs());
    const record: MilestoneRecord = {
      kind: 'milestone',
      schema: SCHEMA_VERSION,
      vehicle: config.vehicle.id,
      device: 'gateway',
      driver: DRIVER,
      observedAt: isoMs(m.atMs),
      receivedAt: now,
      mono: clock.monoMs(),
      milestone: m.milestone,
      at: isoMs(m.atMs),
      origin: m.origin,
      by: m.by,
      ...(m.preArrival ? { preArrival: m.preArrival } : {}),
      ...(m.detail ? { detail: m.detail } : {}),
      intervals: t.intervals(),
    };
    this.env.log.info({ milestone: m.milestone, origin: m.origin, by: m.by }, 'care timeline milestone');
    this.parts.gate.ingest(record);
  }
}
