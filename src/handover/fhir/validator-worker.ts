// The FHIR validator in a worker thread: indexing the R4 definitions blocks for a second or more and a cycle's
// resources for tens to hundreds of milliseconds. In the daemon that loop drives the devices (a Modbus ventilator's
// setpoint write must be answered within its timeout); in the demo the stand-in server shares its process with the
// device simulators. Requests: { id, items }; answers: { id, validations } in the items' order.
import { parentPort } from 'node:worker_threads';
import { loadFhirDefinitions, validateItem, type FhirValidation, type ValidateItem } from './validate.js';

export interface ValidateRequest {
  readonly id: number;
  readonly items: readonly ValidateItem[];
}
export interface ValidateAnswer {
  readonly id: number;
  readonly validations: readonly FhirValidation[];
}

const port = parentPort;
if (port) {
  loadFhirDefinitions();
  port.on('message', ({ id, items }: ValidateRequest) => {
    const answer: ValidateAnswer = { id, validations: items.map(validateItem) };
    port.postMessage(answer);
  });
}
