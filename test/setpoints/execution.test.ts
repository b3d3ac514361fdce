// Execution: write-ahead audit (an unwritable log means no device write), one write, readback within half a step,
// FinMod only from the device, READBACK_MISMATCH with alarms and no retry, a device silent mid-write is
// INDETERMINATE until a readback after it comes back settles it.
import { renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('execution and readback', async (t) => {
  const rig = await startRig(t);
  await rig.openEncounter();
  await rig.current('fio2');
  const pause = () => new Promise((r) => setTimeout(r, 1100));

  await t.test('AUDIT_UNAVAILABLE: the log cannot be written when the intent is due → cancelled, device untouched', async (t) => {
    const env = await rig.sign({ param: 'fio2', value: 55, lifetimeS: 60 });
    await rig.send(env);
    await rig.waitPending(env.command.commandId);
    const log = join(rig.dir, 'data', 'audit', 'audit.log');
    renameSync(log, `${log}.keep`);
    symlinkSync('/dev/full', log); // every append now fails with ENOSPC, as on a full disk
    try {
      await rig.call('setpoint.confirm', { commandId: env.command.commandId });
      const result = await rig.hospital.finalOf(env.command.commandId);
      t.equal(result.state, 'Cnclld');
      t.equal(result.reason, 'AUDIT_UNAVAILABLE', result.message ?? '');
      t.match(result.message, /ENOSPC|no space/i);
      t.equal(rig.device.writes.length, 0, 'nothing written to the device');
    } finally {
      renameSync(`${log}.keep`, log);
    }
  });
  await t.test('READBACK_MISMATCH: the device applies a different value → Fail, alarm, exactly one write', async (t) => {
    rig.device.armFault('apply-different');
    const { result } = await rig.run({ param: 'fio2', value: 55 });
    t.equal(result.state, 'Fail');
    t.equal(result.reason, 'READBACK_MISMATCH');
    t.equal(result.actual, 56);
    t.same(rig.device.writes, [{ name: 'fio2', value: 55 }], 'one write, no automatic retry');
    t.ok(rig.daemon.records.some((r) => r.kind === 'alarm' && r.alarmId === 'setpoint-readback-mismatch' && r.priority === 'high'), 'alarm (crew tablet and hospital)');
  });
  await t.test('the device acknowledges but ignores the write → READBACK_MISMATCH', async (t) => {
    await waitFor(async () => (await rig.current('fio2')) === 56, 'fio2 56 observed');
    await pause();
    rig.device.armFault('ignore-write');
    const { result } = await rig.run({ param: 'fio2', value: 60 });
    t.equal(result.reason, 'READBACK_MISMATCH');
    t.equal(rig.device.writes.length, 2);
  });
  await t.test('applied late, within the time bound → Fin (readback until the deadline)', async (t) => {
    await pause();
    rig.device.armFault('apply-late', 800);
    const { result } = await rig.run({ param: 'fio2', value: 60 });
    t.equal(result.state, 'Fin', result.message ?? '');
    t.equal(rig.device.writes.length, 3);
  });
  await t.test('FinMod: the device answers with the next best value, inside every limit', async (t) => {
    await pause();
    rig.device.armFault('finmod');
    const { result } = await rig.run({ param: 'fio2', value: 65 });
    t.equal(result.state, 'FinMod', result.message ?? '');
    t.equal(result.actual, 64);
  });
  await t.test('the device refuses the write → Fail, nothing retried', async (t) => {
    await pause();
    rig.device.armFault('refuse');
    const { result } = await rig.run({ param: 'fio2', value: 66 });
    t.equal(result.state, 'Fail');
    t.equal(result.actual, 64, 'the readback shows the setting unchanged');
    t.equal(rig.device.writes.filter((w) => w.value === 66).length, 1);
  });
  await t.test('INDETERMINATE: the device goes silent mid-write; settled by a readback once it answers again', async (t) => {
    await pause();
    rig.device.armFault('silent-mid-write', 4500);
    const { env, result } = await rig.run({ param: 'fio2', value: 66 });
    t.equal(result.state, 'Fail');
    t.equal(result.reason, 'INDETERMINATE', result.message ?? '');
    t.notOk('actual' in result && result.actual === 66, 'success is never assumed');
    // Until settled, no other command runs on the device.
    await rig.expectRefused(t, await rig.sign({ param: 'rr', value: 15 }), 'INDETERMINATE');
    const settled = await waitFor(() => rig.hospital.results.find((r) => r.commandId === env.command.commandId && r.reconciled), 'a reconciliation report', 30_000);
    t.same(settled.reconciled, { actual: 66, matchesTarget: true }, 'the readback after reconnect says what happened');
    t.equal(rig.device.writes.filter((w) => w.value === 66).length, 2, 'one write per command, never resent');
  });
});
