// Safety context, lease, device capability and clinical limits, through the real command path.
import t from 'tap';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('context, capability and clinical limits', async (t) => {
  const rig = await startRig(t);
  const encounter = await rig.openEncounter({ sex: 'male', heightCm: 170 }); // PBW 66.016 kg: Vt 264.1–528.1 mL
  await rig.current('vt');

  await t.test('CONTEXT_MISMATCH: wrong vehicle, device, encounter, state version, current value', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, vehicle: 'OTHER-9' }), 'CONTEXT_MISMATCH');
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, device: 'vent2' }), 'CONTEXT_MISMATCH');
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, encounter: 'ENC-SOMEONE-ELSE' }), 'CONTEXT_MISMATCH');
    const s = await rig.state();
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, stateVersion: s.stateVersion + 7 }), 'CONTEXT_MISMATCH');
    const r = await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, currentValue: 45 }), 'CONTEXT_MISMATCH');
    t.match(r.message, /currentValue/);
    t.equal(encounter.length > 0, true);
  });
  await t.test('NOT_ENABLED: a device that does not exist, and a setting that is not writable', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, device: 'monitor' }), 'NOT_ENABLED', { device: 'monitor' });
    await rig.expectRefused(t, await rig.sign({ param: 'ie', value: 2 }), 'NOT_ENABLED');
  });
  await t.test('OUT_OF_DEVICE_RANGE and OFF_STEP (never rounded)', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 105 }), 'OUT_OF_DEVICE_RANGE');
    const r = await rig.expectRefused(t, await rig.sign({ param: 'vt', value: 455 }), 'OFF_STEP');
    t.match(r.message, /never rounded/);
  });
  await t.test('POLICY_LIMIT: RR above 35 (the device would take 40)', async (t) => {
    rig.device.turnKnob('rr', 33);
    await waitFor(async () => (await rig.current('rr')) === 33, 'rr 33 observed');
    await rig.expectRefused(t, await rig.sign({ param: 'rr', value: 36 }), 'POLICY_LIMIT');
  });
  await t.test('STEP_TOO_LARGE: RR −5 (and RR 38 is above the hard limit first)', async (t) => {
    await rig.expectRefused(t, await rig.sign({ param: 'rr', value: 38 }), 'POLICY_LIMIT');
    await rig.expectRefused(t, await rig.sign({ param: 'rr', value: 28 }), 'STEP_TOO_LARGE');
  });
  await t.test('PATIENT_LIMIT: Vt above 8 mL/kg PBW, bounds reported', async (t) => {
    rig.device.turnKnob('vt', 520);
    await waitFor(async () => (await rig.current('vt')) === 520, 'vt 520 observed');
    const r = await rig.expectRefused(t, await rig.sign({ param: 'vt', value: 530 }), 'PATIENT_LIMIT');
    const v = r.violations?.find((x) => x.reason === 'PATIENT_LIMIT');
    t.equal(v?.used.maxMl, 528.128, 'max 8 mL/kg × 66.016 kg');
    t.equal(v?.used.pbwKg, 66.016);
  });
  await t.test('PPLAT_HIGH: Pplat 31 blocks Vt up, not Vt down', async (t) => {
    const lastPplat = () => [...rig.daemon.records].reverse().find((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_PRESS_RESP_PLAT');
    const pplatIs = (v: number) => waitFor(() => { const r = lastPplat(); return r?.kind === 'numeric' && r.value === v; }, `Pplat ${v} seen`);
    rig.device.state.pplat = 31;
    await pplatIs(31);
    await rig.expectRefused(t, await rig.sign({ param: 'vt', value: 530 }), 'PATIENT_LIMIT');
    rig.device.turnKnob('vt', 500);
    await waitFor(async () => (await rig.current('vt')) === 500, 'vt 500 observed');
    await rig.expectRefused(t, await rig.sign({ param: 'vt', value: 510 }), 'PPLAT_HIGH');
    const { result } = await rig.run({ param: 'vt', value: 490 });
    t.equal(result.state, 'Fin', 'a change that lowers it is accepted');
    rig.device.state.pplat = 22;
    await pplatIs(22);
  });
  await t.test('LEASE_HELD: another clinician while dr-a holds remote authority; NO_LEASE: an ended lease', async (t) => {
    const held = await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, signer: 'drB' }), 'LEASE_HELD');
    t.match(held.message, /dr-a/, 'the loser is told who holds it');
    const s = await rig.state();
    const lease = (s as unknown as { lease: { leaseId: string } }).lease.leaseId;
    // A failed command by the holder ends the lease (safe state); the lease cannot be used again.
    await rig.expectRefused(t, await rig.sign({ param: 'rr', value: 20, leaseId: lease }), 'STEP_TOO_LARGE');
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55, leaseId: lease }), 'NO_LEASE');
    const { result } = await rig.run({ param: 'fio2', value: 55, signer: 'drB' });
    t.equal(result.state, 'Fin', 'after the lease ended, another clinician may open one');
  });
  await t.test('WINDOW_LIMIT: PEEP +2, +2, +2 within 30 min', async (t) => {
    for (const v of [10, 12]) {
      await new Promise((r) => setTimeout(r, 1100)); // same parameter at least 1 s apart (policy of this rig)
      const { result } = await rig.run({ param: 'peep', value: v, signer: 'drB' });
      t.equal(result.state, 'Fin', result.message ?? '');
    }
    await new Promise((r) => setTimeout(r, 1100));
    await rig.expectRefused(t, await rig.sign({ param: 'peep', value: 14, signer: 'drB' }), 'WINDOW_LIMIT');
  });
  await t.test('TOO_SOON: the same parameter within the spacing, and FiO2 decreases 5 min apart', async (t) => {
    await rig.run({ param: 'fio2', value: 60, signer: 'drB' }).then(({ result }) => t.equal(result.state, 'Fin', result.message ?? ''));
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 62, signer: 'drB' }), 'TOO_SOON');
    await new Promise((r) => setTimeout(r, 1100));
    const { result } = await rig.run({ param: 'fio2', value: 55, signer: 'drB' });
    t.equal(result.state, 'Fin', result.message ?? '');
    await new Promise((r) => setTimeout(r, 1100));
    const r = await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 50, signer: 'drB' }), 'TOO_SOON');
    t.match(r.message, /decreased/);
  });
  await t.test('NOT_NORMAL_MODE: the device in demo mode', async (t) => {
    rig.device.state.mode = 'demo';
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 58, signer: 'drB' }), 'NOT_NORMAL_MODE');
    rig.device.state.mode = 'normal';
  });
});
