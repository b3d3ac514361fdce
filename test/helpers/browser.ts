// A real browser for the console tests: Debian's chromium, headless, driven by playwright-core. If chromium cannot
// start, the test fails (it never skips): CI installs it (scripts/setup.sh test).
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(t: Teardown): Promise<Browser> {
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Root (CI, the box's test runs) cannot use chromium's sandbox.
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  } catch (err) {
    throw new Error(`cannot start chromium at ${CHROMIUM} (install the chromium package, or set CHROMIUM_PATH): ${(err as Error).message}`);
  }
  t.teardown(() => browser.close());
  return browser;
}

/** A fresh browser profile (no cookies) that accepts the test's self-signed certificate. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  return { context, page };
}
