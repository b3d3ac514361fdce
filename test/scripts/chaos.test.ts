// A short run of the fault harness (`npm run chaos` runs ten minutes): the built daemon behind the link emulator,
// killed with SIGKILL, its broker restarted, its link stalled and blacked out, while simulated receivers feed it.
// Afterwards every stream must be complete at the hospital. Needs `npm run build` first, like the CLI tests.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import t from 'tap';
import { mosquittoAvailable } from '../../scripts/lib/mosquitto.js';
import { packageRoot } from '../../src/core/paths.js';

const CHAOS = join(packageRoot(), 'dist', 'scripts', 'chaos.js');

t.test('short chaos run: kills, a broker restart, a stall, a blackout; every stream complete', { skip: !mosquittoAvailable() && 'mosquitto is not installed', timeout: 600_000 }, async (t) => {
  const args = ['--duration', '45', '--kills', '3', '--broker-restarts', '1', '--stalls', '1', '--blackouts', '1', '--max-blackout', '10', '--devices', '3', '--speed', '20'];
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CHAOS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  if (code !== 0) t.comment(`${stdout}\n${stderr}`);
  t.equal(code, 0, 'the harness found nothing wrong');
  const result = JSON.parse(last) as Record<string, number>;
  t.equal(result.missing, 0, 'no seq missing without a loss record');
  t.equal(result.duplicates_after_dedupe, 0, 'no seq reused for a different record');
  t.equal(result.loss_accounted, 0, 'quotas were not reached: nothing lost at all');
  t.equal(result.kills, 3);
  t.equal(result.broker_restarts, 1);
  t.equal(result.stalls, 1);
  t.equal(result.blackouts, 1);
  t.ok(result.records! > 500, `${result.records} records checked in ${result.streams} streams`);
});
