// Canonical records → HL7 v2 messages for the hospital's interface engine: IHE PCD-01 observation reports (ORU^R01,
// one per device per observation cycle), PCD-04 alert reports (ORU^R40, one per alarm state change) and point-of-care
// results (ORU^R01 with LOINC, one per specimen). Pure apart from the clock it is given: the same records at the same
// times give the same messages, apart from the control ids' per-builder tag.
import { randomBytes } from 'node:crypto';
import type { AlarmRecord, CanonicalRecord, LabRecord, NumericRecord } from '../../schema/index.js';
import type { HandoverBuilder, HandoverMessage } from '../destination.js';
import { alertReport } from './alerts.js';
import { ControlIds } from './control-id.js';
import { CycleCollector, type Cycle } from './cycles.js';
import { labReport } from './labs.js';
import { observationReport } from './observations.js';
import type { Hl7BuilderOptions } from './options.js';

/** Why records did not become HL7, counted (nothing is dropped without a count). */
export type SkipReason =
  /** No encounter was open when the record was made: there is no patient to file it under. */
  | 'no-encounter'
  /**
   * Waveforms are not sent over HL7: PCD-01 reports periodic numerics, a 500 Hz ECG as NA rows would be megabytes an
   * hour to an interface engine that files none of it; waveforms reach the hospital as FHIR valueSampledData.
   */
  | 'waveform'
  /** Records with no HL7 message of their own (location, device state, events, loss accounting, settings). */
  | 'not-hl7'
  /** A quality-control measurement of an analyser: never a patient result. */
  | 'qc'
  /** An alarm record repeating the state (and priority) already reported for that alarm. */
  | 'alarm-unchanged';

const DEFAULT_QUIET_MS = 2000;
const DEFAULT_WINDOW_MS = 1000;
/** The results of one specimen arrive together, but an analyser may take its time between them. */
const LAB_WINDOW_MS = 60_000;

export class Hl7Builder implements HandoverBuilder {
  private readonly numerics: CycleCollector<NumericRecord>;
  private readonly labs: CycleCollector<LabRecord>;
  /** Per device and alarm id: the state and priority last reported (cleared alarms are forgotten). */
  private readonly alarmStates = new Map<string, string>();
  /** Per device and metric code: the latest numeric, for the value an alert report names. */
  private readonly latest = new Map<string, NumericRecord>();
  private readonly skippedCounts = new Map<SkipReason, number>();

  constructor(
    private readonly options: Hl7BuilderOptions,
    private readonly ids: ControlIds = new ControlIds(randomBytes(2).toString('hex').toUpperCase()),
  ) {
    this.numerics = new CycleCollector<NumericRecord>({
      windowMs: options.cycleWindowMs ?? DEFAULT_WINDOW_MS,
      quietMs: options.quietMs ?? DEFAULT_QUIET_MS,
      member: (r) => r.metric.code,
      observedMs: (r) => Date.parse(r.observedAt),
    });
    this.labs = new CycleCollector<LabRecord>({
      windowMs: LAB_WINDOW_MS,
      quietMs: options.quietMs ?? DEFAULT_QUIET_MS,
      member: (r) => r.test.loinc,
      observedMs: (r) => Date.parse(r.observedAt),
      fits: (cycle, r) => cycle.records[0]!.specimen?.id === r.specimen?.id,
    });
  }

  onRecord(record: CanonicalRecord, nowMs: number): HandoverMessage[] {
    switch (record.kind) {
      case 'numeric':
        return this.numeric(record, nowMs);
      case 'alarm':
        return this.alarm(record, nowMs);
      case 'lab':
        return this.lab(record, nowMs);
      case 'waveform':
        return this.skip('waveform');
      default:
        return this.skip('not-hl7');
    }
  }

  tick(nowMs: number): HandoverMessage[] {
    return [
      ...this.numerics.quiet(nowMs).map((c) => this.observationMessage(c, nowMs)),
      ...this.labs.quiet(nowMs).map((c) => this.labMessage(c, nowMs)),
    ];
  }

  /** Records not sent, by reason. */
  get skipped(): ReadonlyMap<SkipReason, number> {
    return this.skippedCounts;
  }

  private numeric(record: NumericRecord, nowMs: number): HandoverMessage[] {
    this.latest.set(`${record.device}\u0000${record.metric.code}`, record);
    if (record.encounter === undefined) return this.skip('no-encounter');
    const closed = this.numerics.add(record.device, record.encounter, record, nowMs);
    return closed ? [this.observationMessage(closed, nowMs)] : [];
  }

  private alarm(record: AlarmRecord, nowMs: number): HandoverMessage[] {
    if (record.encounter === undefined) return this.skip('no-encounter');
    const key = `${record.device}\u0000${record.alarmId}`;
    const previous = this.alarmStates.get(key);
    const signature = `${record.state}/${record.priority}`;
    if (previous === signature) return this.skip('alarm-unchanged');
    if (record.state === 'cleared') this.alarmStates.delete(key);
    else this.alarmStates.set(key, signature);
    const id = this.ids.next(nowMs);
    const body = alertReport(record, {
      options: this.options,
      controlId: id,
      nowMs,
      open: this.options.encounter(),
      encounter: record.encounter,
      isNew: previous === undefined,
      sourceValue: record.about && this.latest.get(`${record.device}\u0000${record.about.code}`),
    });
    return [{ id, type: 'ORU^R40', body, createdAt: nowMs }];
  }

  private lab(record: LabRecord, nowMs: number): HandoverMessage[] {
    if (record.qc) return this.skip('qc');
    if (record.encounter === undefined) return this.skip('no-encounter');
    const closed = this.labs.add(record.device, record.encounter, record, nowMs);
    return closed ? [this.labMessage(closed, nowMs)] : [];
  }

  private labMessage(cycle: Cycle<LabRecord>, nowMs: number): HandoverMessage {
    const id = this.ids.next(nowMs);
    const body = labReport({ device: cycle.key, encounter: cycle.encounter, results: cycle.records }, this.options, id, nowMs, this.options.encounter());
    return { id, type: 'ORU^R01', body, createdAt: nowMs };
  }

  private observationMessage(cycle: Cycle<NumericRecord>, nowMs: number): HandoverMessage {
    const id = this.ids.next(nowMs);
    const body = observationReport({ device: cycle.key, encounter: cycle.encounter, records: cycle.records }, this.options, id, nowMs, this.options.encounter());
    return { id, type: 'ORU^R01', body, createdAt: nowMs };
  }

  private skip(reason: SkipReason): HandoverMessage[] {
    this.skippedCounts.set(reason, (this.skippedCounts.get(reason) ?? 0) + 1);
    return [];
  }
}
