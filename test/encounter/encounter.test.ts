// The encounter from the CLI and from the crew tablet: opened with patient data, stamped on every record while open,
// announced by events, kept over a restart, closed; bad patient data refused with what to fix. Setpoints need not be
// enabled. (The CLI runs from dist/: `npm run build` first.)
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

t.test('encounter open, show, close — CLI and crew tablet', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'crew.password'), 'crew-pw\n');
  const config = { localBroker: { users: [{ username: 'crew', passwordFile: join(dir, 'crew.password'), role: 'crew' }] } };
  let d = await startDaemon(t, config, { dir });
  const env = { AMBULINK_SOCKET: d.socket };

  const bad = await runCli(['encounter', 'open', '--sex', 'male', '--height', '250'], { env });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /outside 120–220 cm: enter the predicted body weight/);

  const open = await runCli(['encounter', 'open', '--sex', 'male', '--height', '170', '--age-band', 'adult', '--json'], { env });
  t.equal(open.code, 0, open.stderr);
  const id = (JSON.parse(open.stdout) as { id: string }).id;
  t.match(id, /^ENC-\d{8}-\d{6}-[0-9a-f]{6}$/);
  const show = await runCli(['encounter', 'show'], { env });
  t.match(show.stdout, new RegExp(`encounter ${id} open .* predicted body weight 66.0 kg`));
  const opened = await d.waitForRecord((r) => r.kind === 'event' && r.event === 'encounter.opened', 'encounter.opened');
  t.same((opened as { detail: unknown }).detail, { encounter: id });
  t.equal(opened.encounter, id, 'the opening event carries the id');
  t.equal(statSync(join(dir, 'data', 'encounter.json')).mode & 0o777, 0o600, 'patient data readable by the daemon only');
  t.notOk(JSON.stringify(d.logs).includes('"heightCm"'), 'no patient data in the log');

  // Kept over a restart.
  await d.stop();
  d = await startDaemon(t, config, { dir });
  t.equal(((await runCli(['encounter', 'show', '--json'], { env: { AMBULINK_SOCKET: d.socket } })).stdout.includes(id)), true);

  // The crew tablet opens the next one over the local broker (crew role).
  const port = d.controller.local!.broker.port;
  const crew = await mqtt.connectAsync({ host: '127.0.0.1', port, username: 'crew', password: 'crew-pw', protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => crew.endAsync(true));
  await crew.publishAsync('ambulink/v1/TEST-1/crew/encounter/open', JSON.stringify({ sex: 'female', pbwKg: 55, id: 'ENC-TABLET-1' }), { qos: 1 });
  await d.waitForRecord((r) => r.kind === 'event' && r.event === 'encounter.opened' && (r.detail as { encounter: string }).encounter === 'ENC-TABLET-1', 'opened from the tablet');
  t.ok(d.records.some((r) => r.kind === 'event' && r.event === 'encounter.closed' && (r.detail as { encounter: string }).encounter === id), 'the previous one closed');
  await crew.publishAsync('ambulink/v1/TEST-1/crew/encounter/close', '', { qos: 1 });
  await d.waitForRecord((r) => r.kind === 'event' && r.event === 'encounter.closed' && (r.detail as { encounter: string }).encounter === 'ENC-TABLET-1', 'closed from the tablet');
  const none = await runCli(['encounter', 'show'], { env: { AMBULINK_SOCKET: d.socket } });
  t.equal(none.code, 1);
  t.match(none.stdout, /no encounter is open/);
  const close = await runCli(['encounter', 'close'], { env: { AMBULINK_SOCKET: d.socket } });
  t.match(close.stdout, /no encounter was open/);
  t.notOk(readFileSync(join(dir, 'data', 'audit', 'audit.log'), 'utf8').includes('pbwKg'), 'the audit log never holds patient data');
});
