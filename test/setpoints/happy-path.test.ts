// End to end through the daemon: a correctly signed, fresh, in-range command, confirmed by the crew, is written once,
// read back and reported Wait → Start → Fin; the audit log shows receipt, every check, intent, write, readback and
// outcome, and verifies (also with the hospital's copy of the checkpoints as the witness).
import t from 'tap';
import { startRig } from '../helpers/setpoint-rig.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLog, verifyAudit } from '../../src/audit/verify.js';
import { GatewayPublicKey } from '../../src/core/gateway-key.js';
import { waitFor } from '../helpers/wait.js';
import { runCli } from '../helpers/cli.js';

t.test('signed, confirmed FiO2 change is applied, read back, reported Fin, and audited', async (t) => {
  const rig = await startRig(t);
  const encounter = await rig.openEncounter();
  await rig.current('fio2');
  const { env, result } = await rig.run({ param: 'fio2', value: 55 });
  const id = env.command.commandId;
  t.equal(result.state, 'Fin', result.message ?? '');
  t.equal(result.actual, 55);
  t.same(rig.hospital.statesOf(id), ['Wait', 'Start', 'Fin'], 'every transition in order, one final state');
  t.ok(rig.hospital.results.filter((r) => r.commandId === id).every((r) => r.transactionId === result.transactionId && r.source?.id === 'dr-a'), 'one transaction id, source named');
  t.same(rig.device.writes, [{ name: 'fio2', value: 55 }], 'exactly one write');
  t.equal(rig.device.state.settings.fio2, 55);

  const dataDir = join(rig.dir, 'data');
  const log = parseLog(readFileSync(join(dataDir, 'audit', 'audit.log'), 'utf8'));
  const mine = log.records.filter((r) => r.payload.commandId === id);
  const types: string[] = mine.map((r) => r.type);
  for (const type of ['CHECK', 'STATE', 'CONFIRM', 'INTENT', 'WRITE', 'READBACK', 'OUTCOME']) t.ok(types.includes(type), `audit has ${type}`);
  t.ok(log.records.some((r) => r.type === 'RECEIPT' && r.payload.messageId !== undefined && typeof r.payload.sha256 === 'string'), 'receipt with the raw bytes hash and packet id');
  t.ok(types.indexOf('INTENT') < types.indexOf('WRITE') && types.indexOf('WRITE') < types.indexOf('READBACK') && types.indexOf('READBACK') < types.indexOf('OUTCOME'), 'intent before write, outcome after readback');
  const checks = mine.filter((r) => r.type === 'CHECK').map((r) => r.payload.check);
  t.equal(checks.filter((x) => x === 'signature').length, 1, 'signature checked at receipt');
  for (const c of ['freshness', 'context']) t.equal(checks.filter((x) => x === c).length, 2, `check ${c} logged before and after the crew confirmed`);
  t.notOk(JSON.stringify(log.records).includes('"heightCm"'), 'no patient data in the audit log');
  t.ok(log.records.some((r) => r.type === 'ENCOUNTER' && r.payload.encounter === encounter));

  // A checkpoint went to the hospital after the final state; the witness copy verifies with the local log.
  await waitFor(() => rig.hospital.checkpoints.length > 0, 'a checkpoint at the hospital');
  const key = GatewayPublicKey.load(join(dataDir, 'keys', 'gateway.pub'));
  const report = verifyAudit({
    logText: readFileSync(join(dataDir, 'audit', 'audit.log'), 'utf8'),
    checkpointLines: readFileSync(join(dataDir, 'audit', 'checkpoints.log'), 'utf8').split('\n').filter(Boolean),
    witnessLines: rig.hospital.checkpoints,
    key,
  });
  t.ok(report.ok, JSON.stringify(report.problems));

  // The CLI says the same (exit 0).
  writeFileSync(join(rig.dir, 'witness.log'), rig.hospital.checkpoints.join('\n') + '\n');
  const verify = await runCli(['audit', 'verify', '--data-dir', dataDir, '--witness', join(rig.dir, 'witness.log')]);
  t.equal(verify.code, 0, verify.stdout + verify.stderr);
  t.match(verify.stdout, /audit log intact/);
  const tail = await runCli(['audit', 'tail', '--data-dir', dataDir, '-n', '5']);
  t.equal(tail.code, 0);
  t.match(tail.stdout, /OUTCOME|STATE/);
});
