// The README's console screenshots (docs/console-*.png), taken from the real demo in headless chromium: the login,
// the crew's console with live data, a remote setpoint waiting for the crew and its result after readback, and the
// hospital's read-only view. Run: npm run build && node dist/scripts/console-screenshots.js
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { packageRoot } from '../src/core/paths.js';
import { cli, DEMO_CONSOLE, DEMO_HOSPITAL_VIEW, startDemo, stopDemo } from './lib/demo-process.js';

const docs = join(packageRoot(), 'docs');
const crewPassword = () => readFileSync(join(packageRoot(), 'config', 'demo-secrets', 'crew.password'), 'utf8').trim();

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(docs, name) });
  process.stdout.write(`docs/${name}\n`);
}

async function main(): Promise<void> {
  const demo = await startDemo();
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
  try {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 1100 } });
    const page = await context.newPage();
    await page.goto(DEMO_CONSOLE);
    await page.fill('input[name=username]', 'crew');
    await shoot(page, 'console-login.png');
    await page.fill('input[name=password]', crewPassword());
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-connection=live]');
    // Let every device connect, waves fill their canvases, and a lab result or two arrive.
    await page.waitForTimeout(25_000);
    await shoot(page, 'console-crew.png');

    const setpoint = cli(['demo', 'setpoint', '--on-console'], 'inherit');
    const confirm = page.locator('.pending button.confirm');
    await confirm.waitFor({ timeout: 60_000 });
    await page.locator('.setpoints').scrollIntoViewIfNeeded();
    await shoot(page, 'console-setpoint.png');
    await confirm.click();
    await page.locator('.results [data-state=Fin]').waitFor({ timeout: 60_000 });
    if (setpoint.exitCode === null) await new Promise((r) => setpoint.once('exit', r));
    await page.locator('.setpoints').screenshot({ path: join(docs, 'console-setpoint-result.png') });
    process.stdout.write('docs/console-setpoint-result.png\n');

    const hospital = await context.newPage();
    await hospital.goto(DEMO_HOSPITAL_VIEW);
    await hospital.waitForSelector('[data-connection=live]');
    await hospital.waitForTimeout(15_000);
    await shoot(hospital, 'console-hospital.png');
  } finally {
    await browser.close();
    await stopDemo(demo);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`console-screenshots: ${err.message}\n`);
  process.exit(1);
});
