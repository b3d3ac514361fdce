// The astm driver through the real daemon against the analyser simulator, over a real pseudo-terminal (socat) and
// real TCP sockets in both directions, with the link faults E1381 is built for: corrupted frames (NAK → retransmit),
// an interrupted transfer, a stalled one (receiver timeout), contention, and raw E1394.
import { join } from 'node:path';
import t from 'tap';
import { AstmInstrument, defaultInstrumentOptions, type AstmInstrumentOptions } from '../../../drivers/astm/simulator.js';
import { openSimPort } from '../../../drivers/sdk/sim-port.js';
import type { SimEndpoint } from '../../../drivers/sdk/simulator.js';
import type { DeviceStatus } from '../../../drivers/sdk/supervisor.js';
import { callDaemon } from '../../../src/control/client.js';
import { silentLogger } from '../../../src/core/logger.js';
import type { LabRecord } from '../../../src/schema/index.js';
import { startDaemon, type TestDaemon } from '../../helpers/daemon.js';
import { seededRandom } from '../../helpers/fuzz.js';
import { tempDir } from '../../helpers/tmp.js';
import { waitFor } from '../../helpers/wait.js';

interface TestLike {
  teardown(fn: () => void | Promise<void>): void;
}

async function instrument(t: TestLike, endpoint: SimEndpoint, options: Partial<AstmInstrumentOptions>, seed = 7): Promise<{ sim: AstmInstrument; description: string }> {
  const port = await openSimPort(endpoint, silentLogger());
  const sim = new AstmInstrument(port, { ...defaultInstrumentOptions, firstMs: 300, everyMs: 1500, ...options }, seededRandom(seed));
  sim.start();
  t.teardown(() => sim.stop());
  return { sim, description: port.description };
}

const labs = (d: TestDaemon) => d.records.filter((r): r is LabRecord => r.kind === 'lab');
const device = (transport: Record<string, unknown>, options: Record<string, unknown> = {}) => ({
  devices: [{ id: 'bga', driver: 'astm', transport, options }],
});

t.test('serial pty: corrupted frames are NAKed and retransmitted, ETB frames joined, results final', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'bga.pty');
  const { sim } = await instrument(t, { type: 'pty', path: pty }, { corrupt: 0.3, split: 60, panel: 'full' });
  const d = await startDaemon(t, device({ type: 'serial', path: pty }), { dir });
  await waitFor(() => labs(d).filter((r) => r.vendor?.code === 'cTnI').length >= 2, 'two complete samples', 60_000);
  const results = labs(d);
  t.ok(results.every((r) => r.status === 'final'), 'every result final');
  t.ok(results.every((r) => r.patientId === 'AMB-7781' && r.specimen?.type === 'Arterial'));
  const ph = results.find((r) => r.vendor?.code === 'pH')!;
  t.equal(ph.test.loinc, '2744-1');
  t.ok(ph.value! > 6.8 && ph.value! < 7.8, `plausible pH ${ph.value}`);
  t.ok(sim.stats.naksReceived > 0, `the gateway NAKed ${sim.stats.naksReceived} corrupted frame(s)`);
  t.ok(sim.stats.retransmissions >= sim.stats.naksReceived, 'each NAKed frame was sent again');
  const [status] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
  t.ok(status!.counters.checksumErrors > 0, 'checksum errors counted on the device');
  t.equal(d.controller.gate!.rejected, 0, 'no invalid record');
  // Each result once: per sample one pH.
  const samples = new Set(results.map((r) => r.specimen?.id));
  t.equal(results.filter((r) => r.vendor?.code === 'pH').length, samples.size, 'no result delivered twice');
});

t.test('TCP, the gateway dials: a host query is answered after contention, no sooner than 20 s later', async (t) => {
  const { sim, description } = await instrument(t, { type: 'tcp-server', host: '127.0.0.1', port: 0 }, { query: true, contention: 1, everyMs: 3000 });
  const port = Number(/:(\d+)$/.exec(description)![1]);
  const d = await startDaemon(t, device({ type: 'tcp-client', host: '127.0.0.1', port }));
  await waitFor(() => sim.stats.contentions >= 1, 'contention', 60_000);
  const contendedAt = Date.now();
  const finals = labs(d).length;
  const reply = await waitFor(() => sim.stats.received[0], "the gateway's answer to the query", 90_000);
  const waited = Date.now() - contendedAt;
  t.same(reply.map((r) => r.slice(0, 2)), ['H|', 'L|']);
  t.equal(reply[1], 'L|1|I', 'L-3 I: no information for the query');
  t.ok(waited >= 19_000, `the gateway waited ${waited} ms after losing contention (E1381: at least 20 s)`);
  await waitFor(() => labs(d).length > finals, 'results still flowing after contention');
  t.ok(labs(d).every((r) => r.status === 'final'));
  t.ok(sim.stats.bidsAnswered.ack > 0);
});

t.test('TCP, the analyser dials in: an interrupted transfer never reports final results', async (t) => {
  const d = await startDaemon(t, device({ type: 'tcp-server', host: '127.0.0.1', port: 0 }));
  const listening = await waitFor(async () => {
    const [s] = (await callDaemon(d.socket, 'devices')) as DeviceStatus[];
    const m = s && /tcp-server 127\.0\.0\.1:(\d+)/.exec(s.transport);
    return m ? Number(m[1]) : undefined;
  }, 'the gateway listening');
  const { sim } = await instrument(t, { type: 'tcp-client', host: '127.0.0.1', port: listening }, { interrupt: 1 });
  await waitFor(() => sim.stats.interrupted >= 2 && labs(d).length >= 20, 'two interrupted transfers decoded', 60_000);
  t.ok(labs(d).every((r) => r.status === 'partial'), 'all partial');
});

t.test('a stalled transfer is given up after the receive timeout; its results are partial', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'bga.pty');
  const { sim } = await instrument(t, { type: 'pty', path: pty }, { stall: 1, stallMs: 5000 });
  const d = await startDaemon(t, device({ type: 'serial', path: pty }, { link: { receiveTimeoutMs: 1500 } }), { dir });
  await waitFor(() => labs(d).length > 0, 'results of the stalled transfer', 60_000);
  t.ok(sim.stats.stalled >= 1);
  t.ok(labs(d).every((r) => r.status === 'partial'));
  await waitFor(() => d.logs.find((l) => String(l.msg).includes('went silent mid-transfer')), 'the timeout logged');
});

t.test('raw E1394 (no framing) over a pty', async (t) => {
  const dir = tempDir(t);
  const pty = join(dir, 'bga.pty');
  await instrument(t, { type: 'pty', path: pty }, { framing: 'raw', qc: 0.5 }, 11);
  const d = await startDaemon(t, device({ type: 'serial', path: pty }, { framing: 'raw' }), { dir });
  await waitFor(() => labs(d).some((r) => r.qc) && labs(d).some((r) => !r.qc), 'patient and QC results', 60_000);
  t.ok(labs(d).every((r) => r.status === 'final'));
  t.ok(labs(d).filter((r) => r.qc).every((r) => r.patientId === undefined), 'QC carries no patient');
});
