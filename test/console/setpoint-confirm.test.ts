// Remote setpoint confirmation by touch, in a real browser against the real daemon and the test ventilator: the
// pending command as the crew sees it (signer, change, interlocks passed, time left), confirm applies it after
// readback, reject leaves the device alone, each press audited like the CLI's; a consumer sees no buttons and the
// API refuses them a press.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import t, { type Test } from 'tap';
import { parseLog } from '../../src/audit/verify.js';
import { launchBrowser, newPage } from '../helpers/browser.js';
import { buildPage, consoleSections, consoleUrl, PASSWORDS } from '../helpers/console.js';
import { startRig, type Rig } from '../helpers/setpoint-rig.js';

async function rigWithConsole(t: Test): Promise<Rig> {
  await buildPage();
  const rig = await startRig(t, { extraConfig: (dir) => consoleSections(dir) });
  await rig.openEncounter();
  await rig.current('fio2');
  return rig;
}

async function login(page: Page, rig: Rig, user: 'crew' | 'tablet'): Promise<void> {
  await page.goto(consoleUrl(rig.daemon.controller));
  await page.fill('input[name=username]', user);
  await page.fill('input[name=password]', PASSWORDS[user]);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-connection=live]');
}

function auditOf(rig: Rig, commandId: string) {
  return parseLog(readFileSync(join(rig.dir, 'data', 'audit', 'audit.log'), 'utf8')).records.filter((r) => r.payload.commandId === commandId);
}

/** POSTs as the browser would, with the page's session cookie. */
async function post(page: Page, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  return page.evaluate(
    async ({ path, body }) => {
      const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    },
    { path, body },
  );
}

t.test('crew: the pending command is shown in full; confirm applies it, read back and audited as a console press', async (t) => {
  const rig = await rigWithConsole(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await login(page, rig, 'crew');

  const env = await rig.sign({ param: 'fio2', value: 60 });
  const id = env.command.commandId;
  await rig.send(env);
  await rig.waitPending(id);
  const item = page.locator(`.pending[data-command="${id}"]`);
  await item.locator('button.confirm').waitFor();
  t.match(await item.locator('.change').textContent(), /vent\s*fio2\s*50\s*→\s*60\s*%/, 'what changes, from what to what');
  t.match(await item.locator('.meta').first().textContent(), /signed by dr-a/, 'who signed it');
  const passed = (await item.locator('[data-field=passed]').textContent()) ?? '';
  for (const check of ['signature', 'freshness', 'context']) t.match(passed, check, `interlock ${check} shown as passed`);
  const left = Number(/(\d+) s left/.exec((await item.locator('[data-field=time-left]').textContent()) ?? '')?.[1]);
  t.ok(left > 0 && left <= 30, `time left shown: ${left} s of 30`);
  t.equal(rig.device.writes.length, 0, 'nothing written before the crew confirms');

  await item.locator('button.confirm').click();
  const result = await rig.hospital.finalOf(id);
  t.equal(result.state, 'Fin', result.message ?? '');
  t.equal(result.actual, 60);
  t.same(rig.device.writes, [{ name: 'fio2', value: 60 }], 'written exactly once');
  await page.locator(`.results [data-command="${id}"][data-state=Fin]`).waitFor();
  t.match(await page.locator(`.results [data-command="${id}"]`).textContent(), /fio2 → 60/, 'the result after readback, on the page');
  const confirm = auditOf(rig, id).filter((r) => r.type === 'CONFIRM');
  t.same(confirm.map((r) => r.payload), [{ commandId: id, by: 'console:crew', confirmed: true }], 'one audit entry, as the CLI writes it, naming the console user');
});

t.test('crew: reject leaves the device as it is and is audited', async (t) => {
  const rig = await rigWithConsole(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await login(page, rig, 'crew');
  const env = await rig.sign({ param: 'fio2', value: 45 });
  const id = env.command.commandId;
  await rig.send(env);
  await rig.waitPending(id);
  await page.locator(`.pending[data-command="${id}"] button.reject`).click();
  const result = await rig.hospital.finalOf(id);
  t.equal(result.state, 'CnclldMan');
  t.equal(result.reason, 'LOCAL_REJECTED');
  t.equal(rig.device.writes.length, 0, 'never written');
  t.equal(rig.device.state.settings.fio2, 50, 'the ventilator keeps its setting');
  await page.locator(`.results [data-command="${id}"][data-state=CnclldMan]`).waitFor();
  t.same(auditOf(rig, id).filter((r) => r.type === 'CONFIRM').map((r) => r.payload), [{ commandId: id, by: 'console:crew', confirmed: false }]);
  // A second press on a command that is no longer waiting is refused, not repeated.
  const again = await post(page, '/api/setpoints/confirm', { commandId: id });
  t.equal(again.status, 409);
});

t.test('consumer: sees the pending command but no button, and the API refuses a press', async (t) => {
  const rig = await rigWithConsole(t);
  const browser = await launchBrowser(t);
  const { page } = await newPage(browser);
  await login(page, rig, 'tablet');
  const env = await rig.sign({ param: 'fio2', value: 55 });
  const id = env.command.commandId;
  await rig.send(env);
  await rig.waitPending(id);
  const item = page.locator(`.pending[data-command="${id}"]`);
  await item.waitFor();
  t.equal(await page.getAttribute('.who', 'data-role'), 'consumer');
  t.equal(await item.locator('button').count(), 0, 'no confirm or reject button for a consumer');
  const press = await post(page, '/api/setpoints/confirm', { commandId: id });
  t.equal(press.status, 403);
  t.match(press.json.error, /only the crew/);
  t.equal(rig.device.writes.length, 0);
  await rig.call('setpoint.reject', { commandId: id, user: 'test' });
  t.equal((await rig.hospital.finalOf(id)).state, 'CnclldMan', 'still pending until the crew decided (by CLI here)');
  t.equal(auditOf(rig, id).filter((r) => r.type === 'CONFIRM' && String(r.payload.by).startsWith('console:')).length, 0, 'no console press in the audit');
});
