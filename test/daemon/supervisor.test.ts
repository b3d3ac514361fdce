// The supervisor with real sockets: reconnects with backoff after the device goes away, listens for devices that
// dial in (refusing extras), carries UDP, marks silence stale, and survives a driver that throws.
import dgram from 'node:dgram';
import net from 'node:net';
import { Type } from '@sinclair/typebox';
import t from 'tap';
import { NmeaFramer } from '../../drivers/nmea0183/framer.js';
import { nmea0183 } from '../../drivers/nmea0183/index.js';
import { sentence } from '../../drivers/nmea0183/simulator.js';
import { framedDriver } from '../../drivers/sdk/pipeline.js';
import { DeviceSupervisor } from '../../drivers/sdk/supervisor.js';
import type { TransportConfig } from '../../drivers/sdk/transports/config.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CanonicalRecord, DeviceRecord } from '../../src/schema/index.js';
import type { AnyDriver } from '../../drivers/sdk/driver.js';
import { waitFor } from '../helpers/wait.js';

const FIX = sentence('GPGGA,143306.00,5546.83315,N,02334.72613,E,1,08,1.28,129.9,M,26.9,M,,');
const FIX2 = sentence('GPGGA,143307.00,5546.83000,N,02334.72000,E,1,08,1.28,129.9,M,26.9,M,,');

function supervise(t: { teardown(fn: () => Promise<void>): void }, transport: TransportConfig, driver: AnyDriver = nmea0183, staleAfterMs = 60_000) {
  const records: CanonicalRecord[] = [];
  const sup = new DeviceSupervisor(
    { id: 'dev', driver, options: {}, transport, staleAfterMs },
    { vehicle: 'V', clock: systemClock, log: silentLogger(), emit: (r) => records.push(r), backoff: { initialMs: 50, maxMs: 400, factor: 2, jitter: 0.2 } },
  );
  sup.start();
  t.teardown(() => sup.stop());
  const states = () => records.filter((r): r is DeviceRecord => r.kind === 'device').map((r) => r.state);
  return { sup, records, states };
}

interface Device {
  port: number;
  /** Closes the listener and every connection: the device is gone. */
  close(): Promise<void>;
}

/** A device that listens on TCP (port 0 = any) and greets each connection. */
function listen(t: { teardown(fn: () => Promise<void>): void }, onSocket: (s: net.Socket) => void, port = 0): Promise<Device> {
  const open = new Set<net.Socket>();
  const server = net.createServer((s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => undefined);
    onSocket(s);
  });
  const close = () =>
    new Promise<void>((r) => {
      for (const s of open) s.destroy();
      if (!server.listening) return r();
      server.close(() => r());
    });
  t.teardown(close);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, close })));
}

t.test('tcp-client: reconnects after the device goes away and comes back on the same port', async (t) => {
  const device = await listen(t, (s) => s.write(FIX + FIX2));
  const port = device.port;
  const { sup, records, states } = supervise(t, { type: 'tcp-client', host: '127.0.0.1', port });
  await waitFor(() => records.some((r) => r.kind === 'location'), 'a position over TCP');
  t.equal(sup.status().state, 'connected');

  await device.close();
  await waitFor(() => sup.status().state === 'disconnected' || sup.status().state === 'connecting', 'the loss noticed');
  await waitFor(() => sup.status().error, 'the reason kept');
  t.match(sup.status().error!, /ECONNREFUSED|closed/);

  const before = records.filter((r) => r.kind === 'location').length;
  await listen(t, (s) => s.write(FIX + FIX2), port);
  await waitFor(() => records.filter((r) => r.kind === 'location').length > before, 'positions after the device returned', 30_000);
  t.equal(sup.status().state, 'connected');
  t.ok(sup.status().counters.reconnects >= 1);
  t.ok(states().includes('disconnected'));
});

t.test('tcp-server: the device dials in; a second connection is refused while the first is up', async (t) => {
  const { sup, records } = supervise(t, { type: 'tcp-server', host: '127.0.0.1', port: 0, maxConnections: 1 });
  await waitFor(() => sup.status().transport.match(/tcp-server 127\.0\.0\.1:(\d+)/) && sup.status().transport.match(/:(\d+)$/)?.[1] !== '0', 'listening');
  const port = Number(sup.status().transport.match(/:(\d+)$/)![1]);
  t.equal(sup.status().state, 'disconnected', 'no device yet');
  const first = net.connect(port, '127.0.0.1');
  t.teardown(() => first.destroy());
  await new Promise((r) => first.once('connect', r));
  first.write(FIX + FIX2);
  await waitFor(() => records.some((r) => r.kind === 'location'), 'a position from the dialling device');
  t.equal(sup.status().state, 'connected');
  const second = net.connect(port, '127.0.0.1');
  await new Promise((r) => second.once('close', r));
  t.pass('the second connection was closed by the gateway');
  first.destroy();
  await waitFor(() => sup.status().state === 'disconnected', 'disconnected when the device hangs up');
});

t.test('udp: datagrams from the device are decoded', async (t) => {
  const device = dgram.createSocket('udp4');
  await new Promise<void>((r) => device.bind(0, '127.0.0.1', () => r()));
  t.teardown(() => new Promise<void>((r) => device.close(() => r())));
  const probe = dgram.createSocket('udp4');
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()));
  const localPort = probe.address().port;
  await new Promise<void>((r) => probe.close(() => r()));
  const { records } = supervise(t, { type: 'udp', host: '127.0.0.1', port: device.address().port, localPort });
  await waitFor(() => {
    device.send(FIX + FIX2, localPort, '127.0.0.1');
    return records.some((r) => r.kind === 'location');
  }, 'a position over UDP');
  t.pass();
});

t.test('silence marks the device stale; data clears it', async (t) => {
  let socket: net.Socket | undefined;
  const device = await listen(t, (s) => {
    socket = s;
    s.write(FIX + FIX2);
  });
  const { sup, states } = supervise(t, { type: 'tcp-client', host: '127.0.0.1', port: device.port }, nmea0183, 300);
  await waitFor(() => sup.status().state === 'stale', 'stale after silence');
  socket!.write(sentence('GPGGA,143308.00,5546.83000,N,02334.72000,E,1,08,1.28,129.9,M,26.9,M,,') + sentence('GPGGA,143309.00,5546.83000,N,02334.72000,E,1,08,1.28,129.9,M,26.9,M,,'));
  await waitFor(() => sup.status().state === 'connected', 'connected again when data resumes');
  t.ok(states().includes('stale'));
  socket!.destroy();
});

t.test('a driver that throws loses a frame, not the daemon', async (t) => {
  let calls = 0;
  const fragile = framedDriver({
    name: 'fragile',
    summary: 'throws on every other frame',
    optionsSchema: Type.Object({}),
    transports: ['tcp-client'],
    createFramer: () => new NmeaFramer(),
    createDecoder: (_o, ids) => ({
      decode(_frame, rx, out) {
        if (++calls % 2 === 1) throw new Error('decoder bug');
        out({ kind: 'event', schema: 1, ...ids, event: 'test.frame', observedAt: new Date(rx.wallMs).toISOString(), receivedAt: new Date(rx.wallMs).toISOString(), mono: rx.monoMs });
      },
    }),
  });
  const device = await listen(t, (s) => {
    for (let i = 0; i < 10; i++) s.write(FIX);
  });
  const { sup, records } = supervise(t, { type: 'tcp-client', host: '127.0.0.1', port: device.port }, fragile);
  await waitFor(() => records.filter((r) => r.kind === 'event').length >= 1, 'frames after a throwing one still decoded');
  await waitFor(() => sup.status().counters.framesDropped >= 1, 'the failure counted as a dropped frame');
  t.equal(sup.status().state, 'connected');
});
