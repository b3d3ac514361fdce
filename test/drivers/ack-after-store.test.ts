// The devices that wait for an acknowledgement (ASTM over a pty, POCT1-A and HL7/MLLP over TCP) are acknowledged
// only once what they sent is stored. Here the store barrier (the supervisor's `stored`) is held pending from the
// moment the first result is emitted: the simulator gets no acknowledgement for the message that carried it for as
// long as the barrier holds, and gets it once the barrier resolves. An ACK sent before storage would show at once.
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import t from 'tap';
import { AstmInstrument, defaultInstrumentOptions } from '../../drivers/astm/simulator.js';
import { findDriver } from '../../drivers/index.js';
import { startHl7Simulator } from '../../drivers/hl7-pcd01/simulator.js';
import { Poct1Device, defaultDeviceOptions } from '../../drivers/poct1a/simulator.js';
import { seededRandom } from '../../drivers/sdk/seeded-random.js';
import { openSimPort } from '../../drivers/sdk/sim-port.js';
import { DeviceSupervisor } from '../../drivers/sdk/supervisor.js';
import type { TransportConfig } from '../../drivers/sdk/transports/config.js';
import { systemClock } from '../../src/core/clock.js';
import { silentLogger } from '../../src/core/logger.js';
import type { CanonicalRecord } from '../../src/schema/index.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

/** How long the barrier is held: long beside an ACK that does not wait (well under a millisecond), short beside the devices' ACK timeouts (10 s and more). */
const HOLD_MS = 1500;

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

/**
 * A store that writes at once until `latch` says a record matters; from then on `stored()` stays pending until
 * `release()`, as an outbox whose disk is slow would.
 */
class HeldStore {
  readonly records: CanonicalRecord[] = [];
  calls = 0;
  latchedAt: number | undefined;
  private held = false;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly latch: (r: CanonicalRecord) => boolean,
    private readonly onLatch: () => void,
  ) {}

  emit = (r: CanonicalRecord): void => {
    this.records.push(r);
    if (this.latchedAt === undefined && this.latch(r)) {
      this.latchedAt = this.records.length;
      this.held = true;
      this.onLatch();
    }
  };

  stored = (): Promise<void> => {
    this.calls++;
    if (!this.held) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  };

  release(): void {
    this.held = false;
    for (const w of this.waiters.splice(0)) w();
  }

  get waiting(): number {
    return this.waiters.length;
  }
}

function supervise(t: TestLike, driverName: string, transport: TransportConfig, store: HeldStore): DeviceSupervisor {
  const driver = findDriver(driverName)!;
  const sup = new DeviceSupervisor(
    { id: 'dev', driver, options: Value.Default(driver.optionsSchema, {}), transport, staleAfterMs: 60_000 },
    { vehicle: 'V', clock: systemClock, log: silentLogger(), emit: store.emit, stored: store.stored, backoff: { initialMs: 50, maxMs: 400, factor: 2, jitter: 0.2 } },
  );
  sup.start();
  t.teardown(() => sup.stop());
  return sup;
}

/** The port a tcp-server device listens on, once it does. */
const listeningPort = (sup: DeviceSupervisor) =>
  waitFor(() => {
    const m = /127\.0\.0\.1:(\d+)/.exec(sup.status().transport);
    return m && Number(m[1]) > 0 ? Number(m[1]) : undefined;
  }, 'the gateway listening');

const isLab = (r: CanonicalRecord) => r.kind === 'lab';
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('ASTM E1381 over a pty: the frame that completes the results is not ACKed until they are stored', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'bga.pty');
  let snapshot = { framesSent: 0, transfers: 0 };
  const port = await openSimPort({ type: 'pty', path: pty }, silentLogger());
  const sim = new AstmInstrument(port, { ...defaultInstrumentOptions, firstMs: 300, everyMs: 60_000, panel: 'full' }, seededRandom(3));
  const store = new HeldStore(isLab, () => (snapshot = { framesSent: sim.stats.framesSent, transfers: sim.stats.transfers }));
  sim.start();
  t.teardown(() => sim.stop());
  supervise(t, 'astm', { type: 'serial', path: pty }, store);
  await waitFor(() => store.latchedAt !== undefined, 'the first results decoded', 30_000);
  await pause(HOLD_MS);
  t.ok(store.waiting > 0, 'an acknowledgement is waiting for the store');
  t.equal(sim.stats.framesSent, snapshot.framesSent, 'no frame after the one carrying the results: the analyser is still waiting for its ACK');
  t.equal(sim.stats.transfers, 0, 'the transfer has not ended');
  t.equal(sim.stats.timeouts, 0, 'the analyser has not given up');
  store.release();
  await waitFor(() => sim.stats.transfers >= 1, 'the ACK, then EOT, once stored');
  t.ok(store.records.filter(isLab).length > 0, 'results emitted');
});

t.test('POCT1-A over TCP: an OBS message is not acknowledged until its results are stored', async (t) => {
  let acksAtLatch = -1;
  let sim: Poct1Device | undefined;
  const store = new HeldStore(isLab, () => (acksAtLatch = sim!.stats.acksReceived));
  // The gateway listens on a port of its choosing; the device dials it.
  const listening = await listeningPort(supervise(t, 'poct1a', { type: 'tcp-server', host: '127.0.0.1', port: 0 }, store));
  const simPort = await openSimPort({ type: 'tcp-client', host: '127.0.0.1', port: listening }, silentLogger());
  sim = new Poct1Device(simPort, { ...defaultDeviceOptions, firstMs: 200, everyMs: 60_000 }, seededRandom(5));
  sim.start();
  t.teardown(() => sim!.stop());
  await waitFor(() => store.latchedAt !== undefined, 'the first results decoded', 30_000);
  t.ok(sim.stats.observationsSent > 0);
  await pause(HOLD_MS);
  t.ok(store.waiting > 0, 'an acknowledgement is waiting for the store');
  t.equal(sim.stats.acksReceived, acksAtLatch, 'no acknowledgement while the results are not stored');
  store.release();
  await waitFor(() => sim!.stats.acksReceived > acksAtLatch, 'the acknowledgement once stored');
});

t.test('HL7 over MLLP: an ORU^R01 is not acknowledged (AA) until its observations are stored', async (t) => {
  const store = new HeldStore((r) => r.kind === 'numeric', () => undefined);
  const listening = await listeningPort(supervise(t, 'hl7-pcd01', { type: 'tcp-server', host: '127.0.0.1', port: 0 }, store));
  const sim = await startHl7Simulator({ endpoint: { type: 'tcp-client', host: '127.0.0.1', port: listening }, params: { interval: '1', 'no-alerts': 'true' }, log: silentLogger() });
  t.teardown(() => sim.stop());
  await waitFor(() => store.latchedAt !== undefined, 'the first observations decoded', 30_000);
  await pause(HOLD_MS);
  t.ok(store.waiting > 0, 'an acknowledgement is waiting for the store');
  t.equal(sim.sent, 1, 'one message sent: the next waits for its ACK');
  t.same({ ...sim.counts }, { AA: 0, AE: 0, AR: 0, noAck: 0, wrongId: 0 }, 'and no ACK for it yet');
  store.release();
  await waitFor(() => sim.counts.AA === 1, 'AA once stored');
  t.equal(sim.counts.wrongId, 0);
});
