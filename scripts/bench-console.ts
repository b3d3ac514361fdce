// The crew console's cost on the edge box, in one run on the real demo (every simulated device, waveforms included):
// - page load: a logged-in reload of the console until the page is loaded, until MQTT is live, and until the first
//   vitals are on screen (median of several loads; the browser runs on the box here, a tablet would not);
// - the daemon's CPU with no console open, with two open in chromium on the box (a crew and a consumer login, both
//   drawing waveforms: the browser takes the same two cores), and with two over the network (the page's own traffic
//   from a plain client, as tablets would be), measured in alternating windows side by side, and the ratios.
// Targets (issue 18): page load ≤ 1 s; two consoles add < 5 % to the daemon's CPU.
// Run: npm run build && node dist/scripts/bench-console.js   (BENCH_WINDOW_S, BENCH_ROUNDS to change the windows)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { SessionInfo } from '../src/console/api-types.js';
import { callDaemon, demoDir } from '../src/control/client.js';
import { packageRoot } from '../src/core/paths.js';
import type { StatusReport } from '../src/daemon/control-api.js';
import { DEMO_CONSOLE, startDemo, stopDemo } from './lib/demo-process.js';

const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOADS = 7;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU seconds (user + system) the process has used so far. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function cpuPercent(pid: number, seconds: number): Promise<number> {
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  return ((cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000)) * 100;
}

const password = (user: string) => readFileSync(join(packageRoot(), 'config', 'demo-secrets', `${user}.password`), 'utf8').trim();

async function login(context: BrowserContext, user: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(DEMO_CONSOLE);
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', password(user));
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-connection=live]');
  await page.waitForSelector('canvas[data-wave]', { timeout: 60_000 });
  return page;
}

/**
 * A console as the daemon sees it, without a browser on the box: the page's own traffic (login, MQTT over WebSocket
 * subscribed to what the page subscribes to, every message parsed, /api/status every 2 s and /api/setpoints every 1 s).
 * On the edge box the consoles are tablets; a browser drawing waves here takes the same two cores from the daemon.
 */
async function networkConsole(user: string): Promise<() => Promise<void>> {
  const base = DEMO_CONSOLE.replace(/\/$/, '');
  const tls = { rejectUnauthorized: false };
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: user, password: password(user) }) });
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  const session = (await res.json()) as SessionInfo;
  const client = await mqtt.connectAsync(`${base.replace('https', 'wss')}${session.mqttPath}`, { username: user, protocolVersion: 4, reconnectPeriod: 0, wsOptions: { headers: { cookie }, ...tls } });
  client.on('message', (_topic, payload) => JSON.parse(payload.toString()) as unknown);
  await client.subscribeAsync(session.feedTopic ? [session.feedTopic, `${session.topicRoot}/status`] : [`${session.topicRoot}/#`]);
  const get = (path: string) => fetch(`${base}${path}`, { headers: { cookie } }).then((r) => r.json()).catch(() => undefined);
  const timers = [setInterval(() => void get('/api/status'), 2000), setInterval(() => void get('/api/setpoints'), 1000)];
  return async () => {
    for (const timer of timers) clearInterval(timer);
    await client.endAsync();
  };
}

/** One logged-in reload: ms to the load event, to MQTT live, to the first numeric on screen. */
async function loadOnce(page: Page): Promise<{ loadMs: number; liveMs: number; vitalsMs: number }> {
  const t0 = Date.now();
  await page.reload({ waitUntil: 'load' });
  const loadMs = Date.now() - t0;
  await page.waitForSelector('[data-connection=live]');
  const liveMs = Date.now() - t0;
  await page.waitForSelector('.num .num-value', { timeout: 30_000 });
  return { loadMs, liveMs, vitalsMs: Date.now() - t0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function main(): Promise<void> {
  const demo = await startDemo();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    const status = (await callDaemon(join(demoDir(), 'control.sock'), 'status')) as StatusReport;
    const pid = status.pid;
    // Devices connected and delivering before anything is measured.
    await new Promise((r) => setTimeout(r, 20_000));

    const loader = await login(await browser.newContext({ ignoreHTTPSErrors: true }), 'tablet');
    const loads = [];
    for (let i = 0; i < LOADS; i++) loads.push(await loadOnce(loader));
    await loader.context().close();

    const none: number[] = [];
    const two: number[] = [];
    const twoNetwork: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      none.push(await cpuPercent(pid, WINDOW_S));
      const contexts = await Promise.all([browser.newContext({ ignoreHTTPSErrors: true }), browser.newContext({ ignoreHTTPSErrors: true })]);
      await Promise.all([login(contexts[0]!, 'crew'), login(contexts[1]!, 'tablet')]);
      two.push(await cpuPercent(pid, WINDOW_S));
      await Promise.all(contexts.map((c) => c.close()));
      const consoles = await Promise.all([networkConsole('crew'), networkConsole('tablet')]);
      twoNetwork.push(await cpuPercent(pid, WINDOW_S));
      await Promise.all(consoles.map((close) => close()));
      process.stdout.write(
        `round ${round + 1}: daemon CPU ${none[round]!.toFixed(2)} % with no console, ${two[round]!.toFixed(2)} % with two in chromium on the box, ${twoNetwork[round]!.toFixed(2)} % with two over the network\n`,
      );
    }
    const result = {
      at: new Date().toISOString(),
      pageLoad: { loads: LOADS, medianLoadMs: median(loads.map((l) => l.loadMs)), medianLiveMs: median(loads.map((l) => l.liveMs)), medianVitalsMs: median(loads.map((l) => l.vitalsMs)), targetMs: 1000 },
      daemonCpu: {
        windowS: WINDOW_S,
        rounds: ROUNDS,
        noConsolePercent: Number(mean(none).toFixed(2)),
        twoConsolesPercent: Number(mean(two).toFixed(2)),
        ratio: Number((mean(two) / mean(none)).toFixed(3)),
        addedPercentOfBaseline: Number(((mean(two) / mean(none) - 1) * 100).toFixed(1)),
        addedPercentagePoints: Number((mean(two) - mean(none)).toFixed(2)),
        targetAddedPercentOfBaseline: 5,
        twoNetworkConsolesPercent: Number(mean(twoNetwork).toFixed(2)),
        networkRatio: Number((mean(twoNetwork) / mean(none)).toFixed(3)),
        networkAddedPercentOfBaseline: Number(((mean(twoNetwork) / mean(none) - 1) * 100).toFixed(1)),
        networkAddedPercentagePoints: Number((mean(twoNetwork) - mean(none)).toFixed(2)),
      },
    };
    const out = join(process.cwd(), 'bench-results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `console-${result.at.replace(/[:.]/g, '-')}.json`), `${JSON.stringify(result, null, 2)}\n`);
    const p = result.pageLoad;
    const c = result.daemonCpu;
    process.stdout.write(
      `page load (median of ${LOADS}): loaded ${p.medianLoadMs} ms, MQTT live ${p.medianLiveMs} ms, first vitals ${p.medianVitalsMs} ms (target ≤ 1000 ms)\n` +
        `daemon CPU: ${c.noConsolePercent} % with no console vs ${c.twoConsolesPercent} % with two in chromium on the box: ratio ${c.ratio} (${c.addedPercentOfBaseline >= 0 ? '+' : ''}${c.addedPercentOfBaseline} % of the baseline, ${c.addedPercentagePoints} points; target < +5 %)\n` +
        `daemon CPU: ${c.noConsolePercent} % with no console vs ${c.twoNetworkConsolesPercent} % with two over the network (the page's traffic, no browser on the box): ratio ${c.networkRatio} (${c.networkAddedPercentOfBaseline >= 0 ? '+' : ''}${c.networkAddedPercentOfBaseline} % of the baseline, ${c.networkAddedPercentagePoints} points)\n` +
        `${JSON.stringify(result)}\n`,
    );
  } finally {
    await browser.close();
    await stopDemo(demo);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`bench-console: ${err.message}\n`);
  process.exit(1);
});
