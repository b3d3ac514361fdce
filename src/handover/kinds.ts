// The kinds of handover destination a vehicle YAML may name (`handover.destinations[].kind`). A new kind is one line.
import type { DestinationKind } from './kind.js';
import { fhirR4 } from './fhir-kind.js';
import { hl7v2Mllp } from './hl7-kind.js';

export type { DestinationKind, KindContext, KindProblem } from './kind.js';

export const HANDOVER_KINDS: readonly DestinationKind[] = [
  hl7v2Mllp,
  fhirR4,
];

export function findKind(type: string): DestinationKind | undefined {
  return HANDOVER_KINDS.find((k) => k.type === type);
}
