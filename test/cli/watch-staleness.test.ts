// `ambulink watch` on a real IntelliVue simulator whose clocks are far from the gateway's: standing alarms are states,
// not stale values, and ages are the gateway's; long LOINC names fit the column at a word boundary.
import { Writable } from 'node:stream';
import t from 'tap';
import { philipsIntellivue } from '../../drivers/philips-intellivue/index.js';
import type { DeviceStatus } from '../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../src/control/client.js';
import { createLogger } from '../../src/core/logger.js';
import { describeRecord, fitName, renderWatch } from '../../src/cli/commands/watch.js';
import type { AlarmRecord, LabRecord } from '../../src/schema/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

type Latest = Parameters<typeof renderWatch>[1];

t.test('IntelliVue with its clocks 82 min off: a standing alarm is not shown stale; stale once the link is gone', async (t) => {
  const log = createLogger('info', new Writable({ write: (_c: Buffer, _e, done) => done() }));
  // Absolute clock 82 min behind, relative clock just before its wrap.
  const sim = await philipsIntellivue.simulator!.start({
    endpoint: { type: 'udp', host: '127.0.0.1', port: 0 },
    params: { seed: '11', scenario: 'stemi', 'clock-offset': String(-82 * 60), 'rel-start': '4294900000', 'idle-timeout': '60' },
    log,
  });
  let simStopped = false;
  t.teardown(() => (simStopped ? undefined : sim.stop()));
  const port = Number(/:(\d+) /.exec(sim.description)![1]);
  const d = await startDaemon(t, { devices: [{ id: 'monitor', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port }, staleAfterMs: 3000 }] });
  const alarm = await d.waitForRecord<AlarmRecord>((r) => r.kind === 'alarm' && r.text === '**ST-II HIGH', 'the ST-II alarm');
  t.ok(Math.abs(Date.parse(alarm.observedAt) - Date.parse(alarm.receivedAt)) < 5000, 'the alarm is timed on the gateway clock, not the monitor’s');

  const view = async (staleMs: number) => {
    const [devices, latest] = (await Promise.all([callDaemon(d.socket, 'devices'), callDaemon(d.socket, 'latest')])) as [DeviceStatus[], Latest];
    return { screen: renderWatch(devices, latest, staleMs), latest };
  };
  // Wait until the alarm has stood unchanged for longer than the stale limit, while numerics keep arriving.
  let seen = await view(1500);
  await waitFor(async () => {
    seen = await view(1500);
    return (seen.latest.monitor ?? []).some((e) => e.record.kind === 'alarm' && e.ageMs > 3000);
  }, 'the alarm standing for 3 s', 60_000);
  const alarmLine = seen.screen.split('\n').find((l) => l.includes('ST-II HIGH'));
  t.ok(alarmLine, `the alarm is shown (${seen.screen})`);
  t.notMatch(alarmLine!, /stale|unconfirmed/, 'a standing alarm of a connected monitor is not stale');
  t.notMatch(seen.screen, /stale \d+ min/, 'no age in minutes anywhere two seconds into the run');
  const hr = seen.screen.split('\n').find((l) => l.includes('HR '));
  t.ok(hr && !/stale/.test(hr), `heart rate is current (${hr})`);

  // The monitor goes away: values age into stale, the alarm is no longer confirmed.
  await sim.stop();
  simStopped = true;
  await waitFor(async () => /unconfirmed: device (stale|disconnected)/.test((seen = await view(1500)).screen), 'the alarm unconfirmed', 60_000);
  t.match(seen.screen.split('\n').find((l) => l.includes('HR ')) ?? '', /\[stale /, 'heart rate stale once the monitor is gone');
});

t.test('long LOINC names are fitted at a word boundary; a short name wins', async (t) => {
  t.equal(fitName('Bicarbonate [Moles/volume] in Arterial blood'), 'Bicarbonate [Moles/volume]…');
  t.equal(fitName('Lactate'), 'Lactate', 'a short name stays as it is');
  t.equal(fitName('Oxyhemoglobin/Hemoglobin.total'), 'Oxyhemoglobin/Hemoglobin.to…', 'no space to cut at: cut, with the ellipsis');
  t.ok(fitName('x'.repeat(60)).length <= 28, 'never wider than the column');
  const lab = {
    kind: 'lab',
    test: { loinc: '1960-4', name: 'Bicarbonate [Moles/volume] in Arterial blood' },
    value: 24.1,
    unit: { ucum: 'mmol/L' },
    flags: [],
    status: 'final',
  } as unknown as LabRecord;
  t.match(describeRecord(lab), /^Bicarbonate \[Moles\/volume\]… +24\.1 mmol\/L/);
  const named: LabRecord = { ...lab, test: { ...lab.test, shortName: 'HCO3 BldA-sCnc' } };
  t.match(describeRecord(named), /^HCO3 BldA-sCnc +24\.1/, 'the short name when the record carries one');
});
