// The demo's STEMI through the real daemon, with no uplink: the HL7 monitor simulator (scenario stemi) and the POCT1-A
// analyser simulator (cardiac panel) dial the daemon; the crew enters ACVPU with the CLI and the pre-arrival alert
// from the tablet (local broker), and that the patient is on air. Expected over time: NEWS2 stays low (a STEMI with compensated vitals — the scores
// are escalation prompts, not a diagnosis), the shock index rises from normal as the heart rate climbs and the
// pressure falls, with one alert per rise; the timeline has contact, first ECG (the monitor's lead II tracing), troponin and the pre-arrival alert,
// and contact → first ECG is within the 10-minute target. Everything reaches the tablet on the local broker.
// (The CLI runs from dist/: `npm run build` first.)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import t from 'tap';
import { startHl7Simulator } from '../../drivers/hl7-pcd01/simulator.js';
import { poct1aSimulator } from '../../drivers/poct1a/simulator.js';
import type { DeviceStatus } from '../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../src/control/client.js';
import { silentLogger } from '../../src/core/logger.js';
import type { AlertRecord, MilestoneRecord, ScoreRecord } from '../../src/schema/index.js';
import type { TimelineReport } from '../../src/timeline/extension.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

async function portOf(d: TestDaemon, id: string): Promise<number> {
  return waitFor(async () => {
    const s = ((await callDaemon(d.socket, 'devices')) as DeviceStatus[]).find((x) => x.id === id);
    const m = s && /:(\d+)$/.exec(s.transport);
    return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
  }, `the ${id} listener port`);
}

const scores = (d: TestDaemon, score: ScoreRecord['score']) => d.records.filter((r): r is ScoreRecord => r.kind === 'score' && r.score === score);

t.test('STEMI: NEWS2 low throughout, shock index rising with one alert per rise, the chest-pain timeline', async (t) => {
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
      devices: [
        { id: 'monitor', driver: 'hl7-pcd01', transport: { type: 'tcp-server', host: '127.0.0.1', port: 0 } },
        { id: 'poc', driver: 'poct1a', transport: { type: 'tcp-server', host: '127.0.0.1', port: 0 } },
      ],
    },
    { dir },
  );
  const env = { AMBULINK_SOCKET: d.socket };
  const brokerPort = d.controller.local!.broker.port;
  const tablet = await mqtt.connectAsync({ host: '127.0.0.1', port: brokerPort, username: 'tablet', password: 'tablet-pw', protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => tablet.endAsync(true));
  const seen: Array<{ topic: string; kind: string }> = [];
  tablet.on('message', (topic, payload) => seen.push({ topic, kind: (JSON.parse(payload.toString()) as { kind: string }).kind }));
  await tablet.subscribeAsync('ambulink/v1/TEST-1/data/gateway/#', { qos: 1 });

  // First medical contact: the crew opens the encounter; consciousness Alert.
  const open = await runCli(['encounter', 'open', '--id', 'ENC-STEMI-1'], { env });
  t.equal(open.code, 0, open.stderr);
  const acvpu = await runCli(['crew', 'acvpu', 'A'], { env });
  t.equal(acvpu.code, 0, acvpu.stderr);
  t.match(acvpu.stdout, /crew\.acvpu A recorded at .* for encounter ENC-STEMI-1/);
  // The patient is on air: said by the crew (no oxygen information is never taken as air).
  const air = await runCli(['crew', 'oxygen', 'off'], { env });
  t.equal(air.code, 0, air.stderr);
  const bad = await runCli(['crew', 'acvpu', 'X'], { env });
  t.equal(bad.code, 1, 'a level that is not ACVPU is refused');
  t.match(bad.stderr, /ACVPU must be one of A, C, V, P, U, not "X"/);

  const monitor = await startHl7Simulator({
    endpoint: { type: 'tcp-client', host: '127.0.0.1', port: await portOf(d, 'monitor') },
    // pace 6: the infarct develops over 15 s of test time (90 s of the scenario's).
    // ecg-wave: lead II as a waveform — the first ECG is a tracing, not the heart rate the monitor also sends.
    params: { scenario: 'stemi', pace: '6', interval: '0.5', 'no-alerts': 'true', 'ecg-wave': 'true' },
    log: silentLogger(),
  });
  t.teardown(() => monitor.stop());
  const poc = await poct1aSimulator.start({
    endpoint: { type: 'tcp-client', host: '127.0.0.1', port: await portOf(d, 'poc') },
    params: { panel: 'cardiac', first: '2', every: '600' },
    log: silentLogger(),
  });
  t.teardown(() => poc.stop());

  // The crew's pre-arrival alert from the tablet.
  const crew = await mqtt.connectAsync({ host: '127.0.0.1', port: brokerPort, username: 'crew', password: 'crew-pw', protocolVersion: 4, reconnectPeriod: 0 });
  t.teardown(() => crew.endAsync(true));
  await crew.publishAsync('ambulink/v1/TEST-1/crew/pre-arrival-alert', 'STEMI', { qos: 1 });
  await crew.publishAsync('ambulink/v1/TEST-1/crew/acvpu', '{"level": "Q"}', { qos: 1 });
  // For the handover document: the mechanism from the tablet, the ETA from the CLI.
  await crew.publishAsync('ambulink/v1/TEST-1/crew/mechanism', '{"text": "chest pain at rest", "at": "' + new Date(Date.now() - 20 * 60_000).toISOString() + '"}', { qos: 1 });
  const eta = await runCli(['crew', 'eta', '15'], { env });
  t.equal(eta.code, 0, eta.stderr);
  t.match(eta.stdout, /crew\.eta .* recorded at .* for encounter ENC-STEMI-1/);

  // The shock index climbs past 0.85 once the infarct has developed (HR ~100, systolic ~104).
  const high = await d.waitForRecord<ScoreRecord>((r) => r.kind === 'score' && r.score === 'shock-index' && (r.value ?? 0) >= 0.85, 'a shock index ≥ 0.85', 90_000);
  t.ok(high.band === 'elevated' || high.band === 'high', `banded ${high.band}`);
  const si = scores(d, 'shock-index').filter((s) => s.value !== null);
  t.ok(si[0]!.value! < 0.75, `before the infarct developed: ${si[0]!.value} (normal range)`);
  t.match(high.components, [{ parameter: 'pulse', state: 'used', input: { by: 'monitor', metric: { ref: 'MDC_ECG_HEART_RATE' } } }, { parameter: 'systolic', state: 'used', input: { by: 'monitor' } }]);
  t.equal(high.encounter, 'ENC-STEMI-1', 'stamped with the encounter');

  const siAlerts = d.records.filter((r): r is AlertRecord => r.kind === 'alert' && r.score === 'shock-index');
  t.ok(siAlerts.length >= 1, 'the rise is alerted');
  for (const to of ['elevated', 'high']) t.ok(siAlerts.filter((a) => a.to === to).length <= 1, `at most one alert for the rise to ${to}`);

  // NEWS2: complete (ACVPU and air entered), and low all along.
  await waitFor(() => scores(d, 'news2').some((s) => s.status === 'complete'), 'a complete NEWS2');
  const news = scores(d, 'news2').filter((s) => s.status === 'complete');
  t.ok(news.every((s) => s.band === 'low'), `NEWS2 low throughout: ${[...new Set(news.map((s) => s.value))].join(', ')}`);
  t.equal(d.records.filter((r) => r.kind === 'alert' && r.score === 'news2').length, 0, 'no NEWS2 alert');
  t.match(news.at(-1)!.components.find((c) => c.parameter === 'consciousness'), { input: { source: 'crew', value: 'A' } }, 'the invalid tablet entry changed nothing');
  t.ok(d.logs.some((l) => l.msg === 'crew entry refused' && /ACVPU must be one of/.test(String(l.err))), 'and was logged with the reason');

  // The timeline.
  const troponin = await d.waitForRecord<MilestoneRecord>((r) => r.kind === 'milestone' && r.milestone === 'troponin-result', 'the troponin milestone', 60_000);
  t.match(troponin, { origin: 'device', by: 'poc', detail: { loinc: '10839-9' } });
  const ecg = d.records.find((r): r is MilestoneRecord => r.kind === 'milestone' && r.milestone === 'first-ecg')!;
  t.match(ecg, { origin: 'device', by: 'monitor', detail: { metric: 'MDC_ECG_ELEC_POTL_II' } });
  t.match(ecg.intervals.find((i) => i.name === 'contact-to-first-ecg'), { targetMs: 600_000, met: true });
  t.match(d.records.find((r) => r.kind === 'milestone' && r.milestone === 'pre-arrival-alert'), { origin: 'crew', by: 'crew:crew', preArrival: 'stemi' });
  t.match(d.records.find((r) => r.kind === 'event' && r.event === 'crew.mechanism'), { encounter: 'ENC-STEMI-1', detail: { text: 'chest pain at rest', incidentAt: /^20/, by: 'crew:crew' } }, 'the mechanism over the broker');
  t.match(d.records.find((r) => r.kind === 'event' && r.event === 'crew.eta'), { encounter: 'ENC-STEMI-1', detail: { eta: /^20/, by: /^cli:/ } }, 'the ETA from the CLI');
  t.equal(d.records.filter((r) => r.kind === 'milestone' && r.milestone === 'first-ecg').length, 1, 'first ECG once');

  const sent = await runCli(['crew', 'milestone', '12-lead-transmitted'], { env });
  t.equal(sent.code, 0, sent.stderr);
  const human = await runCli(['timeline'], { env });
  t.equal(human.code, 0, `no target missed: ${human.stdout}`);
  t.match(human.stdout, /care timeline — encounter ENC-STEMI-1/);
  for (const m of ['first-medical-contact', 'first-ecg', 'troponin-result', 'pre-arrival-alert', '12-lead-transmitted']) t.match(human.stdout, m);
  t.match(human.stdout, /contact-to-first-ecg \(first-medical-contact → first-ecg\)\s+0:\d\d\s+≤ 10:00\s+MET/);
  t.match(human.stdout, /contact-to-arrival .* so far .* running/);
  const json = JSON.parse((await runCli(['timeline', '--json'], { env })).stdout) as TimelineReport;
  t.match(json.intervals.find((i) => i.name === 'ecg-to-transmitted'), { state: 'done' });

  const scoresOut = await runCli(['scores'], { env });
  t.equal(scoresOut.code, 0, scoresOut.stderr);
  t.match(scoresOut.stdout, /^NEWS2\s+\d\s+low/m);
  t.match(scoresOut.stdout, /Escalation prompts, not a diagnosis\./);

  // The tablet got them all on the local broker, with no uplink configured.
  await waitFor(() => ['score', 'milestone', 'alert'].every((k) => seen.some((s) => s.kind === k)), 'score, milestone and alert records on the local broker');
  t.ok(seen.some((s) => s.topic === 'ambulink/v1/TEST-1/data/gateway/score'));
  t.equal(d.controller.gate!.rejected, 0, 'every record the gateway made passed the canonical schema');
});
