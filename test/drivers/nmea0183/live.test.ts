// The nmea0183 driver through the real daemon, against its simulator on a real pseudo-terminal (socat).
import { join } from 'node:path';
import t from 'tap';
import { nmeaSimulator } from '../../../drivers/nmea0183/simulator.js';
import { callDaemon } from '../../../src/control/client.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { DeviceRecord, LocationRecord } from '../../../src/schema/index.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { startDaemon } from '../../helpers/daemon.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

const startSim = (path: string, params: Record<string, string> = {}) =>
  nmeaSimulator.start({ endpoint: { type: 'pty', path }, params: { retime: 'true', speed: '4', ...params }, log: silentLogger() });

const gpsDevice = (path: string) => ({
  devices: [{ id: 'gps', driver: 'nmea0183', transport: { type: 'serial', path, baudRate: 4800 }, staleAfterMs: 3000 }],
});

t.test('positions flow; the device survives its simulator being killed and comes back', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  let sim = await startSim(pty);
  t.teardown(() => sim.stop());
  const d = await startDaemon(t, gpsDevice(pty), { dir });

  const fix = await d.waitForRecord<LocationRecord>((r) => r.kind === 'location' && r.fix === '3d', 'a 3D fix');
  t.equal(fix.device, 'gps');
  t.equal(fix.vehicle, 'TEST-1');
  t.ok(Math.abs(Date.parse(fix.observedAt) - Date.now()) < 60_000, 'retimed to now');
  t.ok(fix.lat! > 55 && fix.lat! < 56 && fix.lon! > 23 && fix.lon! < 24, 'Lithuania, as in the log');

  const devices = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.equal(devices[0]?.state, 'connected');
  t.ok(devices[0]!.counters.framesOk > 0);

  // Kill the device: its pty disappears, as when a USB receiver is unplugged.
  await sim.stop();
  await d.waitForRecord<DeviceRecord>((r) => r.kind === 'device' && r.state === 'disconnected', 'disconnected');
  const status = (await callDaemon(d.socket, 'status')) as { devices: { connected: number } };
  t.equal(status.devices.connected, 0, 'the daemon is still answering, with the device down');

  const before = d.records.length;
  sim = await startSim(pty);
  await waitFor(
    () => d.records.slice(before).find((r) => r.kind === 'location' && r.fix === '3d'),
    'positions again after the receiver returned',
    60_000,
  );
  const back = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.equal(back[0]?.state, 'connected');
  t.ok(back[0]!.counters.reconnects >= 1, 'the reconnect is counted');
});

t.test('garbage and corrupted sentences on the line are counted, never decoded', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'gps.pty');
  const sim = await startSim(pty, { garbage: '0.5', corrupt: '0.3', speed: '8' });
  t.teardown(() => sim.stop());
  const d = await startDaemon(t, gpsDevice(pty), { dir });
  const status = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    const fixes = d.records.filter((r) => r.kind === 'location' && r.fix !== 'none').length;
    return s && s.counters.checksumErrors >= 5 && s.counters.framesOk >= 50 && fixes > 5 ? s : undefined;
  }, 'checksum errors, good frames and fixes');
  t.ok(status.counters.bytesDropped > 0, 'garbage bytes skipped');
  const locations = d.records.filter((r): r is LocationRecord => r.kind === 'location' && r.fix !== 'none');
  t.ok(locations.length > 5);
  for (const r of locations) t.ok(r.lat! > 55 && r.lat! < 56 && r.lon! > 23 && r.lon! < 24, `plausible position ${r.lat}, ${r.lon}`);
  t.equal(d.controller.gate!.rejected, 0, 'no invalid record reached the gate');
});
