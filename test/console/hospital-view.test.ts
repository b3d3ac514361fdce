// The hospital's read-only view (the demo's): the same page, served beside the stand-in hospital broker, showing
// one vehicle from what its uplink delivered there — no login, no buttons, and the broker refuses what a viewer
// publishes.
import mqtt from 'mqtt';
import t from 'tap';
import { philipsIntellivue } from '../../drivers/philips-intellivue/index.js';
import { StandInBroker } from '../../src/broker/stand-in-broker.js';
import { HospitalView } from '../../src/console/hospital-view.js';
import { silentLogger } from '../../src/core/logger.js';
import { launchBrowser, newPage } from '../helpers/browser.js';
import { buildPage } from '../helpers/console.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

t.test('the hospital view shows the vehicle live from the hospital broker, read-only', async (t) => {
  await buildPage();
  const broker = new StandInBroker();
  await broker.start();
  t.teardown(() => broker.stop());
  const view = new HospitalView(broker, 'TEST-1');
  await view.start();
  t.teardown(() => view.stop());
  const sim = await philipsIntellivue.simulator!.start({ endpoint: { type: 'udp', host: '127.0.0.1', port: 0 }, params: { seed: '3', scenario: 'stemi' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  const port = Number(/:(\d+) /.exec(sim.description)![1]);
  await startDaemon(t, {
    devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port }, options: { waves: ['ecg-ii', 'pleth'] } }],
    uplink: { url: broker.url, reconnectInitialMs: 100, reconnectMaxMs: 1000, statusIntervalMs: 1000 },
  });

  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await page.goto(view.url);
  await page.waitForSelector('.console.mode-hospital');
  t.equal(await page.locator('.login').count(), 0, 'no login in the hospital view');
  t.match(await page.textContent('header h1'), /TEST-1.*hospital view \(read-only\)/);
  const hr = page.locator('[data-device=monitor] .num[data-metric=MDC_ECG_HEART_RATE]');
  await hr.waitFor({ timeout: 60_000 });
  t.ok(Number(await hr.locator('.num-value').textContent()) > 40, 'vitals arrive through the uplink');
  await page.locator('[data-device=monitor] canvas[data-wave^=MDC_ECG]').waitFor({ timeout: 60_000 });
  await page.locator('.uplink [data-field=link] .state.connected').waitFor({ timeout: 60_000 });
  t.pass('the uplink state from the retained status message');
  t.equal(await page.locator('button').count(), 0, 'no button anywhere');
  const api = await page.evaluate(async () => (await fetch('/api/setpoints/confirm', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status);
  t.equal(api, 404, 'no daemon API behind the view');

  // A viewer's connection may subscribe but not publish: the broker drops it.
  const viewer = await mqtt.connectAsync(`ws://127.0.0.1:${new URL(view.url).port}/mqtt`, { reconnectPeriod: 0, protocolVersion: 4 });
  let closed = false;
  viewer.on('close', () => (closed = true));
  viewer.publish('ambulink/v1/TEST-1/cmd/vent/setpoint', '{}', { qos: 1 });
  await waitFor(() => closed, 'the broker to drop a viewer that publishes');
  viewer.end(true);
});
