// Time trust (no synchronisation, clock steps of ±10 min; a slew is no step) and rate limiting (a flood gets one
// alert and everything past N is refused; repeated bad commands suspend remote control).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parseLog } from '../../src/audit/verify.js';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('time trust', async (t) => {
  const rig = await startRig(t);
  await rig.openEncounter();
  await rig.current('fio2');
  const auditEntries = () => parseLog(readFileSync(join(rig.dir, 'data', 'audit', 'audit.log'), 'utf8')).records;

  await t.test('TIME_UNTRUSTED: the clock is not synchronised', async (t) => {
    rmSync(rig.syncFile);
    await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55 }), 'TIME_UNTRUSTED');
    writeFileSync(rig.syncFile, '');
  });
  for (const stepMin of [10, -10]) {
    await t.test(`TIME_UNTRUSTED after a clock step of ${stepMin} min, until the time service synchronises again`, async (t) => {
      const before = auditEntries().filter((r) => r.type === 'CLOCK_STEP').length;
      rig.wallOffsetMs += stepMin * 60_000;
      await waitFor(() => auditEntries().filter((r) => r.type === 'CLOCK_STEP').length > before, 'a CLOCK_STEP entry');
      const steps = auditEntries().filter((r) => r.type === 'CLOCK_STEP');
      t.equal(steps.length, before + 1, 'one CLOCK_STEP entry');
      const step = steps[steps.length - 1]!.payload as { wallBefore: string; wallAfter: string; stepMs: number };
      t.ok(Math.abs(Date.parse(step.wallAfter) - Date.parse(step.wallBefore) - stepMin * 60_000) < 5000, 'both times logged');
      t.ok(Math.abs(step.stepMs - stepMin * 60_000) < 5000);
      await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55 }), 'TIME_UNTRUSTED');
      rig.touchSync(rig.clock.wallMs() + 1000); // the time service synchronised after the step
      const { result } = await rig.run({ param: 'fio2', value: stepMin > 0 ? 55 : 60 });
      t.equal(result.state, 'Fin', `accepted again after the resync: ${result.message ?? ''}`);
      await new Promise((r) => setTimeout(r, 1100));
    });
  }
  await t.test('a slew (2 s spread over several seconds) is no step', async (t) => {
    const before = auditEntries().filter((r) => r.type === 'CLOCK_STEP').length;
    for (let i = 0; i < 20; i++) {
      rig.wallOffsetMs += 100;
      await new Promise((r) => setTimeout(r, 300));
    }
    const { result } = await rig.run({ param: 'fio2', value: 65 });
    t.equal(result.state, 'Fin', result.message ?? '');
    t.equal(auditEntries().filter((r) => r.type === 'CLOCK_STEP').length, before, 'no CLOCK_STEP');
  });
});

t.test('rate limit and suspension', async (t) => {
  const rig = await startRig(t, { setpoints: { rateLimit: { perMinute: 3, failuresBeforeSuspend: 3, suspendS: 600 } } });
  await rig.openEncounter();
  await rig.current('fio2');

  await t.test('RATE_LIMITED: a flood of 8 commands: 3 taken, 5 refused, one alert', async (t) => {
    const sent: string[] = [];
    for (let i = 0; i < 8; i++) {
      const env = await rig.sign({ param: 'fio2', value: 51 + i, lifetimeS: 60 });
      sent.push(env.command.commandId);
      await rig.send(env);
    }
    await waitFor(() => sent.slice(3).every((id) => rig.hospital.results.some((r) => r.commandId === id && r.state === 'Fail')), 'five refusals');
    for (const id of sent.slice(3)) t.equal(rig.hospital.results.find((r) => r.commandId === id)?.reason, 'RATE_LIMITED');
    t.ok(sent.slice(0, 3).every((id) => rig.hospital.results.some((r) => r.commandId === id && r.state === 'Wait')), 'the first three were taken');
    const alerts = rig.daemon.records.filter((r) => r.kind === 'event' && r.event === 'setpoint.alert' && (r.detail as { reason: string }).reason === 'RATE_LIMITED');
    t.equal(alerts.length, 1, 'one alert for the flood');
    t.equal(rig.device.writes.length, 0);
  });
});

t.test('suspension after repeated signature failures', async (t) => {
  const rig = await startRig(t, { setpoints: { rateLimit: { perMinute: 100, failuresBeforeSuspend: 3, suspendS: 600 } } });
  await rig.openEncounter();
  await rig.current('fio2');
  for (let i = 0; i < 3; i++) {
    const env = await rig.sign({ param: 'fio2', value: 55 });
    env.command.set.value = 90;
    await rig.expectRefused(t, env, 'BAD_SIGNATURE');
  }
  const r = await rig.expectRefused(t, await rig.sign({ param: 'fio2', value: 55 }), 'RATE_LIMITED');
  t.match(r.message, /suspended/);
  t.ok(rig.daemon.records.some((x) => x.kind === 'event' && x.event === 'setpoint.alert' && /suspended/.test(String((x.detail as { message: string }).message))), 'alert at both ends');
});
