// Every command gets an answer, and at once when it can: a copy of a command still waiting for the crew is answered
// DUPLICATE_SUPPRESSED (naming the original), and a command that can be refused without the device is refused while
// the one ahead of it still waits for the crew, instead of queueing behind it. Real daemon, real broker, real device.
import t, { type Test } from 'tap';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('answers while a command waits for the crew', async (t) => {
  const rig = await startRig(t, { setpoints: { confirm: { required: true, timeoutS: 60 } } });
  await rig.openEncounter({ sex: 'male', heightCm: 170 }); // PBW 66 kg: Vt 4–8 mL/kg is 264–528 mL
  await rig.current('fio2');
  const pending = async () => (await rig.call('setpoint.pending')) as Array<{ commandId: string; phase: string }>;

  const first = await rig.sign({ param: 'fio2', value: 55, lifetimeS: 60 });
  const id = first.command.commandId;
  await rig.send(first);
  await rig.waitPending(id);
  const wait = rig.hospital.results.find((r) => r.commandId === id && r.state === 'Wait' && !r.duplicate)!;

  await t.test('DUPLICATE_SUPPRESSED: an identical copy of the pending command is answered, not executed', async (t) => {
    const before = rig.hospital.results.length;
    await rig.send(first);
    const dup = await waitFor(() => rig.hospital.results.slice(before).find((r) => r.commandId === id && r.duplicate), 'an answer to the copy');
    t.equal(dup.reason, 'DUPLICATE_SUPPRESSED');
    t.equal(dup.originalCommandId, id, 'names the original');
    t.equal(dup.state, 'Wait', 'not a final state: the original still gets its own');
    t.equal(dup.transactionId, wait.transactionId, 'the original’s transaction');
    t.match(dup.message, /already pending \(confirm\)/);
    t.same((await pending()).map((p) => p.commandId), [id], 'still one command waiting');
  });

  const refusedAtOnce = async (t: Test, o: Parameters<typeof rig.sign>[0], reason: string) => {
    const env = await rig.sign({ lifetimeS: 60, ...o });
    const result = await rig.expectRefused(t, env, reason);
    t.notOk(rig.hospital.results.some((r) => r.commandId === env.command.commandId && r.state === 'Wait'), `${reason}: never queued`);
    t.same((await pending()).map((p) => [p.commandId, p.phase]), [[id, 'confirm']], `${reason}: answered while the first still waits for the crew`);
    return result;
  };
  await t.test('refused at once behind it: out of range, off step, patient and policy limits, bad context', async (t) => {
    await refusedAtOnce(t, { param: 'fio2', value: 120 }, 'OUT_OF_DEVICE_RANGE');
    await refusedAtOnce(t, { param: 'fio2', value: 55.5 }, 'OFF_STEP');
    const vt = await refusedAtOnce(t, { param: 'vt', value: 700 }, 'PATIENT_LIMIT');
    t.match(vt.violations, [{ check: 'vt-per-kg-pbw', reason: 'PATIENT_LIMIT' }], 'with the values used');
    await refusedAtOnce(t, { param: 'rr', value: 38 }, 'POLICY_LIMIT');
    await refusedAtOnce(t, { param: 'fio2', value: 50, encounter: 'another-patient' }, 'CONTEXT_MISMATCH');
  });

  await t.test('a command that needs the device still waits its turn', async (t) => {
    const env = await rig.sign({ param: 'rr', value: 14, lifetimeS: 60 });
    await rig.send(env);
    await waitFor(() => rig.hospital.results.find((r) => r.commandId === env.command.commandId && r.state === 'Wait'), 'queued');
    t.notOk(rig.hospital.results.some((r) => r.commandId === env.command.commandId && r.state !== 'Wait'), 'queued, no final state yet');
    // The first is confirmed and applied; the queued one was judged on the old state and is refused when it runs.
    await rig.call('setpoint.confirm', { commandId: id, user: 'test' });
    t.equal((await rig.hospital.finalOf(id)).state, 'Fin', 'the first command was applied: the refusals did not disturb it');
    const queued = await rig.hospital.finalOf(env.command.commandId);
    t.equal(queued.reason, 'CONTEXT_MISMATCH', `then judged on the device (${queued.message ?? ''})`);
    t.same(rig.device.writes.filter((w) => w.name === 'fio2').slice(-1), [{ name: 'fio2', value: 55 }]);
    t.notOk(rig.device.writes.some((w) => w.name === 'vt' || w.name === 'rr'), 'nothing refused was written');
  });
});
