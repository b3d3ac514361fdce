// The fhir-r4 destination inside the daemon: an encounter opened over the control socket, monitor values through the
// record gate, transaction Bundles delivered to the stand-in FHIR server (HTTP here; TLS is the transport test's), the
// handover document when the crew closes the encounter (with the ETA and mechanism the crew entered through
// `ambulink crew`'s control method), and `handover status` showing it all committed. The validator runs in its own
// thread, not on the daemon's loop that drives the devices: after all that, this thread (the daemon's, and the
// stand-in's, whose validator is also a thread) has indexed no R4 definition.
import { createRequire } from 'node:module';
import type * as MedplumCore from '@medplum/core';
import t from 'tap';
import { callDaemon } from '../../../src/control/client.js';
import type { HandoverReport } from '../../../src/handover/extension.js';
import { FhirStandIn } from '../../../src/handover/fhir/stand-in-server.js';
import type { EventRecord } from '../../../src/schema/index.js';
import { startDaemon } from '../../helpers/daemon.js';
import { waitFor } from '../../helpers/wait.js';
import { numeric } from './records.js';

const core = createRequire(import.meta.url)('@medplum/core') as typeof MedplumCore;

t.test('records → transaction Bundles and the handover document, committed by the stand-in', async (t) => {
  const server = new FhirStandIn();
  const baseUrl = await server.start();
  t.teardown(() => server.stop());
  const daemon = await startDaemon(t, {
    handover: { destinations: [{ name: 'ehr', kind: 'fhir-r4', baseUrl, cycleMs: 500, timeoutMs: 5000, retryInitialMs: 50 }] },
  });
  const report = () => callDaemon(daemon.socket, 'handover') as Promise<HandoverReport>;
  await callDaemon(daemon.socket, 'encounter.open', { sex: 'female', ageBand: 'adult' });
  const gate = daemon.controller.gate!;
  const t0 = Date.now();
  const { encounter: _none, ...hr } = numeric('mon', 'ge-s5', t0, 'MDC_ECG_HEART_RATE', 'MDC_DIM_BEAT_PER_MIN', 76);
  const { encounter: _none2, ...spo2 } = numeric('mon', 'ge-s5', t0, 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 98);
  gate.ingest({ ...hr, vehicle: 'TEST-1' });
  gate.ingest({ ...spo2, vehicle: 'TEST-1' });
  await waitFor(() => server.all('Observation').length === 2, 'the cycle stored by the server');
  const patient = server.all('Patient')[0] as { gender?: string };
  t.equal(patient.gender, 'female', 'the patient from the open encounter');
  t.equal((server.all('Encounter')[0] as { status?: string }).status, 'in-progress');

  const eta = (await callDaemon(daemon.socket, 'crew.enter', { action: 'eta', value: '12', user: 'medic' })) as EventRecord;
  const incidentAt = new Date(t0 - 30 * 60_000).toISOString();
  await callDaemon(daemon.socket, 'crew.enter', { action: 'mechanism', value: 'fall from a ladder, 3 m', at: incidentAt, user: 'medic' });
  await callDaemon(daemon.socket, 'encounter.close', {});
  await waitFor(() => server.all('Bundle').length === 1, 'the handover document');
  const composition = (server.all('Bundle')[0] as { entry: Array<{ resource: { section?: Array<{ title: string; text: { div: string } }> } }> }).entry[0]!.resource;
  const section = (title: string) => composition.section?.find((x) => x.title === title)?.text.div ?? '';
  t.match(section('ETA'), `ETA given by the crew: ${String(eta.detail!.eta)} (crew cli:medic`, 'the ETA the crew entered');
  t.match(section('Mechanism or complaint'), /fall from a ladder, 3 m \(crew cli:medic/);
  t.match(section('Time of incident and times'), `Time of incident: ${incidentAt}`);
  t.equal((server.all('Encounter')[0] as { status?: string }).status, 'finished');
  const r = await waitFor(async () => {
    const x = await report();
    return x.destinations[0]!.queued === 0 && x.destinations[0]!.committed === 3 ? x : undefined;
  }, 'cycle, closing transaction and document committed');
  t.match(r.destinations[0], { name: 'ehr', kind: 'fhir-r4', link: 'connected', parked: null, deadLettered: 0 });
  t.same(server.requests.map((q) => [q.method, q.path, q.status]), [['POST', '/', 200], ['POST', '/', 200], ['POST', '/Bundle', 201]]);
  t.notOk(daemon.logs.some((l) => /refused by the validator/.test(JSON.stringify(l))), 'nothing refused');
  t.equal(core.isDataTypeLoaded('Observation'), false, 'no R4 definition was indexed on the daemon’s thread');
  t.equal(core.isDataTypeLoaded('Bundle'), false);
});

t.test('a refused resource is announced as handover.invalid, not queued', async (t) => {
  const server = new FhirStandIn();
  const baseUrl = await server.start();
  t.teardown(() => server.stop());
  const daemon = await startDaemon(t, { handover: { destinations: [{ name: 'ehr', kind: 'fhir-r4', baseUrl, cycleMs: 300 }] } });
  await callDaemon(daemon.socket, 'encounter.open', {});
  const { encounter: _none, ...spo2 } = numeric('mon', 'ge-s5', Date.now(), 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 98);
  daemon.controller.gate!.ingest({ ...spo2, vehicle: 'TEST-1', source: { serial: 'SN\u0007042' } });
  const event = await daemon.waitForRecord<EventRecord>((r) => r.kind === 'event' && r.event === 'handover.invalid', 'the announcement');
  t.match(event.detail, { destination: 'ehr', what: 'Device', device: 'mon', errors: ['Device.identifier[1].value: Invalid string format', 'Device.serialNumber: Invalid string format'] });
  t.equal((await callDaemon(daemon.socket, 'handover') as HandoverReport).destinations[0]!.queued, 0);
  t.equal(server.requests.length, 0, 'nothing sent');
});
