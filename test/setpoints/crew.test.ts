// Crew confirmation: over the local broker (crew role) and the CLI, timeout, rejection, a knob turned while waiting,
// and a change of encounter while waiting.
import t from 'tap';
import mqtt from 'mqtt';
import { startRig } from '../helpers/setpoint-rig.js';
import { waitFor } from '../helpers/wait.js';

t.test('crew confirmation', async (t) => {
  const rig = await startRig(t, { setpoints: { confirm: { required: true, timeoutS: 5 } } });
  await rig.openEncounter();
  await rig.current('fio2');
  const port = rig.daemon.controller.local!.broker.port;
  const crew = await mqtt.connectAsync({ host: '127.0.0.1', port, username: 'crew', password: 'crew-secret', protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => crew.endAsync(true));
  const crewTopic = (what: string) => `ambulink/v1/TEST-1/crew/setpoint/${what}`;

  await t.test('confirmed by the crew tablet over the local broker', async (t) => {
    const pendingSeen = new Promise<string>((resolve) => {
      crew.on('message', (_topic, payload) => {
        const r = JSON.parse(payload.toString()) as { event?: string; detail?: { commandId?: string } };
        if (r.event === 'setpoint.pending' && r.detail?.commandId) resolve(r.detail.commandId);
      });
    });
    await crew.subscribeAsync('ambulink/v1/TEST-1/data/vent/event', { qos: 1 });
    const env = await rig.sign({ param: 'fio2', value: 55 });
    await rig.send(env);
    t.equal(await pendingSeen, env.command.commandId, 'the tablet sees what waits for it');
    await crew.publishAsync(crewTopic('confirm'), JSON.stringify({ commandId: env.command.commandId }), { qos: 1 });
    const result = await rig.hospital.finalOf(env.command.commandId);
    t.equal(result.state, 'Fin');
    t.same(rig.device.writes.slice(-1), [{ name: 'fio2', value: 55 }]);
  });
  await t.test('LOCAL_REJECTED: the crew rejects over the local broker', async (t) => {
    await new Promise((r) => setTimeout(r, 1100)); // the same parameter at least 1 s apart (this rig's policy)
    const writes = rig.device.writes.length;
    const env = await rig.sign({ param: 'fio2', value: 60 });
    await rig.send(env);
    await rig.waitPending(env.command.commandId);
    await crew.publishAsync(crewTopic('reject'), JSON.stringify({ commandId: env.command.commandId }), { qos: 1 });
    const result = await rig.hospital.finalOf(env.command.commandId);
    t.equal(result.state, 'CnclldMan');
    t.equal(result.reason, 'LOCAL_REJECTED');
    t.equal(rig.device.writes.length, writes, 'not written');
  });
  await t.test('LOCAL_CONFIRM_TIMEOUT: nobody confirms within the timeout', async (t) => {
    const writes = rig.device.writes.length;
    const env = await rig.sign({ param: 'fio2', value: 60, lifetimeS: 60 });
    await rig.send(env);
    const result = await rig.hospital.finalOf(env.command.commandId, 30_000);
    t.equal(result.state, 'Cnclld');
    t.equal(result.reason, 'LOCAL_CONFIRM_TIMEOUT');
    t.same(rig.hospital.statesOf(env.command.commandId), ['Wait', 'Cnclld']);
    t.equal(rig.device.writes.length, writes, 'not written');
    t.ok(rig.daemon.records.some((r) => r.kind === 'event' && r.event === 'setpoint.alert' && (r.detail as { commandId?: string }).commandId === env.command.commandId), 'the crew is alerted (before the hospital hears the result)');
  });
  await t.test('CONTEXT_MISMATCH: a knob turned while the command waits for the crew', async (t) => {
    const writes = rig.device.writes.length;
    const env = await rig.sign({ param: 'fio2', value: 60, lifetimeS: 60 });
    await rig.send(env);
    await rig.waitPending(env.command.commandId);
    rig.device.turnKnob('fio2', 70);
    const result = await rig.hospital.finalOf(env.command.commandId);
    t.equal(result.reason, 'CONTEXT_MISMATCH', result.message ?? '');
    t.equal(result.state, 'Cnclld');
    t.equal(rig.device.writes.length, writes, 'the local change wins: not written');
    t.equal(rig.device.state.settings.fio2, 70);
  });
  await t.test('a change of encounter invalidates a pending command', async (t) => {
    await waitFor(async () => (await rig.current('fio2')) === 70, 'fio2 70 observed');
    const env = await rig.sign({ param: 'fio2', value: 75, lifetimeS: 60 });
    await rig.send(env);
    await rig.waitPending(env.command.commandId);
    const next = await rig.openEncounter({ sex: 'female', heightCm: 160 });
    const result = await rig.hospital.finalOf(env.command.commandId);
    t.equal(result.reason, 'CONTEXT_MISMATCH');
    const events = rig.daemon.records.filter((r) => r.kind === 'event' && r.event.startsWith('encounter.'));
    t.ok(events.some((r) => r.kind === 'event' && r.event === 'encounter.opened' && (r.detail as { encounter: string }).encounter === next), 'encounter.opened event');
    t.ok(events.some((r) => r.kind === 'event' && r.event === 'encounter.closed'), 'encounter.closed event for the previous one');
    await waitFor(() => rig.daemon.records.some((r) => r.kind === 'numeric' && r.encounter === next), 'records carrying the new encounter id');
  });
  await t.test('the CLI confirm of a command that is not pending is refused', async (t) => {
    await t.rejects(rig.call('setpoint.confirm', { commandId: 'f'.repeat(32) }), /no command/);
  });
});
