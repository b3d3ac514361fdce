// The crew console in a real browser (chromium via playwright-core) against the real daemon and an IntelliVue
// simulator over UDP: login (and a wrong password refused), live numerics appearing, waveforms drawn on canvas,
// and the doors that stay shut without a login (API and MQTT WebSocket).
import https from 'node:https';
import t, { type Test } from 'tap';
import { WebSocket } from 'ws';
import { philipsIntellivue } from '../../drivers/philips-intellivue/index.js';
import { silentLogger } from '../../src/core/logger.js';
import { launchBrowser, newPage } from '../helpers/browser.js';
import { buildPage, consoleSections, consoleUrl, PASSWORDS } from '../helpers/console.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { numeric } from '../handover/fhir/records.js';

async function startVehicle(t: Test): Promise<TestDaemon> {
  await buildPage();
  const sim = await philipsIntellivue.simulator!.start({ endpoint: { type: 'udp', host: '127.0.0.1', port: 0 }, params: { seed: '7', scenario: 'stemi' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  const port = Number(/:(\d+) /.exec(sim.description)![1]);
  const dir = tempDir(t, 'con-');
  return startDaemon(
    t,
    {
      ...consoleSections(dir),
      devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port }, options: { waves: ['ecg-ii', 'pleth', 'co2'] } }],
    },
    { dir },
  );
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

t.test('login: a wrong password is refused, the right one opens the console with the user and role', async (t) => {
  const d = await startVehicle(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await page.goto(consoleUrl(d.controller));
  await page.fill('input[name=username]', 'crew');
  await page.fill('input[name=password]', 'not-the-password');
  await page.click('button[type=submit]');
  await page.waitForSelector('.login [role=alert]');
  t.match(await page.textContent('.login [role=alert]'), /wrong username or password/);
  t.equal(await page.locator('.console').count(), 0, 'no console without the right password');
  t.ok(d.logs.some((l) => l.msg === 'console: login failed' && l.username === 'crew'), 'the failure is logged');

  await page.fill('input[name=password]', PASSWORDS.crew);
  await page.click('button[type=submit]');
  await page.waitForSelector('.console .who');
  t.equal(await page.getAttribute('.who', 'data-role'), 'crew');
  t.match(await page.textContent('header h1'), /TEST-1/);
  await page.waitForSelector('[data-connection=live]');

  // A reload keeps the session (HttpOnly cookie); logging out ends it.
  await page.reload();
  await page.waitForSelector('.console .who');
  await page.click('button.logout');
  await page.waitForSelector('.login');
  await page.reload();
  await page.waitForSelector('.login');
  t.pass('logged out: the login form again after a reload');
});

t.test('live: numerics appear with their validity, waveforms are drawn as they arrive', async (t) => {
  const d = await startVehicle(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  // The page's own policy must not block what it runs (mqtt.js's keep-alive worker once was: the broker then dropped
  // the page after 90 s).
  const blocked: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) blocked.push(m.text());
  });
  await page.goto(consoleUrl(d.controller));
  await page.fill('input[name=username]', 'tablet');
  await page.fill('input[name=password]', PASSWORDS.tablet);
  await page.click('button[type=submit]');

  const hr = page.locator('[data-device=monitor] .num[data-metric=MDC_ECG_HEART_RATE]');
  await hr.waitFor({ timeout: 60_000 });
  const value = Number(await hr.locator('.num-value').textContent());
  t.ok(value > 40 && value < 200, `heart rate shown: ${value}`);
  t.equal(await hr.getAttribute('data-validity'), 'valid');

  const canvas = page.locator('[data-device=monitor] canvas[data-wave^=MDC_ECG]').first();
  await canvas.waitFor({ timeout: 60_000 });
  // Pixels drawn, and drawn again as samples arrive: two snapshots of the trace differ.
  const snapshot = () =>
    canvas.evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      let hash = 0;
      for (let i = 3; i < data.length; i += 4) {
        if (data[i]! > 0) {
          lit++;
          hash = (hash * 31 + i) | 0;
        }
      }
      return { lit, hash };
    });
  const deadline = Date.now() + 30_000;
  let first = await snapshot();
  while (first.lit === 0 && Date.now() < deadline) {
    await page.waitForTimeout(100);
    first = await snapshot();
  }
  t.ok(first.lit > 50, `the ECG trace is drawn (${first.lit} pixels)`);
  let second = first;
  while (second.hash === first.hash && Date.now() < deadline) {
    await page.waitForTimeout(100);
    second = await snapshot();
  }
  t.not(second.hash, first.hash, 'the trace moves as new samples arrive');
  t.ok(await page.locator('[data-device=monitor] canvas[data-wave*=PLETH]').count(), 'pleth drawn too');
  t.ok(await page.locator('[data-device=monitor] canvas[data-wave*=CO2]').count(), 'CO2 drawn too');
  await page.locator('.devices [data-device=monitor] .state.connected').waitFor();
  t.pass('the device and its link state are shown');
  // Early-warning scores from the monitor's values (the daemon's early-warning extension), with their band.
  const score = page.locator('.scores .score[data-score=shock-index]');
  await score.waitFor({ timeout: 60_000 });
  t.match(await score.textContent(), /Shock index/);
  t.same(blocked, [], 'nothing blocked by the content security policy');
});

t.test('a value sent before the page opened shows at once, not at the device’s next one', async (t) => {
  await buildPage();
  const dir = tempDir(t, 'con-');
  const d = await startDaemon(t, consoleSections(dir), { dir });
  // One SpO2 of a monitor, then nothing more: the feed never brings it again, only the page's first look can.
  const spo2 = numeric('quiet-monitor', 'ge-s5', Date.now(), 'MDC_PULS_OXIM_SAT_O2', 'MDC_DIM_PERCENT', 93);
  const { encounter: _none, ...record } = spo2;
  d.controller.gate!.ingest({ ...record, vehicle: 'TEST-1' });
  await d.waitForRecord((r) => r.device === 'quiet-monitor', 'the value through the gate');

  const base = consoleUrl(d.controller);
  t.equal((await get(`${base}api/latest`)).status, 401, 'not without a login');
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await page.goto(base);
  await page.fill('input[name=username]', 'tablet');
  await page.fill('input[name=password]', PASSWORDS.tablet);
  await page.click('button[type=submit]');
  const value = page.locator('[data-device=quiet-monitor] .num[data-metric=MDC_PULS_OXIM_SAT_O2] .num-value');
  await value.waitFor({ timeout: 30_000 });
  t.equal(await value.textContent(), '93', 'the SpO2 the monitor sent before the page opened');
});

t.test('without a login: the API answers 401 and the MQTT WebSocket is refused', async (t) => {
  const d = await startVehicle(t);
  const base = consoleUrl(d.controller);
  t.equal((await get(`${base}api/status`)).status, 401);
  t.equal((await get(`${base}api/session`, { cookie: 'ambulink_console=forged' })).status, 401);
  const page = await get(base);
  t.equal(page.status, 200);
  t.match(page.body, /<script type="module" src="app.js">/);
  const ws = new WebSocket(`wss://127.0.0.1:${d.controller.console!.port}/mqtt`, 'mqtt', { rejectUnauthorized: false });
  const refused = await new Promise<string>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    ws.on('open', () => resolve('open'));
    ws.on('error', (e) => resolve(e.message));
  });
  t.equal(refused, '401');
});
