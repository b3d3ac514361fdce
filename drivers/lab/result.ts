// One analyser result, as the astm and poct1a decoders read it off the wire, made into a canonical `lab` record:
// LOINC from the test map, UCUM unit, the value or the qualitative text, reference range, flags and status.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import {
  SCHEMA_VERSION,
  codeTables,
  loincTest,
  type DeviceIdentity,
  type EventRecord,
  type LabRecord,
  type Validity,
} from '../../src/schema/index.js';
import type { RecordIds, RecordSink } from '../sdk/driver.js';
import { specimenClass, type TestMap } from './test-map.js';
import { ucumFor } from './units.js';
import { parseDecimal, parseRange } from './values.js';

/** How long an analyser may be silent before it counts as stale: results come when a sample is run, not continuously. */
export const LAB_STALE_AFTER_MS = 12 * 3600_000;

export type LabStatus = LabRecord['status'];

export interface LabObservation {
  /** The analyser's own test id (E1394 R-3, POCT1 OBS.observation_id). */
  vendorCode: string;
  vendorName?: string;
  /** A LOINC code the device gave itself (POCT1 SN="LN"); the test map is not consulted then. */
  loinc?: string;
  /** The result as written; numeric or qualitative. */
  value: string;
  unit: string;
  range: string;
  flags: string[];
  status: LabStatus;
  /** The device said the value is to be trusted less (e.g. training mode) or not at all. */
  validity?: Validity;
  specimenId?: string;
  specimenType?: string;
  patientId?: string;
  operator?: string;
  instrument?: string;
  collectedAtMs?: number;
  observedAtMs?: number;
  qc: boolean;
  notes: string[];
  source?: DeviceIdentity;
}

/** Builds records for one device; holds only the device's ids and test map. */
export class LabRecordBuilder {
  constructor(
    private readonly ids: RecordIds,
    private readonly tests: TestMap,
  ) {}

  /** A `lab` record, or an `event` naming the test id when the map has no LOINC for it (nothing is dropped). */
  emit(o: LabObservation, rx: RxTime, out: RecordSink): void {
    const receivedAt = isoMs(rx.wallMs);
    const observedAt = o.observedAtMs !== undefined ? isoMs(o.observedAtMs) : receivedAt;
    const specimen = specimenClass(o.specimenType);
    const base = o.loinc ? undefined : this.tests.lookup(o.vendorCode, specimen);
    // A device that names the LOINC itself may still omit the unit of a unitless-looking value (pH): take the
    // map's unit for the test's own name.
    const assumed = base?.unit ?? (o.vendorName ? this.tests.lookup(o.vendorName, 'blood')?.unit : undefined);
    const unitText = o.unit.trim() || assumed || '';
    const unit = unitText ? ucumFor(unitText) : undefined;
    // LOINC names the property: urea in mmol/L and in mg/dL are two terms, picked by the unit the result came in.
    const mapped = base && unit ? this.tests.lookup(o.vendorCode, specimen, unit.ucum) : base;
    const loinc = o.loinc ?? mapped?.loinc;
    if (!loinc) {
      const event: EventRecord = {
        kind: 'event',
        schema: SCHEMA_VERSION,
        vehicle: this.ids.vehicle,
        device: this.ids.device,
        driver: this.ids.driver,
        observedAt,
        receivedAt,
        mono: rx.monoMs,
        event: 'lab.unmapped_test',
        detail: {
          test: o.vendorCode,
          value: o.value,
          unit: o.unit,
          qc: o.qc,
          hint: `add "${o.vendorCode}" to this device's options.tests with its LOINC code`,
        },
      };
      out(event);
      return;
    }
    const number = o.status === 'cancelled' ? undefined : parseDecimal(o.value);
    const text = o.value.trim();
    let validity: Validity = o.validity ?? 'valid';
    if (o.status === 'cancelled' || (number === undefined && !text)) validity = 'unavailable';
    // A number in a unit we cannot name is shown with its unit text, and not trusted as a plain number.
    else if (number !== undefined && unitText && !unit && validity === 'valid') validity = 'questionable';
    const range = parseRange(o.range);
    const record: LabRecord = {
      kind: 'lab',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt,
      receivedAt,
      mono: rx.monoMs,
      test: { loinc, name: mapped?.name ?? (codeTables.isLoinc(loinc) ? loincTest(loinc).name : (o.vendorName ?? o.vendorCode)) },
      value: number ?? null,
      flags: o.flags,
      status: o.status,
      validity,
      qc: o.qc,
      vendor: o.vendorName ? { code: o.vendorCode, name: o.vendorName } : { code: o.vendorCode },
    };
    const shortName = mapped?.shortName ?? (codeTables.isLoinc(loinc) ? loincTest(loinc).shortName : undefined);
    if (shortName) record.test.shortName = shortName;
    if (number === undefined && text) record.text = text;
    else if (number !== undefined && unitText && !unit) record.text = `${text} ${unitText}`;
    if (unit) record.unit = unit;
    if (range) record.referenceRange = range;
    if (o.specimenId !== undefined || o.specimenType !== undefined) {
      record.specimen = {};
      if (o.specimenId !== undefined) record.specimen.id = o.specimenId;
      if (o.specimenType !== undefined) record.specimen.type = o.specimenType;
    }
    if (o.patientId !== undefined) record.patientId = o.patientId;
    if (o.operator !== undefined) record.operator = o.operator;
    if (o.instrument !== undefined) record.instrument = o.instrument;
    if (o.collectedAtMs !== undefined) record.collectedAt = isoMs(o.collectedAtMs);
    if (o.notes.length) record.notes = o.notes;
    if (o.source) record.source = o.source;
    out(record);
  }
}
