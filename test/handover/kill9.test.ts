// kill -9 of a process delivering through the durable queue, mid-stream, twice: every message enqueued before the kill
// reaches the listener, in order, at least once, a resend always with the same MSH-10 (never a new id).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { StandInListener } from '../../src/handover/stand-in-listener.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const MAIN = fileURLToPath(new URL('./queue-child-main.ts', import.meta.url));

function child(t: { teardown(fn: () => void): void }, args: string[]): { proc: ChildProcess; lines: string[] } {
  const proc = spawn(process.execPath, [...process.execArgv, MAIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void proc.kill('SIGKILL'));
  const lines: string[] = [];
  let rest = '';
  proc.stdout!.on('data', (d: Buffer) => {
    const parts = (rest + d.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
  });
  return { proc, lines };
}

async function kill(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

const highest = (lines: string[]) => Math.max(-1, ...lines.filter((l) => l.startsWith('enqueued ')).map((l) => Number(l.slice(9))));

t.test('kill -9 mid-stream, twice: everything enqueued is delivered in order, resends with the same MSH-10', async (t) => {
  const dir = tempDir(t, 'al-hk-');
  // The listener answers after a short delay, so that a message is often in flight when the kill comes.
  const listener = new StandInListener({ handler: (_m, res) => void setTimeout(() => void res.sendResponse('AA'), 2) });
  await listener.start();
  t.teardown(() => listener.stop());
  const port = String(listener.port);

  const producer = child(t, [dir, port, 'produce', '2000']);
  await waitFor(() => highest(producer.lines) >= 300 && listener.received.length >= 100, 'the producer well under way', 60_000);
  await kill(producer.proc);
  const durable = highest(producer.lines);
  t.ok(durable < 1999, `killed mid-stream (after K${durable} was written)`);

  const first = child(t, [dir, port, 'drain']);
  const seen = listener.received.length;
  await waitFor(() => listener.received.length >= seen + 50 || first.lines.includes('drained'), 'the first restart delivering', 60_000);
  await kill(first.proc);

  const second = child(t, [dir, port, 'drain']);
  await waitFor(() => second.lines.includes('drained'), 'the second restart drained', 120_000);
  await kill(second.proc);

  const ids = listener.receivedIds;
  const collapsed = ids.filter((id, i) => id !== ids[i - 1]);
  const expected = Array.from({ length: collapsed.length }, (_, i) => `K${i}`);
  t.same(collapsed, expected, 'in order with no gap and no new id: every repeat is an immediate resend of the same MSH-10');
  t.ok(collapsed.length - 1 >= durable, `every message written before the kill delivered (K0…K${collapsed.length - 1}, K${durable} written)`);
  t.comment(`${ids.length} deliveries of ${collapsed.length} messages (${ids.length - collapsed.length} resent after a kill)`);
});
