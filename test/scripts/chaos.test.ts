// A short run of the fault harness (`npm run chaos` runs ten minutes): the built daemon behind the link emulator,
// killed with SIGKILL, its broker restarted, its link stalled and blacked out, while simulated receivers feed it.
// Afterwards every stream must be complete at the hospital, and the report must say whose any loss was and where the
// kills landed. Needs `npm run build` first, like the CLI tests.
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
  // The fields that tell the broker's losses from the gateway's, and where the kills landed.
  for (const field of ['missing_unexplained', 'broker_own_loss_graceful', 'broker_own_loss_kill9', 'broker_own_loss_no_restart', 'drain_failed', 'kills_aimed_at_burst', 'kills_mid_burst']) {
    t.type(result[field], 'number', `${field} reported`);
  }
  t.equal(result.broker_own_loss, result.broker_own_loss_graceful! + result.broker_own_loss_kill9! + result.broker_own_loss_no_restart!, "the broker's own loss is split by the restart that took it");
  t.equal(result.broker_kill9, 0, 'the one broker restart was a clean stop');
  t.equal(result.broker_own_loss_kill9, 0, 'so nothing was lost to a kill -9 of the broker');
  t.equal(result.broker_own_loss_graceful, 0, 'and nothing the broker acknowledged was lost across its clean restart');
  t.equal(result.missing_unexplained, 0, 'nothing missing unexplained');
  t.ok(result.missing_unexplained! <= result.missing!, 'the unexplained part of missing is a part of it');
  t.equal(result.drain_failed, 0, 'the outbox drained');
  t.equal(result.kills_aimed_at_burst, 1, 'every other kill aimed at a wave burst of the monitor');
  t.ok(result.kills_mid_burst! >= 0 && result.kills_mid_burst! <= result.kills!, `${result.kills_mid_burst} of ${result.kills} kills landed within 10 ms of a wave record`);
});
