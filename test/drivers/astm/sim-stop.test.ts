// The ASTM instrument simulator stops at once while it waits for the gateway's answer (in `ambulink demo` the
// daemon, its gateway, is stopped first): the wait ends, and it does not then sleep out its interval between
// samples. Against a real TCP listener that reads and never answers.
import t from 'tap';
import { AstmInstrument, defaultInstrumentOptions } from '../../../drivers/astm/simulator.js';
import { openSimPort } from '../../../drivers/sdk/sim-port.js';
import { silentLogger } from '../../../src/core/logger.js';
import { silentGateway, within } from '../../helpers/silent-gateway.js';
import { waitFor } from '../../helpers/wait.js';

t.test('stop() while a bid waits for its answer: returns at once, not after the reply timeout or the interval', async (t) => {
  const gw = await silentGateway(t);
  const port = await openSimPort({ type: 'tcp-client', host: '127.0.0.1', port: gw.port }, silentLogger());
  // Reply timeout and interval far longer than the stop may take.
  const sim = new AstmInstrument(port, { ...defaultInstrumentOptions, firstMs: 100, everyMs: 120_000, replyTimeoutMs: 60_000 });
  sim.start();
  await waitFor(() => gw.received.some((b) => b.includes(0x05)), 'the ENQ that bids for the line');
  const started = Date.now();
  t.equal(await within(sim.stop().then(() => 'stopped'), 5000), 'stopped', 'stopped while waiting for the answer');
  t.ok(Date.now() - started < 5000, `stop took ${Date.now() - started} ms`);
});
