// The handover document at arrival: a FHIR document Bundle whose Composition reads in the order a crew hands over
// (ATMIST: Age and sex, Time, Mechanism or complaint, Injuries or findings, Signs, Treatment, then the ETA), followed
// by the International Patient Summary sections that apply (vital signs, results, medical devices), with every
// resource the sections reference in the Bundle.
import type { Bundle, Composition, CompositionSection, Device, Encounter as FhirEncounter, Observation, Patient } from 'fhir/r4.js';
import type { Encounter } from '../../encounter/encounter.js';
import { documentBundle } from './bundle.js';
import { SYSTEM } from './codes.js';
import { stableId } from './ids.js';
import { narrative, observationLine } from './narrative.js';
import { ref, type Prepared } from './resources.js';
import type { HandoverSummary } from './summary.js';

export const DOCUMENT_TYPE = { system: SYSTEM.loinc, code: '34133-9', display: 'Summary of episode note' } as const;

/** The ATMIST titles, in order: the test of the document's order reads them from here. */
export const ATMIST_TITLES = [
  'Age and sex',
  'Time of incident and times',
  'Mechanism or complaint',
  'Injuries or findings',
  'Signs (latest vital signs)',
  'Treatment (ventilator settings and setpoints applied)',
  'ETA',
] as const;

const IPS = {
  vitals: { system: SYSTEM.loinc, code: '8716-3', display: 'Vital signs' },
  results: { system: SYSTEM.loinc, code: '30954-2', display: 'Relevant diagnostic tests/laboratory data Narrative' },
  devices: { system: SYSTEM.loinc, code: '46264-8', display: 'History of medical device use' },
} as const;

export interface HandoverInput {
  readonly vehicle: string;
  readonly encounter: Encounter | { id: string };
  readonly patient: Prepared<Patient>;
  readonly fhirEncounter: Prepared<FhirEncounter>;
  /** The gateway itself, the document's author. */
  readonly gateway: Prepared<Device>;
  readonly summary: HandoverSummary;
  /** When the vehicle arrived (or the crew closed the encounter). */
  readonly at: string;
  readonly nowMs: number;
}

const NOT_RECORDED = 'Not recorded on the vehicle: the crew hands this over in person.';

function section(title: string, lines: readonly string[], entries: readonly Prepared[] = [], code?: { system: string; code: string; display: string }): CompositionSection {
  return {
    title,
    ...(code ? { code: { coding: [code] } } : {}),
    text: narrative(lines.length ? lines : [NOT_RECORDED]),
    ...(entries.length ? { entry: entries.map(ref) } : {}),
  };
}

export function handoverDocument(input: HandoverInput): Bundle {
  const { summary, encounter: enc, at } = input;
  const patientData = 'openedAt' in enc ? enc : undefined;
  const vitals = [...summary.vitals.values()];
  const settings = [...summary.settings.values()];
  const devices = [...summary.devices.values()];

  const ageSex = patientData
    ? [
        `Sex: ${patientData.sex ?? 'not recorded'}`,
        `Age band: ${patientData.ageBand ?? 'not recorded'}`,
        ...(patientData.weightKg !== undefined ? [`Weight: ${patientData.weightKg} kg`] : []),
        ...(patientData.heightCm !== undefined ? [`Height: ${patientData.heightCm} cm`] : []),
      ]
    : [];
  const lastMilestone = summary.milestones[summary.milestones.length - 1];
  const incidents = summary.mechanisms.flatMap((m) => (m.value.incidentAt ? [`Time of incident: ${m.value.incidentAt} (crew ${m.by})`] : []));
  const times = [
    ...incidents,
    ...(patientData ? [`Encounter opened by ${patientData.openedBy}: ${patientData.openedAt}`] : []),
    ...summary.milestones.map((m) => `${m.milestone.replace(/-/g, ' ')}: ${m.at} (${m.origin} ${m.by})`),
    ...(lastMilestone?.intervals ?? []).flatMap((i) =>
      i.ms === null ? [] : [`${i.name.replace(/-/g, ' ')}: ${Math.round(i.ms / 60_000)} min${i.targetMs !== undefined ? ` (target ${Math.round(i.targetMs / 60_000)} min, ${i.met ? 'met' : 'missed'})` : ''}`],
    ),
    `Handover: ${at}`,
  ];
  const complaint = [
    ...summary.mechanisms.map((m) => `${m.value.text} (crew ${m.by}, ${m.enteredAt})`),
    ...summary.milestones.flatMap((m) => (m.preArrival ? [`Pre-arrival alert: ${m.preArrival.toUpperCase()} (${m.at}, ${m.by})`] : [])),
  ];
  const eta = [
    ...(summary.eta ? [`ETA given by the crew: ${summary.eta.value} (crew ${summary.eta.by}, entered ${summary.eta.enteredAt})`] : []),
    `Arrived at hospital: ${at}`,
  ];
  const scores = [...summary.scores.values()].map((r) =>
    r.status === 'complete'
      ? `${r.score.toUpperCase()}: ${r.value}${r.band ? ` (${r.band})` : ''} at ${r.observedAt}`
      : `${r.score.toUpperCase()}: incomplete (missing ${[...r.missing, ...r.stale].join(', ') || 'inputs'}) at ${r.observedAt}`,
  );
  const treatment = [
    ...settings.map((s) => `Ventilator setting ${observationLine(s.resource)}`),
    ...summary.setpoints.map(
      (s) =>
        `Setpoint applied on ${s.device}: ${s.param} ${s.value} ${s.unit}` +
        `${s.actual !== undefined ? `, read back ${s.actual}` : ''} (${s.state}) at ${s.at}${s.by ? `, requested by ${s.by}` : ''}`,
    ),
  ];

  const sections: CompositionSection[] = [
    section(ATMIST_TITLES[0], ageSex, [input.patient]),
    section(ATMIST_TITLES[1], times),
    section(ATMIST_TITLES[2], complaint),
    section(ATMIST_TITLES[3], [...summary.findings.values()]),
    section(ATMIST_TITLES[4], [...vitals.map((v) => observationLine(v.resource)), ...scores], vitals),
    section(ATMIST_TITLES[5], treatment, settings),
    section(ATMIST_TITLES[6], eta),
    ...(vitals.length ? [section('Vital signs', vitals.map((v) => observationLine(v.resource)), vitals, IPS.vitals)] : []),
    ...(summary.labs.length ? [section('Results', summary.labs.map((l) => observationLine(l.resource)), summary.labs, IPS.results)] : []),
    ...(devices.length
      ? [section('Medical devices', devices.map((d) => `${d.resource.deviceName?.map((n) => n.name).join(', ') ?? ''} (${d.resource.type?.text ?? ''})`), devices, IPS.devices)]
      : []),
  ];

  const sid = stableId(input.vehicle, 'handover-composition', enc.id);
  const composition: Prepared<Composition> = {
    resource: {
      resourceType: 'Composition',
      identifier: sid.identifier,
      status: 'final',
      type: { coding: [DOCUMENT_TYPE], text: 'Ambulance handover (ATMIST)' },
      subject: ref(input.patient),
      encounter: ref(input.fhirEncounter),
      date: at,
      author: [ref(input.gateway)],
      title: `Ambulance handover, vehicle ${input.vehicle}, encounter ${enc.id}`,
      section: sections,
    },
    sid,
    write: 'create',
  };
  return documentBundle(
    input.vehicle,
    enc.id,
    [composition, input.patient, input.fhirEncounter, input.gateway, ...devices, ...metricsOf([...vitals, ...settings], summary), ...vitals, ...settings, ...summary.labs],
    input.nowMs,
  );
}

/** The DeviceMetrics the document's Observations point at. */
function metricsOf(observations: readonly Prepared<Observation>[], summary: HandoverSummary): Prepared[] {
  return observations.flatMap((o) => {
    const m = o.resource.device?.reference ? summary.metrics.get(o.resource.device.reference) : undefined;
    return m ? [m] : [];
  });
}
