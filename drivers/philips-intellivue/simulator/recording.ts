// What the simulated monitor sends to a well-behaved client over a stretch of time, computed on a simulated clock:
// exact timing and no sockets. For capture fixtures and for the benchmark's traffic.
import { silentLogger } from '../../../src/core/logger.js';
import { associationRequest } from '../association.js';
import { extendedPollRequest, mdsCreateResult, pollRequest, setWaveListRequest } from '../messages.js';
import { MOC, TICKS_PER_MS, WAVES, type WaveName } from '../nomenclature.js';
import { SimulatedMonitor } from './monitor.js';
import type { Scenario } from './physiology.js';

export interface RecordingSpec {
  scenario: Scenario;
  seconds: number;
  waves: readonly WaveName[];
  seed: number;
  /** Initial relative clock (ticks); default: 4 s before the 32-bit wrap, so recordings cross it. */
  relStart?: number;
}

const STEP_MS = 32;

/** The monitor's messages, in order, for a client that associates, asks for `waves`, polls and keeps alive. */
export function recordMonitor(spec: RecordingSpec): Buffer[] {
  let now = 1000;
  const out: Buffer[] = [];
  const monitor = new SimulatedMonitor(
    {
      scenario: spec.scenario,
      seed: spec.seed,
      model: 'M8105A',
      serial: 'DE00000042',
      bedLabel: 'AMB-1',
      demoData: false,
      idleTimeoutMs: 15_000,
      refuse: false,
      relStart: spec.relStart ?? 0xffffffff - 4000 * TICKS_PER_MS,
    },
    (m) => out.push(m),
    silentLogger(),
    () => now,
  );
  let invoke = 100;
  const period = 30_000 * TICKS_PER_MS;
  const poll = () => {
    monitor.receive(extendedPollRequest(++invoke, MOC.NUMERIC, invoke, period));
    monitor.receive(extendedPollRequest(++invoke, MOC.WAVE, invoke, period));
    monitor.receive(extendedPollRequest(++invoke, MOC.ALERT_MONITOR, invoke, period));
  };
  monitor.receive(associationRequest());
  monitor.receive(mdsCreateResult(1, 0));
  monitor.receive(setWaveListRequest(++invoke, spec.waves.map((w) => WAVES[w].label)));
  poll();
  monitor.receive(pollRequest(++invoke, MOC.PATIENT, invoke));
  for (let t = STEP_MS; t <= spec.seconds * 1000; t += STEP_MS) {
    now += STEP_MS;
    monitor.tick();
    if (t % (157 * STEP_MS) === 0) monitor.receive(pollRequest(++invoke, MOC.MDS, invoke)); // keep-alive, ~5 s
    if (t % (782 * STEP_MS) === 0) poll(); // renewal, ~25 s
  }
  return out;
}
