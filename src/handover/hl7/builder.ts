// Canonical records → HL7 v2 messages for the hospital's interface engine: IHE PCD-01 observation reports (ORU^R01,
// one per device per observation cycle). Pure apart from the clock it is given: the same records at the same times
// give the same messages, apart from the control ids' per-builder tag.
import { randomBytes } from 'node:crypto';
import type { CanonicalRecord, NumericRecord } from '../../schema/index.js';
import type { HandoverBuilder, HandoverMessage } from '../destination.js';
import { ControlIds } from './control-id.js';
import { CycleCollector, type Cycle } from './cycles.js';
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
  | 'not-hl7';

const DEFAULT_QUIET_MS = 2000;
const DEFAULT_WINDOW_MS = 1000;

export class Hl7Builder implements HandoverBuilder {
  private readonly numerics: CycleCollector<NumericRecord>;
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
  }

  onRecord(record: CanonicalRecord, nowMs: number): HandoverMessage[] {
    switch (record.kind) {
      case 'numeric':
        return this.numeric(record, nowMs);
      case 'waveform':
        return this.skip('waveform');
      default:
        return this.skip('not-hl7');
    }
  }

  tick(nowMs: number): HandoverMessage[] {
    return this.numerics.quiet(nowMs).map((c) => this.observationMessage(c, nowMs));
  }

  /** Records not sent, by reason. */
  get skipped(): ReadonlyMap<SkipReason, number> {
    return this.skippedCounts;
  }

  private numeric(record: NumericRecord, nowMs: number): HandoverMessage[] {
    if (record.encounter === undefined) return this.skip('no-encounter');
    const closed = this.numerics.add(record.device, record.encounter, record, nowMs);
    return closed ? [this.observationMessage(closed, nowMs)] : [];
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
