// The hl7-pcd01 simulator stops at once, also while it waits for an ACK that will not come (in `ambulink demo` the
// daemon, its gateway, is stopped first): no wait for the ACK timeout (10 s), no connection opened after the stop.
// Against a real TCP listener standing in for a gateway that reads and never answers.
import t from 'tap';
import { mllp } from '../../../drivers/hl7-pcd01/framer.js';
import { MllpLink } from '../../../drivers/hl7-pcd01/sim-link.js';
import { startHl7Simulator } from '../../../drivers/hl7-pcd01/simulator.js';
import { silentLogger } from '../../../src/core/logger.js';
import { silentGateway, within } from '../../helpers/silent-gateway.js';
import { waitFor } from '../../helpers/wait.js';

t.test('stop() while a message waits for its ACK: returns before the ACK timeout, and nothing dials again', async (t) => {
  const gw = await silentGateway(t);
  // disconnect 1: after every message the simulator drops the connection and dials again — also, before the fix,
  // right after a stop had ended the wait for the ACK.
  const sim = await startHl7Simulator({
    endpoint: { type: 'tcp-client', host: '127.0.0.1', port: gw.port },
    params: { interval: '0.2', disconnect: '1', 'no-alerts': 'true' },
    log: silentLogger(),
  });
  await waitFor(() => gw.bytes > 0, 'the first message at the gateway');
  const started = Date.now();
  t.equal(await within(sim.stop().then(() => 'stopped'), 5000), 'stopped', 'stopped well before the 10 s ACK timeout');
  t.ok(Date.now() - started < 5000, `stop took ${Date.now() - started} ms`);
  const connections = gw.connections;
  // A redial would come at once (reconnect) or after 1 s (the port's redial): give both room.
  await new Promise((r) => setTimeout(r, 2500));
  t.equal(gw.connections, connections, 'no connection after the stop');
  t.equal(sim.counts.noAck, 1, 'the message cut short counts as unanswered');
});

t.test('the link: a send after close answers "no ACK" at once; close ends a send that waits', async (t) => {
  const gw = await silentGateway(t);
  const link = new MllpLink({ type: 'tcp-client', host: '127.0.0.1', port: gw.port }, silentLogger());
  await link.open();
  await waitFor(() => link.connected, 'the link connected');
  const waiting = link.send(mllp('MSH|^~\\&|SIM|SIM|||20260101||ORU^R01^ORU_R01|A1|P|2.6'), 60_000);
  await waitFor(() => gw.bytes > 0, 'the message at the gateway');
  await link.close();
  t.equal(await within(waiting, 5000), undefined, 'the waiting send ends with no frame when the link closes');
  t.notOk(link.connected);
  const bytes = gw.bytes;
  t.equal(await within(link.send(mllp('MSH|^~\\&|SIM|SIM|||20260101||ORU^R01^ORU_R01|A2|P|2.6'), 60_000), 5000), undefined, 'a send after close does not wait');
  t.equal(gw.bytes, bytes, 'and writes nothing');
});
