// MLLP over TLS and mutual TLS to the stand-in listener with certificates made for the test (openssl): the
// engine's certificate is verified, a client without a certificate is refused, and the link state says why.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { oru, startRig } from './rig.js';

function pki(dir: string) {
  execFileSync('sh', [
    '-c',
    [
      `cd ${dir}`,
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=test-ca 2>/dev/null',
      'openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 2>/dev/null',
      'printf "subjectAltName=IP:127.0.0.1\\n" > san.ext',
      'openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext 2>/dev/null',
      'openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=AMB-07 2>/dev/null',
      'openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2 2>/dev/null',
      'openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=other-ca 2>/dev/null',
    ].join(' && '),
  ]);
  const f = (name: string) => readFileSync(join(dir, name));
  return { ca: f('ca.crt'), serverCert: f('server.crt'), serverKey: f('server.key'), clientCert: f('client.crt'), clientKey: f('client.key'), otherCa: f('other.crt') };
}

t.test('mutual TLS: delivered with a client certificate, refused without one, and a wrong CA is named', async (t) => {
  const p = pki(tempDir(t, 'al-ht-'));
  const listenerTls = { key: p.serverKey, cert: p.serverCert, ca: p.ca, requestCert: true };

  const good = await startRig(t, {
    listener: { tls: listenerTls },
    transport: { tls: { ca: p.ca, cert: p.clientCert, key: p.clientKey, rejectUnauthorized: true } },
  });
  const message = oru();
  await good.queue.enqueue([message]);
  await waitFor(() => good.queue.status().queued === 0, 'delivered over mutual TLS');
  t.same(good.listener.receivedIds, [message.id]);

  const anonymous = await startRig(t, { listener: { tls: listenerTls }, transport: { tls: { ca: p.ca, rejectUnauthorized: true } } });
  await anonymous.queue.enqueue([oru()]);
  await waitFor(() => anonymous.queue.status().link.startsWith('down: '), 'the refusal');
  t.equal(anonymous.listener.received.length, 0, 'no client certificate, nothing received');
  t.equal(anonymous.queue.status().queued, 1, 'and the message kept');

  const wrongCa = await startRig(t, { listener: { tls: listenerTls }, transport: { tls: { ca: p.otherCa, cert: p.clientCert, key: p.clientKey, rejectUnauthorized: true } } });
  await wrongCa.queue.enqueue([oru()]);
  const link = await waitFor(() => (wrongCa.queue.status().link.startsWith('down: ') ? wrongCa.queue.status().link : undefined), 'the verification failure');
  t.match(link, /SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify/i, "the engine's certificate did not verify, and the link state says so");
  t.equal(wrongCa.listener.received.length, 0);
});

t.test("server-only TLS: the engine's certificate verified, no client certificate, delivered", async (t) => {
  const p = pki(tempDir(t, 'al-ht-'));
  const rig = await startRig(t, {
    listener: { tls: { key: p.serverKey, cert: p.serverCert } },
    transport: { tls: { ca: p.ca, rejectUnauthorized: true } },
  });
  const messages = [oru(), oru()];
  await rig.queue.enqueue(messages);
  await waitFor(() => rig.queue.status().queued === 0, 'delivered over TLS');
  t.same(rig.listener.receivedIds, messages.map((m) => m.id));
  t.equal(rig.queue.status().link, 'connected');

  // The same listener with the name check failing: the certificate is for 127.0.0.1, not for this name.
  const misnamed = await startRig(t, {
    listener: { tls: { key: p.serverKey, cert: p.serverCert } },
    transport: { tls: { ca: p.ca, servername: 'engine.hospital.example', rejectUnauthorized: true } },
  });
  await misnamed.queue.enqueue([oru()]);
  const link = await waitFor(() => (misnamed.queue.status().link.startsWith('down: ') ? misnamed.queue.status().link : undefined), 'the name mismatch');
  t.match(link, /ALTNAME|altnames|hostname/i, 'the link state names the mismatch');
  t.equal(misnamed.listener.received.length, 0);
});
