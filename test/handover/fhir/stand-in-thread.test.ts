// The stand-in FHIR server validates in its own thread, never on its caller's event loop: in the demo that loop also
// runs the device simulators, and the stand-in's first Bundle (1.5 s of indexing the R4 definitions, more on a busy
// machine) made the Modbus ventilator simulator miss a setpoint write's timeout (CI: `demo setpoint` ended
// Fail INDETERMINATE). Shown without timing: after the stand-in has judged a valid and an invalid Bundle, this
// thread's @medplum/core has no definition indexed. A validator thread that ends while judging is replaced and the
// request asked again; one that ends twice on it is answered 500, not hung.
import { createRequire } from 'node:module';
import type * as MedplumCore from '@medplum/core';
import type { Bundle, OperationOutcome } from 'fhir/r4.js';
import t from 'tap';
import { FhirStandIn } from '../../../src/handover/fhir/stand-in-server.js';
import { waitFor } from '../../helpers/wait.js';

const core = createRequire(import.meta.url)('@medplum/core') as typeof MedplumCore;

function patientTransaction(birthDate: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0f7c2b1e-3d3a-4c51-9a55-1a2b3c4d5e6f',
        resource: { resourceType: 'Patient', identifier: [{ system: 'urn:test', value: 'p1' }], birthDate },
        request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:test|p1' },
      },
    ],
  };
}

async function post(baseUrl: string, bundle: Bundle): Promise<{ status: number; body: Bundle | OperationOutcome }> {
  const res = await fetch(baseUrl, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(bundle) });
  return { status: res.status, body: (await res.json()) as Bundle | OperationOutcome };
}

t.test('valid and invalid Bundles are judged, and not on this thread', async (t) => {
  const standIn = new FhirStandIn();
  const baseUrl = await standIn.start();
  t.teardown(() => standIn.stop());

  const bad = await post(baseUrl, patientTransaction('yesterday'));
  t.equal(bad.status, 422, 'an invalid birthDate is refused by the validator');
  t.match(JSON.stringify(bad.body), /birthDate/);
  const good = await post(baseUrl, patientTransaction('1961-04-12'));
  t.equal(good.status, 200, JSON.stringify(good.body));
  t.equal(standIn.all('Patient').length, 1);

  t.equal(core.isDataTypeLoaded('Patient'), false, 'no R4 definition was indexed on the caller’s thread');
  t.equal(core.isDataTypeLoaded('Bundle'), false);
});

// The stand-in's validator thread, as the tests reach into it: its current worker and the requests it is judging.
interface Inside {
  validator: { worker: { terminate(): Promise<number> } | undefined; pending: Map<number, unknown> };
}

/** Ends the validator's thread while it judges a request (it is still indexing the definitions: seconds). */
async function endWhileJudging(standIn: FhirStandIn, not?: unknown): Promise<unknown> {
  const v = (standIn as unknown as Inside).validator;
  const worker = await waitFor(() => v.pending.size === 1 && v.worker !== not && v.worker, 'a request being judged');
  await worker.terminate();
  return worker;
}

t.test('a validator thread that ends while judging is replaced, and the request judged by the new one', async (t) => {
  const standIn = new FhirStandIn();
  const baseUrl = await standIn.start();
  t.teardown(() => standIn.stop());
  const answer = post(baseUrl, patientTransaction('1961-04-12'));
  // The thread ends under the request (as an out-of-memory death would).
  await endWhileJudging(standIn);
  const after = await answer;
  t.equal(after.status, 200, JSON.stringify(after.body));
  t.equal(standIn.all('Patient').length, 1);
});

t.test('a thread that ends twice on one request: answered 500, never left hanging, nothing stored', async (t) => {
  const standIn = new FhirStandIn();
  const baseUrl = await standIn.start();
  t.teardown(() => standIn.stop());
  const answer = post(baseUrl, patientTransaction('1961-04-12'));
  const first = await endWhileJudging(standIn);
  await endWhileJudging(standIn, first);
  const after = await answer;
  t.equal(after.status, 500);
  t.match(JSON.stringify(after.body), /could not validate: the FHIR validator thread ended/);
  t.equal(standIn.all('Patient').length, 0, 'nothing unvalidated was stored');
  const next = await post(baseUrl, patientTransaction('1961-04-12'));
  t.equal(next.status, 200, 'the next request has a thread again');
});
