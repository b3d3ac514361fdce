// HL7 v2 for the hospital handover: the builder (records → ORU messages). Queue and MLLP transport live beside it.
export { Hl7Builder, type SkipReason } from './builder.js';
export type { HandoverEncounter, Hl7BuilderOptions } from './options.js';
