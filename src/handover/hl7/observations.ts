// One IHE PCD-01 (DEC) observation report: the numerics of one device from one observation cycle, as ORU^R01.
import type { NumericRecord } from '../../schema/index.js';
import { hl7Time } from './dtm.js';
import type { HandoverEncounter, Hl7BuilderOptions } from './options.js';
import { addPatient, equipmentOf, orderId, oruMessage, PCD01_PROFILE, serialize, setComponents } from './segments.js';
import { nm, resultStatus, unitComponents } from './values.js';

export interface ObservationCycle {
  readonly device: string;
  readonly encounter: string;
  readonly records: readonly NumericRecord[];
}

/** PCD TF: OBR-4 of a periodic observation report is "monitoring of patient" (SNOMED CT 182777000). */
const MONITORING = ['182777000', 'monitoring of patient', 'SCT'] as const;

export function observationReport(cycle: ObservationCycle, o: Hl7BuilderOptions, controlId: string, nowMs: number, open: HandoverEncounter | undefined): string {
  const first = cycle.records[0]!;
  const msg = oruMessage({ options: o, controlId, nowMs, event: 'R01', profile: PCD01_PROFILE });
  addPatient(msg, o, cycle.encounter, open);
  const equipment = equipmentOf(first.source, cycle.device, o.vehicle);
  const obr = msg.addSegment('OBR');
  obr.set('1', '1');
  setComponents(obr, 2, orderId(controlId, o, equipment));
  setComponents(obr, 3, orderId(controlId, o, equipment));
  setComponents(obr, 4, MONITORING);
  // The cycle's time is its earliest observation; each OBX keeps its own in OBX-14.
  const earliest = cycle.records.reduce((a, r) => (r.observedAt < a ? r.observedAt : a), first.observedAt);
  obr.set('7', hl7Time(earliest));
  cycle.records.forEach((r, i) => {
    const obx = msg.addSegment('OBX');
    obx.set('1', String(i + 1));
    obx.set('2', 'NM');
    setComponents(obx, 3, [r.metric.code, r.metric.ref, 'MDC']);
    // Containment MDS.VMD.CHAN.METRIC: one MDS, VMD and channel unspecified (0), the metrics numbered in order.
    obx.set('4', `1.0.0.${i + 1}`);
    if (r.value !== null) obx.set('5', nm(r.value));
    setComponents(obx, 6, unitComponents(r.unit));
    obx.set('11', resultStatus(r.validity));
    obx.set('14', hl7Time(r.observedAt));
    setComponents(obx, 18, equipmentOf(r.source ?? first.source, cycle.device, o.vehicle));
  });
  return serialize(msg);
}
