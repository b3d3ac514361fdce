// End to end with the real Modbus ventilator: the daemon polls the modbus-ventilator simulator (lung model) over
// Modbus TCP, commands arrive over a real MQTT broker, the crew confirms with the CLI, the setting capability writes
// one holding register and reads the applied value back; faults injected in the simulator are detected.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('remote setpoints on the Modbus ventilator', async (t) => {
  const rig = await startRig(t, { modbus: true, setpoints: { maxTimeToFinishMs: 6000 } });
  const sim = rig.modbusSim!;
  await rig.openEncounter({ sex: 'female', heightCm: 160 }); // PBW 52.416 kg: Vt 209.7–419.3 mL
  const fio2 = await rig.current('fio2');
  const env = { SOCKET: '' };
  const socketArgs = ['--socket', rig.daemon.socket];

  await t.test('signed with the CLI, confirmed with the CLI, applied: Fin, audited, verified', async (t) => {
    const state = await runCli(['setpoint', 'state', 'vent', '--json', ...socketArgs], { env });
    t.equal(state.code, 0, state.stderr);
    writeFileSync(join(rig.dir, 'state.json'), state.stdout);
    writeFileSync(join(rig.dir, 'dr-a.key'), rig.keys.get('drA')!.export({ type: 'pkcs8', format: 'pem' }));
    const signed = await runCli(['setpoint', 'sign', '--key', join(rig.dir, 'dr-a.key'), '--id', 'dr-a', '--from-state', join(rig.dir, 'state.json'), '--param', 'fio2', '--value', String(fio2 + 5)]);
    t.equal(signed.code, 0, signed.stderr);
    const command = JSON.parse(signed.stdout) as { command: { commandId: string } };
    await rig.send(signed.stdout.trim());
    await rig.waitPending(command.command.commandId);
    const pending = await runCli(['setpoint', 'pending', ...socketArgs], { env });
    t.match(pending.stdout, new RegExp(`fio2 ${fio2} → ${fio2 + 5}`));
    const confirm = await runCli(['setpoint', 'confirm', command.command.commandId, ...socketArgs], { env });
    t.equal(confirm.code, 0, confirm.stderr);
    const result = await rig.hospital.finalOf(command.command.commandId);
    t.equal(result.state, 'Fin', result.message ?? '');
    t.equal(result.actual, fio2 + 5);
    t.same(rig.hospital.statesOf(command.command.commandId), ['Wait', 'Start', 'Fin']);
    t.same(sim.writes.map((w) => [w.name, w.value]), [['fio2', fio2 + 5]], 'one write of one holding register');
    t.equal(sim.lung.settings.fio2, fio2 + 5, 'the lung model ventilates with the new FiO2');
    const verify = await runCli(['audit', 'verify', '--data-dir', join(rig.dir, 'data')]);
    t.equal(verify.code, 0, verify.stdout);
  });
  await t.test('PATIENT_LIMIT through the Modbus path: Vt 430 mL for PBW 52.4 kg', async (t) => {
    sim.lung.settings.vt = 420;
    await waitFor(async () => (await rig.current('vt')) === 420, 'vt 420 observed');
    const r = await rig.expectRefused(t, await rig.sign({ param: 'vt', value: 430 }), 'PATIENT_LIMIT');
    t.equal(r.violations?.[0]?.used.maxMl, 419.328);
    t.equal(sim.writes.length, 1);
  });
  await t.test('READBACK_MISMATCH: the ventilator applies a different value', async (t) => {
    await new Promise((r) => setTimeout(r, 1100));
    sim.armFault({ kind: 'apply-different' });
    const { result } = await rig.run({ param: 'fio2', value: fio2 + 10 });
    t.equal(result.reason, 'READBACK_MISMATCH', result.message ?? '');
    t.equal(sim.writes.length, 2, 'one write, no retry');
  });
  await t.test('knob turned on the ventilator while waiting for the crew: cancelled, not written', async (t) => {
    await new Promise((r) => setTimeout(r, 1100));
    const now = await rig.current('peep');
    const env2 = await rig.sign({ param: 'peep', value: now + 1, lifetimeS: 60 });
    await rig.send(env2);
    await rig.waitPending(env2.command.commandId);
    sim.lung.settings.peep = now + 2;
    const result = await rig.hospital.finalOf(env2.command.commandId);
    t.equal(result.reason, 'CONTEXT_MISMATCH', result.message ?? '');
    t.equal(sim.writes.length, 2);
  });
  await t.test('INDETERMINATE: the ventilator goes silent in the middle of the write; settled by readback', async (t) => {
    await new Promise((r) => setTimeout(r, 1100));
    const now = await rig.current('rr');
    sim.armFault({ kind: 'silent-mid-write', delayMs: 9000 });
    const { env: e, result } = await rig.run({ param: 'rr', value: now + 1 });
    t.equal(result.reason, 'INDETERMINATE', result.message ?? '');
    const settled = await waitFor(() => rig.hospital.results.find((r) => r.commandId === e.command.commandId && r.reconciled), 'reconciliation', 60_000);
    t.equal(settled.reconciled?.actual, sim.lung.settings.rr, 'what the ventilator actually runs');
    t.equal(sim.writes.filter((w) => w.name === 'rr').length, 1, 'never resent');
  });
});
