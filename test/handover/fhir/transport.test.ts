// The HTTPS transport against the real stand-in FHIR server over real sockets: a transaction committed (201) and a
// resend that duplicates nothing (200), a document created once, an invalid Bundle refused with the server's
// OperationOutcome, 5xx and 429 retried with Retry-After honoured, a server that never answers and one that is not
// there retried as link failures, the bearer token, a server certificate not signed by the configured CA, mutual TLS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { selfSignedCertificate } from '../../../src/console/self-signed.js';
import type { HandoverMessage } from '../../../src/handover/destination.js';
import { FhirBuilder } from '../../../src/handover/fhir/builder.js';
import { inProcessValidator } from '../../../src/handover/fhir/validate.js';
import { FhirHttpsTransport } from '../../../src/handover/fhir/https-transport.js';
import { FhirStandIn } from '../../../src/handover/fhir/stand-in-server.js';
import { tempDir } from '../../helpers/tmp.js';
import { bloodGas, ENCOUNTER, event, monitorCycle, T0, VEHICLE } from './records.js';

const never = new AbortController().signal;
/** A stand-in's first answer waits for its validator thread to index the R4 definitions: seconds, and on a loaded
 * 2-core machine (CI, with other tests indexing beside it) more than 10 s was seen; a timeout here is not the test. */
const ANSWER_MS = 60_000;

async function messages(): Promise<{ cycle: HandoverMessage; labs: HandoverMessage; closing: HandoverMessage; document: HandoverMessage }> {
  const b = new FhirBuilder({ cycleMs: 5000, waveforms: true, identifierSystem: 'urn:ambulink' }, { vehicle: VEHICLE, encounter: () => ENCOUNTER, onInvalid: (p) => t.fail(JSON.stringify(p)), validator: inProcessValidator });
  for (const r of monitorCycle(T0)) void b.onRecord(r, T0);
  for (const r of bloodGas(T0)) void b.onRecord(r, T0);
  const [cycle, labs] = await b.tick(T0 + 5000);
  const closing = await b.onRecord(event('encounter.closed', T0 + 9000, { encounter: ENCOUNTER.id }), T0 + 9000);
  return { cycle: cycle!, labs: labs!, closing: closing.find((m) => m.type === 'transaction')!, document: closing.find((m) => m.type === 'document')! };
}

async function setup(t: Tap.Test, server: ConstructorParameters<typeof FhirStandIn>[0], transport: (dir: string, certs: { cert: string; key: string }) => object = () => ({})) {
  const dir = tempDir(t);
  const certs = selfSignedCertificate(join(dir, 'server'), '127.0.0.1');
  const standIn = new FhirStandIn({ tls: { key: readFileSync(certs.key), cert: readFileSync(certs.cert) }, ...server });
  const baseUrl = await standIn.start();
  t.teardown(() => standIn.stop());
  const tr = new FhirHttpsTransport({ baseUrl, caFile: certs.cert, timeoutMs: ANSWER_MS, ...transport(dir, certs) });
  await tr.start();
  t.teardown(() => tr.stop());
  return { dir, certs, standIn, tr, baseUrl };
}

declare namespace Tap {
  type Test = Parameters<Parameters<typeof t.test>[1]>[0];
}

const m = await messages();

t.test('a transaction is committed; the same Bundle again creates nothing', async (t) => {
  const { standIn, tr } = await setup(t, {});
  const first = await tr.send(m.cycle, never);
  t.equal(first.kind, 'committed', JSON.stringify(first));
  t.match(first.kind === 'committed' ? first.detail : '', /HTTP 200: \d+ entries, \d+ created, 0 already there/);
  t.equal(tr.linkState, 'connected');
  const counts = () => ['Patient', 'Encounter', 'Device', 'DeviceMetric', 'Observation'].map((x) => standIn.all(x).length);
  const before = counts();
  t.same(before.slice(0, 3), [1, 1, 1]);
  t.equal(before[4], 6, 'HR, SpO2, RR, BP, temperature, EtCO2 as sent');

  const again = await tr.send(m.cycle, never);
  t.equal(again.kind, 'committed');
  t.match(again.kind === 'committed' ? again.detail : '', / 0 created/);
  t.same(counts(), before, 'no duplicate of anything');

  // References were resolved to the server's ids.
  const obs = standIn.all('Observation')[0] as { subject?: { reference?: string }; device?: { reference?: string } };
  t.match(obs.subject?.reference, /^Patient\/[0-9a-f-]{36}$/);
  t.match(obs.device?.reference, /^DeviceMetric\//);

  // A lab cycle of the same encounter reuses its Patient and Encounter.
  t.equal((await tr.send(m.labs, never)).kind, 'committed');
  t.equal(standIn.all('Patient').length, 1);
  t.equal(standIn.all('Device').length, 2, 'monitor and analyser');

  // At arrival the Encounter is updated in place (conditional update), not created again.
  t.equal((standIn.all('Encounter')[0] as { status?: string }).status, 'in-progress');
  t.equal((await tr.send(m.closing, never)).kind, 'committed');
  t.equal(standIn.all('Encounter').length, 1);
  t.equal((standIn.all('Encounter')[0] as { status?: string }).status, 'finished');
});

t.test('a document is created once (If-None-Exist)', async (t) => {
  const { standIn, tr } = await setup(t, {});
  const a = await tr.send(m.document, never);
  t.equal(a.kind, 'committed');
  t.match(a.kind === 'committed' ? a.detail : '', /HTTP 201 Bundle\//);
  const b = await tr.send(m.document, never);
  t.match(b.kind === 'committed' ? b.detail : '', /HTTP 200 Bundle\//);
  t.equal(standIn.all('Bundle').length, 1);
  t.same(standIn.requests.map((r) => [r.method, r.path]), [['POST', '/Bundle'], ['POST', '/Bundle']]);
});

t.test('an invalid Bundle is rejected with the OperationOutcome diagnostics', async (t) => {
  const { standIn, tr } = await setup(t, {});
  const bundle = JSON.parse(m.cycle.body) as { entry: Array<{ resource: Record<string, unknown> }> };
  const obs = bundle.entry.find((e) => e.resource.resourceType === 'Observation')!;
  delete obs.resource.code;
  const out = await tr.send({ ...m.cycle, body: JSON.stringify(bundle) }, never);
  t.equal(out.kind, 'rejected');
  t.match(out.kind === 'rejected' ? out.reason : '', /^HTTP 422: error .*Observation.*code.*Missing required property/);
  t.equal(standIn.all('Observation').length, 0, 'nothing stored of it');
  const notJson = await tr.send({ ...m.cycle, body: '{"resourceType":"Bundle","type":"transaction","entry":[' }, never);
  t.equal(notJson.kind, 'rejected', 'a body that is not JSON is refused by the transport itself');
});

t.test('5xx retried (counts), 429 and 503 with Retry-After honoured', async (t) => {
  const { standIn, tr } = await setup(t, {});
  standIn.inject({ status: 500 }, { status: 503, retryAfter: '7' }, { status: 429, retryAfter: '2' }, { status: 408 });
  const a = await tr.send(m.cycle, never);
  t.match(a, { kind: 'retry', reason: /^HTTP 500: error stand-in told to answer 500/ });
  t.notOk(a.kind === 'retry' && a.linkFailure, 'an answered error counts towards parking');
  t.match(await tr.send(m.cycle, never), { kind: 'retry', retryAfterMs: 7000 });
  const c = await tr.send(m.cycle, never);
  t.match(c, { kind: 'retry', retryAfterMs: 2000, linkFailure: true }, 'rate limited: not the message’s fault');
  t.match(await tr.send(m.cycle, never), { kind: 'retry', linkFailure: true, reason: /^HTTP 408/ });
  t.equal((await tr.send(m.cycle, never)).kind, 'committed', 'and then it goes');
});

t.test('a server that never answers, and one that is not there: link failures, retried', async (t) => {
  const { standIn, tr, baseUrl, certs } = await setup(t, {});
  const impatient = new FhirHttpsTransport({ baseUrl, caFile: certs.cert, timeoutMs: 500 });
  await impatient.start();
  t.teardown(() => impatient.stop());
  standIn.inject({ hang: true });
  const hung = await impatient.send(m.cycle, never);
  t.match(hung, { kind: 'retry', linkFailure: true, reason: 'no answer within 500 ms' });
  t.match(impatient.linkState, /^down: no answer/);
  t.same(standIn.requests.map((r) => r.status), ['hung']);
  t.equal((await tr.send(m.cycle, never)).kind, 'committed', 'the resend goes through');
  await standIn.stop();
  // The first attempt may meet the kept-alive socket the server just closed (ECONNRESET); then nobody listens.
  await tr.send(m.cycle, never);
  t.match(await tr.send(m.cycle, never), { kind: 'retry', linkFailure: true, reason: 'ECONNREFUSED' });
  t.match(baseUrl, /^https:\/\/127\.0\.0\.1:\d+\/fhir$/);

  const aborted = new AbortController();
  aborted.abort();
  t.match(await tr.send(m.cycle, aborted.signal), { kind: 'retry', reason: /aborted/ });
});

t.test('bearer token', async (t) => {
  const { tr, dir, baseUrl, certs } = await setup(t, { bearerToken: 's3cret' });
  t.match(await tr.send(m.cycle, never), { kind: 'rejected', reason: /^HTTP 401: .*bearer token/ });
  writeFileSync(join(dir, 'token'), 's3cret\n');
  const withToken = new FhirHttpsTransport({ baseUrl, caFile: certs.cert, bearerTokenFile: join(dir, 'token'), timeoutMs: ANSWER_MS });
  await withToken.start();
  t.teardown(() => withToken.stop());
  t.equal((await withToken.send(m.cycle, never)).kind, 'committed');
  await t.rejects(new FhirHttpsTransport({ baseUrl, bearerTokenFile: join(dir, 'missing'), timeoutMs: ANSWER_MS }).start(), /cannot read bearerTokenFile .*missing \(ENOENT\)/);
});

t.test('TLS: a server certificate the CA did not sign is refused; mutual TLS', async (t) => {
  const { baseUrl, dir } = await setup(t, {});
  const other = selfSignedCertificate(join(dir, 'other'), 'someone else');
  const wrongCa = new FhirHttpsTransport({ baseUrl, caFile: other.cert, timeoutMs: ANSWER_MS });
  await wrongCa.start();
  t.teardown(() => wrongCa.stop());
  t.match(await wrongCa.send(m.cycle, never), { kind: 'retry', linkFailure: true, reason: /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/ });

  const client = selfSignedCertificate(join(dir, 'client'), 'amb-07');
  const mtls = await setup(t, {}, () => ({}));
  const strict = new FhirStandIn({
    tls: { key: readFileSync(mtls.certs.key), cert: readFileSync(mtls.certs.cert), ca: readFileSync(client.cert), requestCert: true },
  });
  const strictUrl = await strict.start();
  t.teardown(() => strict.stop());
  const anonymous = new FhirHttpsTransport({ baseUrl: strictUrl, caFile: mtls.certs.cert, timeoutMs: ANSWER_MS });
  await anonymous.start();
  t.teardown(() => anonymous.stop());
  t.match(await anonymous.send(m.cycle, never), { kind: 'retry', linkFailure: true }, 'no client certificate: the handshake fails');
  const withCert = new FhirHttpsTransport({ baseUrl: strictUrl, caFile: mtls.certs.cert, certFile: client.cert, keyFile: client.key, timeoutMs: ANSWER_MS });
  await withCert.start();
  t.teardown(() => withCert.stop());
  t.equal((await withCert.send(m.cycle, never)).kind, 'committed');
  await t.rejects(new FhirHttpsTransport({ baseUrl: strictUrl, certFile: client.cert, timeoutMs: ANSWER_MS }).start(), /certFile and keyFile go together/);
});
