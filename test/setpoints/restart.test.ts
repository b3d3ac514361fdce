// What must hold across restarts: a duplicate of identical bytes returns the original result and never executes
// again; a retained command is refused; the gateway killed (-9) between the device write and the OUTCOME entry
// logs exactly one RECOVERED entry with the value read back at the next start.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { parseLog, verifyAudit } from '../../src/audit/verify.js';
import { callDaemon } from '../../src/control/client.js';
import { GatewayPublicKey } from '../../src/core/gateway-key.js';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('duplicates and retained commands across a restart', async (t) => {
  const rig = await startRig(t);
  await rig.openEncounter();
  await rig.current('fio2');
  const { env, result } = await rig.run({ param: 'fio2', value: 55, lifetimeS: 60 });
  t.equal(result.state, 'Fin');
  const bytes = Buffer.from(JSON.stringify(env));

  await rig.send(bytes); // a QoS 1 redelivery, same bytes
  const dup1 = await waitFor(() => rig.hospital.results.find((r) => r.commandId === env.command.commandId && r.duplicate), 'the duplicate answer');
  t.equal(dup1.state, 'Fin', 'the original result');
  t.match(dup1.message, /DUPLICATE_SUPPRESSED/);

  await rig.restart();
  const before = rig.hospital.results.filter((r) => r.duplicate).length;
  await rig.send(bytes);
  await waitFor(() => rig.hospital.results.filter((r) => r.duplicate).length > before, 'the duplicate answer after the restart');
  t.equal(rig.device.writes.length, 1, 'identical bytes after a restart: still exactly one write');
  const log = parseLog(readFileSync(join(rig.dir, 'data', 'audit', 'audit.log'), 'utf8'));
  t.ok(log.records.some((r) => r.type === 'CHECK' && r.payload.reason === 'DUPLICATE_SUPPRESSED'), 'DUPLICATE_SUPPRESSED logged');
  t.equal(log.records.filter((r) => r.type === 'BOOT').length, 2, 'each boot logged');

  // A command waiting for the crew when the gateway stops gets its one final state: cancelled, nothing written.
  await new Promise((r) => setTimeout(r, 1100));
  const waiting = await rig.sign({ param: 'fio2', value: 58, lifetimeS: 60 });
  await rig.send(waiting);
  await rig.waitPending(waiting.command.commandId);
  await rig.restart();
  const cancelled = await rig.hospital.finalOf(waiting.command.commandId);
  t.equal(cancelled.state, 'Cnclld');
  t.equal(cancelled.reason, 'NO_LEASE');
  t.equal(rig.device.writes.length, 1, 'not written');

  // A retained command is delivered to the gateway when it (re)subscribes, flagged retain: refused.
  await new Promise((r) => setTimeout(r, 1100));
  const retained = await rig.sign({ param: 'fio2', value: 60, lifetimeS: 60 });
  await rig.send(retained, { retain: true });
  await rig.restart();
  const r = await rig.hospital.finalOf(retained.command.commandId);
  t.equal(r.reason, 'RETAINED_COMMAND');
  t.equal(rig.device.writes.length, 1, 'not written');
  await rig.send('', { retain: true }); // clear it from the broker
});

t.test('kill -9 between the device write and the OUTCOME entry: exactly one RECOVERED with the actual value', async (t) => {
  const rig = await startRig(t);
  await rig.openEncounter();
  await rig.current('fio2');
  await rig.daemon.stop();
  const main = fileURLToPath(new URL('../helpers/vent-daemon-main.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, main, join(rig.dir, 'vehicle.yaml'), String(rig.hospital.port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  await waitFor(() => child.stdout.read() !== null || undefined, 'the child daemon ready', 60_000);
  const socket = join(rig.dir, 'control.sock');
  await waitFor(
    async () => ((await callDaemon(socket, 'setpoint.state', { device: 'vent' })) as { writable: Array<{ name: string; value: number | null }> | null }).writable?.find((w) => w.name === 'fio2')?.value != null,
    'the ventilator attached to the child and its FiO2 seen',
    60_000,
  );

  rig.device.armFault('silent-mid-write', 8000); // the write arrives, is applied, and is never answered
  const env = await rig.sign({ param: 'fio2', value: 57, lifetimeS: 60 });
  await rig.send(env);
  await waitFor(async () => {
    const ended = rig.hospital.results.find((r) => r.commandId === env.command.commandId && r.state !== 'Wait');
    if (ended) throw new Error(`ended ${ended.state} ${ended.reason ?? ''}: ${ended.message ?? ''}`);
    return ((await callDaemon(socket, 'setpoint.pending')) as Array<{ phase: string }>).some((p) => p.phase === 'confirm');
  }, 'pending in the child', 60_000);
  await callDaemon(socket, 'setpoint.confirm', { commandId: env.command.commandId });
  await waitFor(() => rig.device.writes.some((w) => w.value === 57), 'the write reached the device');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));

  await rig.boot(); // the next start, in this process, on the same data directory
  const settled = await waitFor(() => rig.hospital.results.find((r) => r.commandId === env.command.commandId && r.reconciled), 'the recovered result', 60_000);
  t.equal(settled.state, 'Fail');
  t.equal(settled.reason, 'INDETERMINATE');
  t.same(settled.reconciled, { actual: 57, matchesTarget: true });
  const log = parseLog(readFileSync(join(rig.dir, 'data', 'audit', 'audit.log'), 'utf8'));
  const recovered = log.records.filter((r) => r.type === 'RECOVERED');
  t.equal(recovered.length, 1, 'exactly one RECOVERED entry');
  t.equal(recovered[0]?.payload.actual, 57);
  t.equal(rig.device.writes.filter((w) => w.value === 57).length, 1, 'never written again');
  // The identical bytes again: the recovered result, no second write.
  await rig.send(JSON.stringify(env));
  await waitFor(() => rig.hospital.results.some((r) => r.commandId === env.command.commandId && r.duplicate), 'the duplicate answer');
  t.equal(rig.device.writes.filter((w) => w.value === 57).length, 1);
  const data = join(rig.dir, 'data');
  const report = verifyAudit({
    logText: readFileSync(join(data, 'audit', 'audit.log'), 'utf8'),
    checkpointLines: readFileSync(join(data, 'audit', 'checkpoints.log'), 'utf8').split('\n').filter(Boolean),
    key: GatewayPublicKey.load(join(data, 'keys', 'gateway.pub')),
  });
  t.ok(report.ok, `the log verifies after the kill: ${JSON.stringify(report.problems)}`);
});

t.test('a log that does not verify at boot: remote setpoints refused (AUDIT_UNAVAILABLE), nothing written', async (t) => {
  const rig = await startRig(t);
  await rig.openEncounter();
  await rig.current('fio2');
  await rig.daemon.stop();
  const file = join(rig.dir, 'data', 'audit', 'audit.log');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines[2] = lines[2]!.replace('"type":"', '"type":"X');
  writeFileSync(file, lines.join('\n'));
  await rig.boot();
  t.ok(rig.daemon.logs.some((l) => l.level === 'error' && /AUDIT LOG DOES NOT VERIFY/.test(String(l.msg))), 'the operator is told');
  await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55 }), 'AUDIT_UNAVAILABLE', { state: 'Cnclld' });
});
