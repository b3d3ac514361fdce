// Type=notify against a real Unix datagram socket standing in for systemd's notify socket.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

interface DgramSocket {
  bind(path: string): void;
  close(): void;
  on(event: 'message', listener: (msg: Buffer) => void): void;
}
const unix = createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };

/** A datagram socket where systemd's notify socket would be; collects what the daemon sends. */
function fakeSystemd(t: Test): { dir: string; path: string; messages: string[] } {
  const dir = tempDir(t);
  const path = join(dir, 'notify.sock');
  const messages: string[] = [];
  const socket = unix.createSocket('unix_dgram');
  socket.on('message', (msg) => messages.push(msg.toString()));
  socket.bind(path);
  t.teardown(() => socket.close());
  return { dir, path, messages };
}

t.test('READY=1 when up, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on stop', async (t) => {
  const { dir, path, messages } = fakeSystemd(t);

  const d = await startDaemon(t, {}, { dir, env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: '400000' } });
  await waitFor(() => messages.some((m) => m.split('\n').includes('READY=1')), 'READY=1');
  t.match(messages.find((m) => m.includes('READY=1')), /STATUS=vehicle TEST-1/);
  const firstReady = messages.findIndex((m) => m.includes('READY=1'));
  await waitFor(() => messages.filter((m) => m === 'WATCHDOG=1').length >= 3, 'three watchdog pings');
  t.ok(messages.findIndex((m) => m === 'WATCHDOG=1') > firstReady, 'watchdog only after ready');
  await d.stop();
  await waitFor(() => messages.includes('STOPPING=1'), 'STOPPING=1');
  const pingsAtStop = messages.filter((m) => m === 'WATCHDOG=1').length;
  await new Promise((r) => setTimeout(r, 600));
  t.equal(messages.filter((m) => m === 'WATCHDOG=1').length, pingsAtStop, 'no pings after STOPPING=1');
});

t.test('WATCHDOG_PID of another process disables the watchdog; no NOTIFY_SOCKET means no notification', async (t) => {
  const { dir, path, messages } = fakeSystemd(t);
  await startDaemon(t, {}, { dir, env: { NOTIFY_SOCKET: path, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid + 1) } });
  await waitFor(() => messages.some((m) => m.includes('READY=1')), 'READY=1');
  await new Promise((r) => setTimeout(r, 500));
  t.notOk(messages.includes('WATCHDOG=1'), 'the watchdog belongs to another process');
  await t.resolves(startDaemon(t, {}, { env: {} }), 'starts without NOTIFY_SOCKET');
});
