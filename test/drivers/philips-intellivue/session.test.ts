// The session against the simulated monitor, wired back to back in memory (no sockets), so that single messages can
// be lost on purpose: a lost accept, the goodbye, a refusal, a monitor that never answers.
import t from 'tap';
import { IntellivueDecoder } from '../../../drivers/philips-intellivue/decoder.js';
import { IntellivueSession, type IntellivueSessionOptions } from '../../../drivers/philips-intellivue/session.js';
import { SimulatedMonitor, type MonitorConfig } from '../../../drivers/philips-intellivue/simulator/monitor.js';
import { SPDU } from '../../../drivers/philips-intellivue/nomenclature.js';
import { rxNow, systemClock } from '../../../src/core/clock.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { CanonicalRecord, DeviceIdentity } from '../../../src/schema/index.js';
import { waitFor } from '../../helpers/wait.js';

const options: IntellivueSessionOptions = {
  waves: ['ecg-ii'],
  alarms: true,
  demographics: 'off',
  pollWindowS: 30,
  keepAliveMs: 5000,
  silenceTimeoutMs: 10_000,
  associationTimeoutMs: 500,
};

interface Teardown {
  teardown(fn: () => void | Promise<void>): void;
}

/** Session and monitor back to back; `lose(message)` decides what the monitor's replies never reach the session. */
function wire(t: Teardown, lose: (m: Buffer) => boolean = () => false, monitorConfig: Partial<MonitorConfig> = {}) {
  const records: CanonicalRecord[] = [];
  const failures: string[] = [];
  let identity: DeviceIdentity | undefined;
  const decoder = new IntellivueDecoder({ vehicle: 'V', device: 'm', driver: 'philips-intellivue' }, { demographics: 'off', live: true, protocol: 'memory' });
  let session: IntellivueSession | undefined;
  const monitor = new SimulatedMonitor(
    { scenario: 'normal', seed: 1, model: 'M8105A', serial: 'S1', bedLabel: 'B', demoData: false, idleTimeoutMs: 15_000, refuse: false, relStart: 0, ...monitorConfig },
    (m) => {
      if (!lose(m)) setImmediate(() => session?.onFrame(m, rxNow()));
    },
    silentLogger(),
  );
  session = new IntellivueSession(
    options,
    {
      clock: systemClock,
      log: silentLogger(),
      write: (bytes) => setImmediate(() => monitor.receive(Buffer.from(bytes))),
      decode: (frame, rx) => decoder.decode(frame, rx, (r) => records.push(r)),
      emit: (r) => records.push(r),
      setIdentity: (id) => (identity = id),
      fail: (reason) => failures.push(reason),
    },
    (m) => m,
    'memory',
  );
  monitor.start();
  session.start();
  t.teardown(async () => {
    await session!.stop();
    monitor.stop();
  });
  return { session, monitor, records, failures, identity: () => identity };
}

t.test('a lost accept does not stop the association: the MDS Create event confirms it', async (t) => {
  let lostAccept = 0;
  const w = wire(t, (m) => m[0] === SPDU.AC && ++lostAccept === 1);
  await waitFor(() => w.records.some((r) => r.kind === 'numeric'), 'numerics');
  t.equal(lostAccept, 1, 'the accept was lost');
  t.equal(w.monitor.counts.associations, 1, 'one association, no retry needed');
  t.match(w.identity(), { model: 'M8105A', serial: 'S1', protocol: 'memory' });
  t.same(w.failures, []);
});

t.test('stop releases the association and waits for the answer', async (t) => {
  const w = wire(t);
  await waitFor(() => w.records.some((r) => r.kind === 'waveform'), 'waves');
  await w.session.stop();
  t.equal(w.monitor.counts.released, 1);
  t.notOk(w.monitor.associated);
});

t.test('a refusal fails the link with the reason', async (t) => {
  const w = wire(t, () => false, { refuse: true });
  await waitFor(() => w.failures.length > 0, 'the failure');
  t.match(w.failures[0], /refused the association/);
});

t.test('a monitor that never answers: three requests, then the link is given up', async (t) => {
  let requests = 0;
  const w = wire(t, (m) => {
    requests++;
    return true; // every reply lost
  });
  await waitFor(() => w.failures.length > 0, 'the failure', 30_000);
  t.match(w.failures[0], /no answer to 3 association requests/);
  t.equal(w.monitor.counts.associations, 3, 'the monitor saw three requests');
  t.ok(requests >= 3);
});

t.test('replies larger than the MTU arrive as linked results and decode completely', async (t) => {
  let linked = 0;
  const w = wire(
    t,
    (m) => {
      if (m[0] === 0xe1 && m.readUInt16BE(4) === 5 && m[8] !== 2) linked++; // RORLS first or last part of a split reply
      return false;
    },
    { mtu: 300 },
  );
  const numerics = () => w.records.filter((r) => r.kind === 'numeric');
  await waitFor(() => numerics().length >= 3 * 19, 'three seconds of numerics');
  t.ok(linked > 0, `${linked} split replies`);
  const count = (ref: string) => numerics().filter((r) => r.kind === 'numeric' && r.metric.ref === ref).length;
  t.equal(new Set(numerics().map((r) => r.kind === 'numeric' && r.metric.ref)).size, 19, 'all 19 numerics');
  t.ok(Math.abs(count('MDC_ECG_HEART_RATE') - count('MDC_PRESS_BLD_NONINV_MEAN')) <= 1, 'the first and the last of each update alike');
  const ecg = w.records.filter((r) => r.kind === 'waveform' && r.samples.length > 0);
  t.ok(ecg.length > 0, 'waves too');
});
