// The stand-in FHIR server's validator, in a worker thread: indexing the R4 definitions blocks for a second or more and
// each Bundle for tens to hundreds of milliseconds, and in the demo the stand-in shares its process with the device
// simulators (a Modbus ventilator that must answer a write within its timeout). Requests: { id, text } with the body as
// received; answers: { id, validation }.
import { parentPort } from 'node:worker_threads';
import type { Bundle } from 'fhir/r4.js';
import { loadFhirDefinitions, validateFhirBundle, type FhirValidation } from './validate.js';

export interface ValidateRequest {
  readonly id: number;
  readonly text: string;
}
export interface ValidateAnswer {
  readonly id: number;
  readonly validation: FhirValidation;
}

const port = parentPort;
if (port) {
  loadFhirDefinitions();
  port.on('message', ({ id, text }: ValidateRequest) => {
    const answer: ValidateAnswer = { id, validation: validateFhirBundle(JSON.parse(text) as Bundle) };
    port.postMessage(answer);
  });
}
