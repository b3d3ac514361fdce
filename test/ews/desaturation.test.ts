// The demo's desaturation through the real daemon: the HL7 monitor simulator's patient desaturates in cycles (SpO2 to
// the low 80s, breathing and heart rate up, then recovery). Expected over time: NEWS2 low, rising through the bands
// to high at the trough, back to low on recovery; each rise alerted once, and — the hysteresis — the second cycle,
// within the hold time of the first, alerts nothing again. Then the crew sets SpO2 scale 2 from the tablet (the local
// broker, crew role; a consumer's attempt changes nothing) and the same trough scores lower on SpO2 (on air, 88–92 %
// is the scale-2 target).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import t from 'tap';
import { startHl7Simulator } from '../../drivers/hl7-pcd01/simulator.js';
import type { DeviceStatus } from '../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../src/control/client.js';
import { silentLogger } from '../../src/core/logger.js';
import type { AlertRecord, EventRecord, ScoreRecord } from '../../src/schema/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

t.test('desaturation: NEWS2 low → high → low over a cycle, one alert per rise, none for the second cycle', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'crew.password'), 'crew-pw\n');
  writeFileSync(join(dir, 'tablet.password'), 'tablet-pw\n');
  const d = await startDaemon(
    t,
    {
      localBroker: {
        users: [
          { username: 'crew', passwordFile: join(dir, 'crew.password'), role: 'crew' },
          { username: 'tablet', passwordFile: join(dir, 'tablet.password'), role: 'consumer' },
        ],
      },
      devices: [{ id: 'monitor', driver: 'hl7-pcd01', transport: { type: 'tcp-server', host: '127.0.0.1', port: 0 } }],
      earlyWarning: { alertHoldS: 600 },
    },
    { dir },
  );
  await callDaemon(d.socket, 'crew.enter', { action: 'acvpu', value: 'A', user: 'medic' });
  await callDaemon(d.socket, 'crew.enter', { action: 'oxygen', value: 'off', user: 'medic' });
  const port = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    const m = s && /:(\d+)$/.exec(s.transport);
    return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
  }, 'the MLLP listener port');
  // pace 12: a 6-minute cycle in 30 s (10 s down, 5 s at the trough, 10 s up, 5 s normal).
  const sim = await startHl7Simulator({
    endpoint: { type: 'tcp-client', host: '127.0.0.1', port },
    params: { scenario: 'desaturation', pace: '12', interval: '0.5', 'no-alerts': 'true' },
    log: silentLogger(),
  });
  t.teardown(() => sim.stop());

  const news = () => d.records.filter((r): r is ScoreRecord => r.kind === 'score' && r.score === 'news2' && r.status === 'complete');
  const bands = () => news().map((s) => s.band);
  await waitFor(() => bands().includes('low'), 'a low NEWS2 at the start', 60_000);
  // The trough: high, and breathing fast (RR ≥ 25). The first high score of a cycle may come a little before it, with
  // RR 21–24 and the heart rate scoring 2 instead: the vitals wobble.
  const trough = await d.waitForRecord<ScoreRecord>(
    (r) => r.kind === 'score' && r.score === 'news2' && r.band === 'high' && r.components.some((c) => c.parameter === 'respirationRate' && c.points === 3),
    'NEWS2 high at the trough, breathing fast',
    90_000,
  );
  t.ok((trough.value ?? 0) >= 7, `high: ${trough.value}`);
  const spo2 = trough.components.find((c) => c.parameter === 'spo2')!;
  t.ok(spo2.points === 3 && Number(spo2.input?.value) <= 91, `SpO2 ${spo2.input?.value} % scores 3 on scale 1`);
  await waitFor(() => bands().lastIndexOf('low') > bands().indexOf('high'), 'low again after recovery', 90_000);

  const first = d.records.filter((r): r is AlertRecord => r.kind === 'alert' && r.score === 'news2');
  const rises = first.map((a) => a.to);
  t.ok(rises.includes('high'), `the rise to high is alerted (${rises.join(' → ')})`);
  t.equal(new Set(rises).size, rises.length, 'each band once');
  t.match(first.find((a) => a.to === 'high'), { priority: 'high', code: { system: 'http://snomed.info/sct', code: '1104051000000101' }, status: 'complete' });

  // The second cycle: high again, within the 10-minute hold: no new alert.
  const secondHigh = await waitFor(() => {
    const b = bands();
    const lastLowAfterHigh = b.lastIndexOf('low');
    return b.indexOf('high') < lastLowAfterHigh && b.slice(lastLowAfterHigh).includes('high') ? true : undefined;
  }, 'NEWS2 high in the second cycle', 90_000);
  t.ok(secondHigh);
  t.equal(d.records.filter((r) => r.kind === 'alert' && r.score === 'news2').length, first.length, 'the second cycle alerts nothing: the band never settled below for the hold time');

  // Scale 2 (a clinician's decision for this patient), from the tablet over the local broker. A consumer may not
  // publish: its attempt is refused by the broker and changes nothing; the crew role's is an entry.
  const brokerPort = d.controller.local!.broker.port;
  const connect = (username: string, password: string) => mqtt.connectAsync({ host: '127.0.0.1', port: brokerPort, username, password, protocolVersion: 4, reconnectPeriod: 0 });
  const tablet = await connect('tablet', 'tablet-pw');
  t.teardown(() => tablet.endAsync(true));
  await tablet.publishAsync('ambulink/v1/TEST-1/crew/spo2-scale', '2', { qos: 0 });
  const crew = await connect('crew', 'crew-pw');
  t.teardown(() => crew.endAsync(true));
  await crew.publishAsync('ambulink/v1/TEST-1/crew/spo2-scale', '{"scale": 2}', { qos: 1 });
  const entry = await d.waitForRecord<EventRecord>((r) => r.kind === 'event' && r.event === 'crew.spo2_scale', 'the scale-2 entry');
  t.match(entry.detail, { scale: 2, by: 'crew:crew' }, 'entered by the crew role, and said so');
  t.equal(d.records.filter((r) => r.kind === 'event' && r.event === 'crew.spo2_scale').length, 1, "the consumer's publish made no entry");
  // On air: SpO2 88–92 % scores 0, ≤ 83 % still 3.
  const s2 = await d.waitForRecord<ScoreRecord>(
    (r) => r.kind === 'score' && r.score === 'news2' && r.scale === 2 && r.components.some((c) => c.parameter === 'spo2' && Number(c.input?.value) >= 84 && Number(c.input?.value) <= 92),
    'a scale-2 NEWS2 with SpO2 between 84 and 92 %',
    90_000,
  );
  const c = s2.components.find((x) => x.parameter === 'spo2')!;
  const v = Math.round(Number(c.input!.value));
  t.equal(c.points, v >= 88 ? 0 : v >= 86 ? 1 : 2, `SpO2 ${v} % on air, scale 2: ${c.points}`);
  t.equal(c.code?.code, '1104321000000108', 'the scale-2 sub-score code');
  t.equal(d.controller.gate!.rejected, 0);
});
