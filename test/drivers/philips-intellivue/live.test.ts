// The philips-intellivue driver through the real daemon, against its simulator over real UDP sockets (LAN) and a
// real pseudo-terminal (MIB/RS-232): data, rates, alarms, identity, release, faults, aborts, stalls, refusals.
import dgram from 'node:dgram';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { philipsIntellivue } from '../../../drivers/philips-intellivue/index.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../../src/control/client.js';
import { createLogger } from '../../../src/core/logger.js';
import type { AlarmRecord, DeviceRecord, EventRecord, NumericRecord, WaveformRecord } from '../../../src/schema/index.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** Starts the simulator; its log lines are kept so tests can see what the monitor experienced. */
async function startMonitor(t: Teardown, endpoint: { type: 'udp'; host: string; port: number } | { type: 'pty'; path: string }, params: Record<string, string> = {}) {
  const lines: string[] = [];
  const log = createLogger('info', new Writable({ write: (c: Buffer, _e, done) => (lines.push(c.toString()), done()) }));
  const sim = await philipsIntellivue.simulator!.start({ endpoint: endpoint.type === 'udp' ? { ...endpoint } : endpoint, params: { seed: '11', ...params }, log });
  let stopped = false;
  const stop = async () => {
    if (!stopped) await sim.stop();
    stopped = true;
  };
  t.teardown(stop);
  const port = endpoint.type === 'udp' ? Number(/:(\d+) /.exec(sim.description)![1]) : 0;
  return { sim, lines, port, stop };
}

const monitorDevice = (transport: Record<string, unknown>, options: Record<string, unknown> = {}) => ({
  devices: [{ id: 'monitor', driver: 'philips-intellivue', transport, options, staleAfterMs: 5000 }],
});

async function deviceStatus(d: TestDaemon): Promise<DeviceStatus> {
  const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  return s!;
}

t.test('LAN: numerics, waves at their true rates, alarms and identity through the daemon; released on stop', async (t) => {
  const mon = await startMonitor(t, { type: 'udp', host: '127.0.0.1', port: 0 }, { scenario: 'stemi' });
  const d = await startDaemon(t, monitorDevice({ type: 'udp', host: '127.0.0.1', port: mon.port }, { waves: ['ecg-ii', 'pleth', 'co2', 'abp'] }));

  const hr = await d.waitForRecord<NumericRecord>((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE', 'heart rate');
  t.match(hr, { vehicle: 'TEST-1', device: 'monitor', unit: { ucum: '/min' }, validity: 'valid', label: 'HR' });
  t.ok(hr.value! > 90 && hr.value! < 130, `STEMI tachycardia, HR ${hr.value}`);
  t.match(hr.source, { manufacturer: 'Philips', model: 'M8105A', serial: 'DE00000042' });

  const st = await d.waitForRecord<AlarmRecord>((r) => r.kind === 'alarm' && r.text === '**ST-II HIGH', 'the ST-II alarm');
  t.match(st, { state: 'active', priority: 'medium', category: 'physiological', code: { ref: 'MDC_EVT_HI' }, about: { ref: 'MDC_ECG_AMPL_ST_II' } });

  const demo = await d.waitForRecord<EventRecord>((r) => r.kind === 'event' && r.event === 'patient.demographics', 'demographics');
  t.match(demo.detail, { type: 'adult', sex: 'male' });
  t.notOk('patientId' in demo.detail! || 'givenName' in demo.detail!, 'no identifying fields unless configured');

  // Four seconds of ECG: each block starts where the last one ended, nothing lost, nothing late. (Live, the clock
  // anchor may step back by a transit delay once or twice — milliseconds; a lost block would leave 256 ms.)
  const ecg = () => d.records.filter((r): r is WaveformRecord => r.kind === 'waveform' && r.metric.ref === 'MDC_ECG_ELEC_POTL_II');
  await waitFor(() => ecg().reduce((n, r) => n + r.samples.length, 0) >= 2000, '4 s of ECG', 60_000);
  const blocks = ecg();
  t.ok(blocks.every((b) => b.rate === 500 && b.unit.ucum === 'mV'), 'ECG II at 500 Hz in mV');
  let worst = 0;
  for (let i = 1; i < blocks.length; i++) {
    const expected = Date.parse(blocks[i - 1]!.observedAt) + blocks[i - 1]!.samples.length * 2;
    worst = Math.max(worst, Math.abs(Date.parse(blocks[i]!.observedAt) - expected));
  }
  t.ok(worst < 100, `${blocks.length} blocks, each starting where the last one ended (worst step ${worst} ms)`);
  const spanMs = Date.parse(blocks[blocks.length - 1]!.observedAt) - Date.parse(blocks[0]!.observedAt);
  const before = blocks.slice(0, -1).reduce((n, r) => n + r.samples.length, 0);
  t.ok(Math.abs(before - spanMs / 2) < 60, `${before} samples in ${spanMs} ms: 500 per second, none missing`);
  const last = blocks[blocks.length - 1]!;
  t.ok(Date.parse(last.receivedAt) - Date.parse(last.observedAt) < 5000, 'the newest block is current, not a backlog');
  const pleth = d.records.filter((r): r is WaveformRecord => r.kind === 'waveform' && r.metric.ref === 'MDC_PULS_OXIM_PLETH');
  const co2 = d.records.filter((r): r is WaveformRecord => r.kind === 'waveform' && r.metric.ref === 'MDC_AWAY_CO2');
  t.ok(pleth.length > 0 && pleth[0]!.rate === 125 && co2.length > 0 && co2[0]!.rate === 62.5, 'pleth 125 Hz, CO2 62.5 Hz');
  const physical = last.samples.map((s) => s * last.scale.factor + last.scale.offset);
  t.ok(Math.max(...physical) < 3 && Math.min(...physical) > -2, 'ECG within a few mV');

  const status = await deviceStatus(d);
  t.equal(status.state, 'connected');
  t.match(status.identity, { manufacturer: 'Philips', model: 'M8105A', protocol: 'IntelliVue Data Export (LAN)' });
  t.equal(d.controller.gate!.rejected, 0, 'no invalid record');

  await d.stop();
  await waitFor(() => mon.lines.some((l) => l.includes('released by the client')), 'the monitor to see the release', 10_000);
  t.pass('the association was released on the way out');
});

t.test('MIB over a pty: noise and bad FCS on the line are counted, never decoded', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'monitor.pty');
  await startMonitor(t, { type: 'pty', path }, { garbage: '0.15', corrupt: '0.15' });
  const d = await startDaemon(t, monitorDevice({ type: 'serial', path }, { waves: ['ecg-ii'], associationTimeoutMs: 2000 }), { dir });
  const status = await waitFor(
    async () => {
      const s = await deviceStatus(d);
      const hr = d.records.filter((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE').length;
      return s.counters.checksumErrors >= 5 && hr >= 10 ? s : undefined;
    },
    'checksum errors and heart rates',
    90_000,
  );
  t.ok(status.counters.bytesDropped > 0, 'noise skipped');
  t.match(status.identity, { protocol: 'IntelliVue Data Export (MIB/RS-232)' });
  const values = d.records.filter((r): r is NumericRecord => r.kind === 'numeric' && r.metric.ref === 'MDC_ECG_HEART_RATE');
  for (const r of values) t.ok(r.value! > 55 && r.value! < 100, `plausible HR ${r.value}`);
  t.equal(d.controller.gate!.rejected, 0);
});

t.test('LAN: truncated and lost datagrams are counted; the data keeps coming', async (t) => {
  const mon = await startMonitor(t, { type: 'udp', host: '127.0.0.1', port: 0 }, { corrupt: '0.1', drop: '0.05', garbage: '0.1' });
  const d = await startDaemon(t, monitorDevice({ type: 'udp', host: '127.0.0.1', port: mon.port }, { associationTimeoutMs: 2000 }));
  const status = await waitFor(
    async () => {
      const s = await deviceStatus(d);
      const spo2 = d.records.filter((r) => r.kind === 'numeric' && r.metric.ref === 'MDC_PULS_OXIM_SAT_O2').length;
      return s.counters.framesDropped >= 5 && spo2 >= 5 ? s : undefined;
    },
    'dropped datagrams and SpO2 values',
    90_000,
  );
  t.ok(status.counters.framesOk > status.counters.framesDropped);
  t.equal(d.controller.gate!.rejected, 0);
});

t.test('a monitor that aborts, stalls or restarts is associated again', async (t) => {
  const flaky = await startMonitor(t, { type: 'udp', host: '127.0.0.1', port: 0 }, { 'abort-after': '2' });
  const d = await startDaemon(t, monitorDevice({ type: 'udp', host: '127.0.0.1', port: flaky.port }));
  await waitFor(async () => (await deviceStatus(d)).counters.reconnects >= 2, 'two re-associations after aborts', 60_000);
  const before = d.records.length;
  await waitFor(() => d.records.slice(before).some((r) => r.kind === 'numeric'), 'numerics after the aborts');
  t.ok(flaky.lines.filter((l) => l.includes('aborted (fault injection)')).length >= 2);

  const stalling = await startMonitor(t, { type: 'udp', host: '127.0.0.1', port: 0 }, { 'stall-after': '2' });
  const d2 = await startDaemon(t, monitorDevice({ type: 'udp', host: '127.0.0.1', port: stalling.port }, { silenceTimeoutMs: 2000 }));
  await d2.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.state === 'disconnected' && /silent/.test(r.error ?? ''), 'the silent monitor dropped', 60_000);
  await waitFor(async () => (await deviceStatus(d2)).counters.reconnects >= 1 && stalling.lines.filter((l) => l.includes('client associated')).length >= 2, 'a new association', 60_000);

  // The monitor goes away entirely and comes back on the same address.
  const port = stalling.port;
  await stalling.stop();
  const gone = d2.records.length;
  await waitFor(() => d2.records.slice(gone).some((r) => r.kind === 'device' && r.state === 'disconnected'), 'the absent monitor noticed', 60_000);
  const back = await startMonitor(t, { type: 'udp', host: '127.0.0.1', port });
  await waitFor(() => back.lines.some((l) => l.includes('client associated')), 'the returned monitor associated', 90_000);
  const mark = d2.records.length;
  await waitFor(() => d2.records.slice(mark).some((r) => r.kind === 'numeric'), 'numerics from the returned monitor', 60_000);
  t.pass('data again from the monitor that came back');
});

t.test('a refusing, a mute and an absent monitor: disconnected, with the reason; the daemon carries on', async (t) => {
  const refusing = await startMonitor(t, { type: 'udp', host: '127.0.0.1', port: 0 }, { refuse: 'true' });
  // Data Export switched off on a monitor that is there: requests arrive and nothing answers.
  const mute = dgram.createSocket('udp4');
  let requests = 0;
  mute.on('message', () => requests++);
  await new Promise<void>((resolve) => mute.bind(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => mute.close(() => resolve())));
  // Nobody on the port: the kernel answers "port unreachable".
  const nobody = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => nobody.bind(0, '127.0.0.1', resolve));
  const nobodyPort = nobody.address().port;
  await new Promise<void>((resolve) => nobody.close(() => resolve()));
  const d = await startDaemon(t, {
    devices: [
      { id: 'refusing', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port: refusing.port } },
      { id: 'mute', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port: mute.address().port }, options: { associationTimeoutMs: 500 } },
      { id: 'absent', driver: 'philips-intellivue', transport: { type: 'udp', host: '127.0.0.1', port: nobodyPort }, options: { associationTimeoutMs: 500 } },
    ],
  });
  const refused = await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.device === 'refusing' && r.state === 'disconnected', 'refused');
  t.match(refused.error, /refused the association/);
  const silent = await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.device === 'mute' && r.state === 'disconnected', 'no answer', 60_000);
  t.match(silent.error, /no answer to 3 association requests/);
  t.ok(requests >= 3, `${requests} association requests sent`);
  const absent = await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.device === 'absent' && r.state === 'disconnected', 'absent', 60_000);
  t.ok(absent.error, `absent: ${absent.error}`);
  const status = (await callDaemon(d.socket, 'status')) as { devices: { total: number } };
  t.equal(status.devices.total, 3, 'the daemon answers');
  t.equal(d.controller.gate!.rejected, 0);
});
