// The uplink and outbox inside the real daemon: a GPS simulator on a pty, the daemon, a stand-in hospital broker;
// `ambulink outbox`, `ambulink status` and `ambulink tail` as an operator uses them (the CLI tests need a fresh build).
import { join } from 'node:path';
import t from 'tap';
import { nmeaSimulator } from '../../drivers/nmea0183/simulator.js';
import { startHospitalConsumer } from '../../scripts/lib/hospital-consumer.js';
import { StandInBroker } from '../../src/broker/stand-in-broker.js';
import { silentLogger } from '../../src/core/logger.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

t.test('records of a live device reach the hospital through the outbox; the CLI shows the figures', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  const sim = await nmeaSimulator.start({ endpoint: { type: 'pty', path: pty }, params: { retime: 'true', speed: '10' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  const hospital = new StandInBroker();
  await hospital.start();
  t.teardown(() => hospital.stop());
  const consumer = await startHospitalConsumer(hospital.url, { vehicle: 'TEST-1' });
  t.teardown(() => consumer.stop());
  const d = await startDaemon(
    t,
    {
      devices: [{ id: 'gps', driver: 'nmea0183', transport: { type: 'serial', path: pty, baudRate: 4800 } }],
      uplink: { url: hospital.url, reconnectInitialMs: 100, reconnectMaxMs: 1000, statusIntervalMs: 1000 },
    },
    { dir },
  );
  await waitFor(() => consumer.checker.received('gps/location') >= 20, 'positions at the hospital', 60_000);
  const birth = await waitFor(() => consumer.statuses.find((s) => s.state === 'online' && s.outbox), 'the status with the outbox figures');
  t.match(birth, { vehicle: 'TEST-1', devices: [{ id: 'gps', driver: 'nmea0183' }], outbox: { state: 'ok', classes: Array }, uplink: { state: 'connected', protocol: 4 } });

  const json = await runCli(['outbox', '--json', '--socket', d.socket]);
  t.equal(json.code, 0, json.stderr);
  const report = JSON.parse(json.stdout) as { state: string; classes: Array<{ class: string }>; streams: Array<{ stream: string; lastSeq: string }>; link: { state: string } };
  t.equal(report.state, 'ok');
  t.same(report.classes.map((c) => c.class), ['alarm', 'lab', 'numeric', 'location', 'waveform', 'diagnostic']);
  t.ok(Number(report.streams.find((s) => s.stream === 'gps/location')?.lastSeq) >= 20, 'streams with their last seq');
  t.equal(report.link.state, 'connected');
  const human = await runCli(['outbox', '--socket', d.socket]);
  t.equal(human.code, 0);
  t.match(human.stdout, /outbox {2}OK/);
  t.match(human.stdout, /link {4}CONNECTED mqtt:\/\/127\.0\.0\.1:\d+ \(MQTT 3\.1\.1\)/);
  t.match(human.stdout, /location +\d+ .*evictable, expires after 24\.0 h/);
  t.match(human.stdout, /alarm +\d+ .*never dropped/);
  const status = await runCli(['status', '--json', '--socket', d.socket]);
  t.match(JSON.parse(status.stdout), { sections: { outbox: { state: 'ok' }, uplink: { state: 'connected' } } }, 'ambulink status carries both sections');

  const tail = await runCli(['tail', '--broker', hospital.url, '--vehicle', 'TEST-1', '--json', '--count', '3'], { timeoutMs: 60_000 });
  t.equal(tail.code, 0, tail.stderr);
  const lines = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { topic: string; envelope?: { stream: string; items: Array<{ seq: string }> } });
  t.equal(lines.length, 3);
  t.ok(lines.some((l) => l.envelope?.stream === 'gps/location' && Number(l.envelope.items[0]!.seq) > 0), 'envelopes with seq');
  const text = await runCli(['tail', '--broker', hospital.url, '--count', '2'], { timeoutMs: 60_000 });
  t.match(text.stdout, /TEST-1 (status ONLINE|gps\/location +seq \d+)/);

  // The hospital goes away: the outbox keeps the records and the CLI says the link needs attention.
  await consumer.stop();
  await hospital.stop();
  await waitFor(async () => (await runCli(['outbox', '--socket', d.socket])).code === 1, 'exit 1 with the link down', 30_000);
  const down = await runCli(['outbox', '--json', '--socket', d.socket]);
  const downReport = JSON.parse(down.stdout) as { records: number; link: { state: string } };
  t.not(downReport.link.state, 'connected');
  await waitFor(async () => (JSON.parse((await runCli(['outbox', '--json', '--socket', d.socket])).stdout) as { records: number }).records > 0, 'records waiting', 30_000);
});

t.test('ambulink outbox says so when the daemon has no uplink', async (t) => {
  const d = await startDaemon(t, {});
  const res = await runCli(['outbox', '--socket', d.socket]);
  t.equal(res.code, 1);
  t.match(res.stderr, /no uplink is configured/);
});
