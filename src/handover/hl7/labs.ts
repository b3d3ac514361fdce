// Point-of-care results (blood gas, troponin, lactate …) as ORU^R01 with LOINC in OBX-3: one message per specimen
// (the results of one cartridge), with reference ranges, abnormal flags, the analyser's notes as NTE and the specimen
// as SPM. No MSH-21 profile is claimed: these are not PCD device observations, and the lab profiles (LRI) ask for
// order data an ambulance analyser does not have.
import type { LabRecord } from '../../schema/index.js';
import { hl7Time } from './dtm.js';
import type { HandoverEncounter, Hl7BuilderOptions } from './options.js';
import { addPatient, equipmentOf, orderId, oruMessage, serialize, setComponents, setRepetitions, text } from './segments.js';
import { nm } from './values.js';

/** OBR-4: a local code (HL7's 99zzz convention for local coding systems); the tests themselves carry LOINC. */
const POINT_OF_CARE = ['POCT', 'point-of-care testing', '99AMB'] as const;

/** OBX-11, HL7 table 0085. */
function obxStatus(r: LabRecord): string {
  if (r.validity === 'invalid' || r.validity === 'unavailable' || r.status === 'cancelled') return 'X';
  return { final: 'F', preliminary: 'P', corrected: 'C', partial: 'P' }[r.status];
}

/** OBR-25, HL7 table 0123: the whole specimen's status. */
function obrStatus(results: readonly LabRecord[]): string {
  if (results.every((r) => r.status === 'cancelled')) return 'X';
  if (results.some((r) => r.status === 'corrected')) return 'C';
  if (results.every((r) => r.status === 'final' || r.status === 'cancelled')) return 'F';
  return 'P';
}

function rangeText(r: LabRecord): string | undefined {
  const range = r.referenceRange;
  if (!range) return undefined;
  if (range.text) return range.text;
  if (range.low !== undefined && range.high !== undefined) return `${nm(range.low)}-${nm(range.high)}`;
  if (range.low !== undefined) return `>${nm(range.low)}`;
  if (range.high !== undefined) return `<${nm(range.high)}`;
  return undefined;
}

export interface LabBatch {
  readonly device: string;
  readonly encounter: string;
  readonly results: readonly LabRecord[];
}

export function labReport(batch: LabBatch, o: Hl7BuilderOptions, controlId: string, nowMs: number, open: HandoverEncounter | undefined): string {
  const first = batch.results[0]!;
  const msg = oruMessage({ options: o, controlId, nowMs, event: 'R01', profile: [] });
  addPatient(msg, o, batch.encounter, open);
  const equipment = equipmentOf(first.instrument ? { ...first.source, serial: first.instrument } : first.source, batch.device, o.vehicle);
  const collected = hl7Time(first.collectedAt ?? first.observedAt);
  const obr = msg.addSegment('OBR');
  obr.set('1', '1');
  setComponents(obr, 2, orderId(first.specimen?.id || controlId, o, equipment));
  setComponents(obr, 3, orderId(controlId, o, equipment));
  setComponents(obr, 4, POINT_OF_CARE);
  obr.set('7', collected);
  obr.set('25', obrStatus(batch.results));

  batch.results.forEach((r, i) => {
    const obx = msg.addSegment('OBX');
    obx.set('1', String(i + 1));
    const qualitative = r.value === null && r.text !== undefined;
    if (r.value !== null) obx.set('2', 'NM');
    else if (qualitative) obx.set('2', 'ST');
    setComponents(obx, 3, [r.test.loinc, r.test.name, 'LN']);
    if (r.value !== null) obx.set('5', nm(r.value));
    else if (qualitative) obx.set('5', text(r.text!));
    if (r.unit) setComponents(obx, 6, [r.unit.ucum, r.unit.ucum, 'UCUM']);
    const range = rangeText(r);
    if (range) obx.set('7', text(range));
    if (r.flags.length) setRepetitions(obx, 8, r.flags);
    obx.set('11', obxStatus(r));
    // OBX-14 is when the specimen was taken; OBX-19 when the analyser measured it.
    obx.set('14', hl7Time(r.collectedAt ?? r.observedAt));
    if (r.operator) setComponents(obx, 16, [r.operator]);
    setComponents(obx, 18, equipment);
    obx.set('19', hl7Time(r.observedAt));
    let note = 0;
    for (const line of (r.notes ?? []).flatMap((n) => n.split(/\r\n|\r|\n/))) {
      if (!line.trim()) continue;
      const nte = msg.addSegment('NTE');
      nte.set('1', String(++note));
      nte.set('2', 'L'); // source: the ancillary (here the analyser)
      nte.set('3', text(line));
    }
  });

  if (first.specimen && (first.specimen.id || first.specimen.type)) {
    const spm = msg.addSegment('SPM');
    spm.set('1', '1');
    if (first.specimen.id) spm.set('2.1', text(first.specimen.id));
    if (first.specimen.type) spm.set('4.2', text(first.specimen.type)); // as the analyser named it, uncoded
    spm.set('17', collected);
  }
  return serialize(msg);
}
