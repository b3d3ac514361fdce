// Setpoints as a vehicle really carries them: the command arrives through the daemon's own uplink (its subscription
// on the hospital broker), and the results and audit checkpoints leave through the outbox (alarm class, sequenced,
// in envelopes) — no test client between the daemon and the broker.
import t from 'tap';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';
import { verifyAudit } from '../../src/audit/verify.js';
import { GatewayPublicKey } from '../../src/core/gateway-key.js';

t.test('a confirmed command through the uplink is applied; results and checkpoints arrive sequenced through the outbox', async (t) => {
  const rig = await startRig(t, { viaUplink: true });
  await rig.openEncounter();
  await rig.current('fio2');
  // The uplink subscribes once connected: until then a command would find no subscriber (clean session, by design).
  await waitFor(async () => ((await rig.call('uplink')) as { state: string }).state === 'connected', 'the uplink connected');

  const { env, result } = await rig.run({ param: 'fio2', value: 45 });
  const id = env.command.commandId;
  t.equal(result.state, 'Fin', result.message ?? '');
  t.same(rig.device.writes, [{ name: 'fio2', value: 45 }], 'exactly one write');
  t.same(rig.hospital.statesOf(id), ['Wait', 'Start', 'Fin'], 'every transition, in order');

  // A retained command is delivered when the uplink (re)subscribes, flagged retain: never acted on.
  await new Promise((r) => setTimeout(r, 1100)); // past the policy's spacing, so only the retain flag can refuse it
  const retained = await rig.sign({ param: 'fio2', value: 50, lifetimeS: 60 });
  await rig.send(retained, { retain: true });
  await rig.restart();
  t.equal((await rig.hospital.finalOf(retained.command.commandId)).reason, 'RETAINED_COMMAND');
  t.equal(rig.device.writes.length, 1, 'not written');
  await rig.send('', { retain: true }); // clear it from the broker

  const results = rig.hospital.envelopes.filter((e) => e.stream === 'vent/setpoint-result');
  t.ok(results.length > 0, 'results came in outbox envelopes');
  t.ok(results.every((e) => e.class === 'alarm'), 'in the alarm class: never evicted, never expires');
  const seqs = [...new Set(results.flatMap((e) => e.items.map((i) => Number(i.seq))))].sort((a, b) => a - b);
  t.same(seqs, seqs.map((_, i) => i + 1), 'one stream, contiguous seqs from 1 across the restart (deduplicated by seq)');

  await waitFor(() => rig.hospital.checkpoints.length > 0, 'a checkpoint at the hospital');
  t.ok(rig.hospital.envelopes.some((e) => e.stream === 'gateway/audit-checkpoint'), 'checkpoints in their own stream');
  const dataDir = join(rig.dir, 'data');
  const report = verifyAudit({
    logText: readFileSync(join(dataDir, 'audit', 'audit.log'), 'utf8'),
    checkpointLines: readFileSync(join(dataDir, 'audit', 'checkpoints.log'), 'utf8').split('\n').filter(Boolean),
    witnessLines: rig.hospital.checkpoints,
    key: GatewayPublicKey.load(join(dataDir, 'keys', 'gateway.pub')),
  });
  t.ok(report.ok, `the hospital's copy of the checkpoints witnesses the log: ${JSON.stringify(report.problems)}`);
});
