// Alarms and vitals block changes in the unsafe direction (FiO2 down, PEEP down) but never FiO2 up.
import t from 'tap';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('alarms and vitals', async (t) => {
  // Decreases 1 s apart here, so each case can be tried in turn.
  const rig = await startRig(t, { limits: { window: { sameParamSpacingS: 1, fio2DownSpacingS: 1 }, spo2: { maxAgeS: 2 } } });
  await rig.openEncounter();
  await rig.current('fio2');
  const pause = () => new Promise((r) => setTimeout(r, 1100));

  await t.test('ALARM_ACTIVE: a high-priority ventilator alarm blocks FiO2 down and PEEP down; FiO2 up passes', async (t) => {
    rig.device.state.alarms = { apnea: 'high' };
    await waitFor(() => rig.daemon.records.some((r) => r.kind === 'alarm' && r.alarmId === 'apnea' && r.state === 'active'), 'the alarm seen');
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 45 }), 'ALARM_ACTIVE');
    await rig.expectRefused(t, await rig.sign({ param: 'peep', value: 6 }), 'ALARM_ACTIVE');
    const { result } = await rig.run({ param: 'fio2', value: 60 });
    t.equal(result.state, 'Fin', 'FiO2 up is never blocked by an alarm');
    rig.device.state.alarms = {};
    await waitFor(() => rig.daemon.records.some((r) => r.kind === 'alarm' && r.alarmId === 'apnea' && r.state === 'cleared'), 'the alarm cleared');
  });
  await t.test('VITALS_STALE: FiO2 decrease while SpO2 has stopped arriving', async (t) => {
    await pause();
    rig.device.state.spo2Silent = true;
    await new Promise((r) => setTimeout(r, 2500));
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55 }), 'VITALS_STALE');
    const { result } = await rig.run({ param: 'fio2', value: 65 });
    t.equal(result.state, 'Fin', 'FiO2 up is allowed without SpO2');
    rig.device.state.spo2Silent = false;
  });
  await t.test('VITALS_INVALID: SpO2 of questionable validity counts as absent', async (t) => {
    await pause();
    rig.device.state.spo2Validity = 'questionable';
    await waitFor(() => rig.daemon.records.some((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_PULS_OXIM_SAT_O2' && r.validity === 'questionable'), 'questionable SpO2');
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 60 }), 'VITALS_INVALID');
    rig.device.state.spo2Validity = 'valid';
  });
  await t.test('PATIENT_LIMIT: SpO2 at 88 % blocks PEEP down', async (t) => {
    rig.device.state.spo2 = 88;
    await waitFor(() => rig.daemon.records.some((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_PULS_OXIM_SAT_O2' && r.value === 88), 'SpO2 88');
    await rig.expectRefused(t, await rig.sign({ param: 'peep', value: 6 }), 'PATIENT_LIMIT');
    rig.device.state.spo2 = 96;
    const lastSpo2 = () => [...rig.daemon.records].reverse().find((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_PULS_OXIM_SAT_O2');
    await waitFor(() => { const r = lastSpo2(); return r?.kind === 'numeric' && r.value === 96 && r.validity === 'valid'; }, 'the latest SpO2 back at 96');
    const { result } = await rig.run({ param: 'peep', value: 6 });
    t.equal(result.state, 'Fin', 'with good fresh SpO2 the decrease is applied');
  });
});
