// The FHIR R4 builder: canonical records of an open encounter → one transaction Bundle per device per update cycle,
// and at the end of the encounter (arrival) a handover document. Every resource and every Bundle is validated
// (validate.ts) before it becomes a message: what fails is not queued but reported through `onInvalid`. The validator
// is the context's, in the daemon its own thread (a cycle takes it tens to hundreds of milliseconds, which the loop
// that drives the devices must not wait for), so what a call completes comes as a promise; the builder's promises
// settle in the order it made them, and the handover document waits for the cycles flushed before it.
//
// An update cycle of a device ends when one of its metrics repeats (the device started its next cycle), when the
// encounter changes, or `cycleMs` after it began (tick). Records outside an encounter belong to no patient and are
// not handed over; nor are QC results (never a patient's). Alarms, early-warning scores and their alerts, and the care
// timeline's milestones go into the handover document, not into the cycles (they travel live on the MQTT uplink, and
// alarms in HL7 R40). The document is built when the vehicle arrives (milestone arrived-hospital) or, failing that,
// when the crew closes the encounter.
import type { Bundle, DeviceMetric, Observation } from 'fhir/r4.js';
import type { Encounter } from '../../encounter/encounter.js';
import type {
  CanonicalRecord,
  DeviceIdentity,
  EventRecord,
  LabRecord,
  MilestoneRecord,
  NumericRecord,
  SettingRecord,
  WaveformRecord,
} from '../../schema/index.js';
import { mdcTerm } from '../../schema/index.js';
import type { BuiltMessages, HandoverBuilder, HandoverMessage } from '../destination.js';
import { messageOf, transactionBundle } from './bundle.js';
import { deviceRoleOf, pressureMemberOf, type PressureFamily } from './codes.js';
import { findingOf, HandoverSummary, type CrewNote, type SetpointApplied } from './summary.js';
import { handoverDocument } from './document.js';
import type { FhirOptions } from './options.js';
import {
  deviceMetricResource,
  deviceResource,
  encounterResource,
  labObservation,
  numericObservation,
  patientResource,
  pressureObservation,
  waveformObservation,
  type ObservationContext,
  type Prepared,
} from './resources.js';
import type { FhirValidator } from './validate.js';

type CycleRecord = NumericRecord | SettingRecord | WaveformRecord | LabRecord;

/** What was built but could not be sent: the message or resource, and the validator's words. */
export interface FhirProblem {
  readonly what: string;
  readonly device?: string;
  readonly encounter: string;
  readonly errors: readonly string[];
}

export interface FhirBuilderContext {
  readonly vehicle: string;
  /** The open encounter with the crew's patient data (the encounter service's), if any. */
  encounter(): Encounter | undefined;
  /** Called for every resource or Bundle the validator refused: to be logged and announced as a diagnostic. */
  onInvalid(problem: FhirProblem): void;
  /** What checks every resource and Bundle; the builder stops it when it stops. */
  readonly validator: FhirValidator;
}

interface Cycle {
  readonly device: string;
  readonly driver: string;
  readonly encounter: string;
  readonly startedAt: number;
  readonly records: CycleRecord[];
  readonly keys: Set<string>;
}

export class FhirBuilder implements HandoverBuilder {
  private readonly cycles = new Map<string, Cycle>();
  private readonly identities = new Map<string, DeviceIdentity>();
  private readonly encounters = new Map<string, Encounter | { id: string }>();
  private readonly summaries = new Map<string, HandoverSummary>();
  /** Encounters whose document was built: a second close or arrival event builds no second one. */
  private readonly handedOver = new Set<string>();
  /** The last validation step begun: each next one waits for it (see inTurn). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly options: Pick<FhirOptions, 'cycleMs' | 'waveforms' | 'identifierSystem'>,
    private readonly ctx: FhirBuilderContext,
  ) {}

  onRecord(record: CanonicalRecord, nowMs: number): BuiltMessages {
    if (record.source) this.noteIdentity(record.device, record.source);
    switch (record.kind) {
      case 'device':
        if (record.identity) this.noteIdentity(record.device, record.identity);
        return [];
      case 'event':
        return this.onEvent(record, nowMs);
      case 'numeric':
      case 'setting':
      case 'lab':
        return this.onCycleRecord(record, nowMs);
      case 'waveform':
        return this.options.waveforms ? this.onCycleRecord(record, nowMs) : [];
      case 'milestone':
        return this.onMilestone(record, nowMs);
      case 'score':
        if (record.encounter) this.summaryOf(record.encounter).scores.set(record.score, record);
        return [];
      case 'alert':
      case 'alarm': {
        const finding = record.encounter ? findingOf(record) : undefined;
        const findings = finding ? this.summaryOf(record.encounter!).findings : undefined;
        if (finding && !findings!.has(finding.key)) findings!.set(finding.key, finding.text);
        return [];
      }
      default:
        return [];
    }
  }

  /** Once every step begun has ended: the validator is stopped (records after this are a caller's bug). */
  async stop(): Promise<void> {
    await this.tail;
    await this.ctx.validator.stop?.();
  }

  tick(nowMs: number): BuiltMessages {
    const due = [...this.cycles.values()].filter((cycle) => nowMs - cycle.startedAt >= this.options.cycleMs);
    return due.length ? all(due.map((cycle) => this.flush(cycle, nowMs))) : [];
  }

  /**
   * A step that validates, begun when the one before it has ended: messages come out in the order the records made
   * them, and a handover document is built from a summary every earlier cycle has been noted in. A step that could
   * not validate (the validator's thread ended twice on it, or was stopped) queues nothing and is reported like a
   * refusal, naming why: its promise, like every other, resolves.
   */
  private inTurn(of: { encounter: string; device?: string }, step: () => Promise<HandoverMessage[]>): Promise<HandoverMessage[]> {
    const done = this.tail.then(step).catch((err: Error) => {
      this.ctx.onInvalid({ what: 'messages not validated', ...of, errors: [err.message] });
      return [];
    });
    this.tail = done;
    return done;
  }

  private noteIdentity(device: string, identity: DeviceIdentity): void {
    this.identities.set(device, { ...this.identities.get(device), ...identity });
  }

  /** The encounter as last seen with its patient data: the service forgets it when it closes, the handover may not. */
  private encounterOf(id: string): Encounter | { id: string } {
    const open = this.ctx.encounter();
    if (open?.id === id) this.encounters.set(id, open);
    return this.encounters.get(id) ?? { id };
  }

  private summaryOf(id: string): HandoverSummary {
    let s = this.summaries.get(id);
    if (!s) this.summaries.set(id, (s = new HandoverSummary()));
    return s;
  }

  private onEvent(record: EventRecord, nowMs: number): BuiltMessages {
    const encounterId = typeof record.detail?.encounter === 'string' ? record.detail.encounter : record.encounter;
    if (!encounterId) return [];
    this.encounterOf(encounterId);
    const crew = crewNote(record);
    if (crew) {
      const summary = this.summaryOf(encounterId);
      if (crew.kind === 'eta') summary.eta = crew.note;
      else summary.mechanisms.push(crew.note);
      return [];
    }
    if (record.event === 'setpoint.state') {
      const applied = setpointApplied(record);
      if (applied) this.summaryOf(encounterId).setpoints.push(applied);
      return [];
    }
    if (record.event !== 'encounter.closed' || this.handedOver.has(encounterId)) return [];
    return this.handOver(encounterId, record.observedAt, nowMs);
  }

  private onMilestone(record: MilestoneRecord, nowMs: number): BuiltMessages {
    if (!record.encounter) return [];
    this.encounterOf(record.encounter);
    this.summaryOf(record.encounter).milestones.push(record);
    if (record.milestone !== 'arrived-hospital' || this.handedOver.has(record.encounter)) return [];
    return this.handOver(record.encounter, record.at, nowMs);
  }

  private onCycleRecord(record: CycleRecord, nowMs: number): BuiltMessages {
    if (!record.encounter) return [];
    if (record.kind === 'lab' && record.qc) return [];
    this.encounterOf(record.encounter);
    let out: BuiltMessages = [];
    const key = record.kind === 'lab' ? `lab:${record.test.loinc}` : `${record.kind}:${record.metric.ref}`;
    let cycle = this.cycles.get(record.device);
    // A waveform block never ends a cycle: several blocks of one wave make one segment.
    if (cycle && (cycle.encounter !== record.encounter || (record.kind !== 'waveform' && cycle.keys.has(key)))) {
      out = this.flush(cycle, nowMs);
      cycle = undefined;
    }
    if (!cycle) {
      cycle = { device: record.device, driver: record.driver, encounter: record.encounter, startedAt: nowMs, records: [], keys: new Set() };
      this.cycles.set(record.device, cycle);
    }
    cycle.records.push(record);
    cycle.keys.add(key);
    return out;
  }

  private context(encounterId: string, closedAt?: string): ObservationContext & { device: (id: string, driver: string) => ReturnType<typeof deviceResource> } {
    const { vehicle } = this.ctx;
    const enc = this.encounterOf(encounterId);
    const patient = patientResource(vehicle, enc);
    const encounter = encounterResource(vehicle, this.options.identifierSystem, enc, patient, closedAt);
    return {
      vehicle,
      patient,
      encounter,
      device: (id, driver) => deviceResource(vehicle, id, deviceRoleOf(driver), this.identities.get(id), patient),
    };
  }

  /**
   * The cycle's Bundle: its Patient, Encounter, Device, the DeviceMetrics it uses and its Observations. Built now, from
   * the encounter as it is now; validated in turn.
   */
  private flush(cycle: Cycle, nowMs: number): Promise<HandoverMessage[]> {
    this.cycles.delete(cycle.device);
    const { vehicle } = this.ctx;
    const ctx = this.context(cycle.encounter);
    const device = ctx.device(cycle.device, cycle.driver);
    const summary = this.summaryOf(cycle.encounter);
    summary.devices.set(cycle.device, device);
    const metrics = new Map<string, Prepared<DeviceMetric>>();
    const metricOf = (r: NumericRecord | SettingRecord | WaveformRecord, term = r.metric): Prepared<DeviceMetric> => {
      const category = r.kind === 'setting' ? 'setting' : 'measurement';
      const k = `${category}:${term.ref}`;
      let m = metrics.get(k);
      if (!m) metrics.set(k, (m = deviceMetricResource(vehicle, cycle.device, term, r.unit, category, device)));
      return m;
    };
    const observations: Array<{ obs: Prepared<Observation>; metric?: Prepared<DeviceMetric>; role: 'vital' | 'setting' | 'lab' | 'other' }> = [];
    const pressures = new Map<PressureFamily, { sys?: NumericRecord; dia?: NumericRecord; mean?: NumericRecord }>();
    const waves = new Map<string, { first: WaveformRecord; samples: number[]; endMs: number }[]>();
    for (const r of cycle.records) {
      if (r.kind === 'lab') {
        observations.push({ obs: labObservation(ctx, r, device), role: 'lab' });
      } else if (r.kind === 'waveform') {
        appendSegment(waves, r);
      } else {
        const member = r.kind === 'numeric' ? pressureMemberOf(r.metric) : undefined;
        if (member && r.kind === 'numeric') {
          const group = pressures.get(member.family) ?? {};
          group[member.role] = r;
          pressures.set(member.family, group);
          continue;
        }
        const obs = numericObservation(ctx, r, metricOf(r));
        observations.push({ obs, metric: metricOf(r), role: r.kind === 'setting' ? 'setting' : obs.resource.category ? 'vital' : 'other' });
      }
    }
    for (const [family, group] of pressures) {
      if (group.sys && group.dia && typeof group.sys.value === 'number' && typeof group.dia.value === 'number') {
        const compound = mdcTerm(family.compound);
        const metric = metricOf(group.sys, compound);
        observations.push({ obs: pressureObservation(ctx, family, { sys: group.sys, dia: group.dia, ...(group.mean ? { mean: group.mean } : {}) }, compound, metric), metric, role: 'vital' });
      } else {
        // Not a complete measurement for the bp profile: each member goes as its own MDC- and LOINC-coded value.
        for (const r of [group.sys, group.dia, group.mean]) {
          if (r) observations.push({ obs: numericObservation(ctx, r, metricOf(r)), metric: metricOf(r), role: 'other' });
        }
      }
    }
    for (const segments of waves.values()) {
      for (const s of segments) observations.push({ obs: waveformObservation(ctx, s, metricOf(s.first)), metric: metricOf(s.first), role: 'other' });
    }

    const context = [ctx.patient, ctx.encounter, device, ...metrics.values()];
    return this.inTurn({ encounter: cycle.encounter, device: cycle.device }, async () => {
      const checks = await this.ctx.validator.validate([...context, ...observations.map((o) => o.obs)].map((p) => ({ resource: p.resource })));
      const refused = context.flatMap((p, i) => (checks[i]!.ok ? [] : [{ p, v: checks[i]! }]));
      if (refused.length) {
        for (const { p, v } of refused) this.ctx.onInvalid({ what: p.resource.resourceType, device: cycle.device, encounter: cycle.encounter, errors: v.errors });
        return [];
      }
      const valid = observations.filter(({ obs }, i) => {
        const v = checks[context.length + i]!;
        if (!v.ok) this.ctx.onInvalid({ what: `Observation ${obs.resource.code.coding?.[0]?.display ?? ''}`.trim(), device: cycle.device, encounter: cycle.encounter, errors: v.errors });
        return v.ok;
      });
      if (!valid.length) return [];
      for (const o of valid) {
        summary.note(o.role, o.obs, cycle.device);
        if (o.metric) summary.metrics.set(o.metric.sid.urn, o.metric);
      }
      const usedMetrics = new Set(valid.flatMap((o) => (o.metric ? [o.metric.sid.urn] : [])));
      const bundle = transactionBundle(
        [ctx.patient, ctx.encounter, device, ...[...metrics.values()].filter((m) => usedMetrics.has(m.sid.urn)), ...valid.map((o) => o.obs)],
        nowMs,
      );
      return this.checked(bundle, cycle.encounter, cycle.device, nowMs);
    });
  }

  /** A Bundle becomes a message only once the validator passed it whole (its entries were each checked before). */
  private async checked(bundle: Bundle, encounter: string, device: string | undefined, nowMs: number): Promise<HandoverMessage[]> {
    const [v] = await this.ctx.validator.validate([{ bundle, entryProfiles: false }]);
    if (!v!.ok) {
      this.ctx.onInvalid({ what: `Bundle (${bundle.type})`, ...(device ? { device } : {}), encounter, errors: v!.errors });
      return [];
    }
    return [messageOf(bundle as Bundle & { id: string }, nowMs)];
  }

  /**
   * The end of the encounter's journey: its open cycles go first, then a transaction that marks the Encounter
   * finished, then the handover document.
   */
  private handOver(encounterId: string, at: string, nowMs: number): Promise<HandoverMessage[]> {
    const cycles = [...this.cycles.values()].filter((cycle) => cycle.encounter === encounterId).map((cycle) => this.flush(cycle, nowMs));
    const summary = this.summaryOf(encounterId);
    this.handedOver.add(encounterId);
    const ctx = this.context(encounterId, at);
    const encounter = this.encounterOf(encounterId);
    this.summaries.delete(encounterId);
    this.encounters.delete(encounterId);
    const closing = this.inTurn({ encounter: encounterId }, async () => {
      const out = await this.checked(transactionBundle([ctx.patient, ctx.encounter], nowMs), encounterId, undefined, nowMs);
      // Built once every cycle flushed before it has been noted in the summary.
      const doc = handoverDocument({
        vehicle: this.ctx.vehicle,
        encounter,
        patient: ctx.patient,
        fhirEncounter: ctx.encounter,
        gateway: deviceResource(this.ctx.vehicle, 'gateway', 'other', { manufacturer: 'ambulink', model: 'ambulink gateway' }, undefined),
        summary,
        at,
        nowMs,
      });
      const entries = (doc.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
      const checks = await this.ctx.validator.validate(entries.map((resource) => ({ resource })));
      entries.forEach((r, i) => {
        if (!checks[i]!.ok) this.ctx.onInvalid({ what: `${r.resourceType} of the handover document`, encounter: encounterId, errors: checks[i]!.errors });
      });
      return checks.every((v) => v.ok) ? [...out, ...(await this.checked(doc, encounterId, undefined, nowMs))] : out;
    });
    return all([...cycles, closing]);
  }
}

/** The messages of several steps (none rejects), in the order of the steps. */
async function all(steps: readonly Promise<HandoverMessage[]>[]): Promise<HandoverMessage[]> {
  return (await Promise.all(steps)).flat();
}

/** Consecutive blocks of one wave (same rate, scale and validity, no gap) become one segment. */
function appendSegment(waves: Map<string, { first: WaveformRecord; samples: number[]; endMs: number }[]>, r: WaveformRecord): void {
  const list = waves.get(r.metric.ref) ?? [];
  waves.set(r.metric.ref, list);
  const startMs = Date.parse(r.observedAt);
  const durationMs = (r.samples.length / r.rate) * 1000;
  const last = list[list.length - 1];
  const joins =
    last &&
    last.first.rate === r.rate &&
    last.first.scale.factor === r.scale.factor &&
    last.first.scale.offset === r.scale.offset &&
    last.first.validity === r.validity &&
    last.first.unit.ucum === r.unit.ucum &&
    Math.abs(startMs - last.endMs) <= 1500 / r.rate;
  if (joins) {
    last.samples.push(...r.samples);
    last.endMs = startMs + durationMs;
  } else {
    list.push({ first: r, samples: [...r.samples], endMs: startMs + durationMs });
  }
}

/** A setpoint the ventilator applied and read back (final states Fin / FinMod), for the Treatment section. */
function setpointApplied(record: EventRecord): SetpointApplied | undefined {
  const d = record.detail ?? {};
  if (d.state !== 'Fin' && d.state !== 'FinMod') return undefined;
  const target = d.target as { param?: unknown; value?: unknown; unit?: unknown } | undefined;
  if (!target || typeof target.param !== 'string' || typeof target.value !== 'number') return undefined;
  return {
    device: record.device,
    param: target.param,
    value: target.value,
    unit: typeof target.unit === 'string' ? target.unit : '',
    ...(typeof d.actual === 'number' ? { actual: d.actual } : {}),
    state: d.state,
    at: typeof d.at === 'string' ? d.at : record.observedAt,
    ...(d.source && typeof (d.source as { id?: unknown }).id === 'string' ? { by: (d.source as { id: string }).id } : {}),
  };
}

/** The crew's handover entries (crew.eta, crew.mechanism: already checked by the crew input) as the summary keeps them. */
function crewNote(
  record: EventRecord,
): { kind: 'eta'; note: CrewNote<string> } | { kind: 'mechanism'; note: CrewNote<{ text: string; incidentAt?: string }> } | undefined {
  const d = record.detail ?? {};
  const by = typeof d.by === 'string' ? d.by : 'crew';
  if (record.event === 'crew.eta' && typeof d.eta === 'string') return { kind: 'eta', note: { value: d.eta, by, enteredAt: record.observedAt } };
  if (record.event === 'crew.mechanism' && typeof d.text === 'string') {
    const value = { text: d.text, ...(typeof d.incidentAt === 'string' ? { incidentAt: d.incidentAt } : {}) };
    return { kind: 'mechanism', note: { value, by, enteredAt: record.observedAt } };
  }
  return undefined;
}
