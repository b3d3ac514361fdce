// The worked examples of docs/handover-hl7-examples.md, built by the builder itself: examples.test.ts checks that
// the document shows exactly what the builder produces (a fixed clock and control-id tag make the output stable). The
// patient comes from an encounter as the crew opens it, through the same mapping the daemon uses (hl7-kind), so the
// examples carry what the daemon sends: the encounter id and sex, no name or case number.
import { ControlIds } from '../../../src/handover/hl7/control-id.js';
import { Hl7Builder } from '../../../src/handover/hl7/index.js';
import { handoverEncounter } from '../../../src/handover/hl7-kind.js';
import type { Encounter } from '../../../src/encounter/encounter.js';
import { alarm, ENCOUNTER, lab, monitorCycle, numeric, options, T0 } from './records.js';

/** What `ambulink encounter open --sex female --height 165` leaves open. */
const opened: Encounter = { id: ENCOUNTER, openedAt: '2026-11-25T09:55:00.000Z', openedBy: 'crew', sex: 'female', heightCm: 165 };

export interface Examples {
  r01: string;
  r40: string;
  lab: string;
}

export function buildExamples(): Examples {
  const b = new Hl7Builder(options({ encounter: () => handoverEncounter(opened) }), new ControlIds('A1B2'));
  const cycle = [...monitorCycle(T0), numeric('mon', 'MDC_TEMP', 'MDC_DIM_DEGC', 37.9, T0, { unit: { ucum: 'Cel' } })];
  for (const r of cycle) b.onRecord(r, T0 + 40);
  const [r01] = b.tick(T0 + 2100);
  const [r40] = b.onRecord(alarm('active', T0 + 2500), T0 + 2540);
  const at = T0 + 600_000;
  const spec = { id: 'S-0042', type: 'arterial blood' };
  b.onRecord(lab('2744-1', 7.21, '[pH]', at, { referenceRange: { low: 7.35, high: 7.45, text: '7.35-7.45' }, flags: ['L'], specimen: spec }), at + 500);
  b.onRecord(lab('2019-8', 58, 'mm[Hg]', at, { referenceRange: { low: 35, high: 45, text: '35-45' }, flags: ['H'], specimen: spec }), at + 500);
  b.onRecord(lab('32693-4', 4.8, 'mmol/L', at, { referenceRange: { high: 2, text: '<2.0' }, flags: ['H'], notes: ['haemolysed sample'], specimen: spec }), at + 500);
  const [labMsg] = b.tick(at + 3000);
  return { r01: r01!.body, r40: r40!.body, lab: labMsg!.body };
}
