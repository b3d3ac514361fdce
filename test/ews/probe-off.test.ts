// A probe off is not a recovery: through the real daemon (its clock moved forward by the test), a NEWS2 that is high
// loses its SpO2 input for longer than the alert hold time — only a floor of low–medium is known meanwhile, shown as
// a floor — and when the probe is back and the patient still high, no second alert. The crew's oxygen entry, older
// than staleAfterS.oxygen by then, still stands.
import t from 'tap';
import { callDaemon } from '../../src/control/client.js';
import { isoMs, systemClock, type Clock } from '../../src/core/clock.js';
import { mdcTerm, mdcUnit, SCHEMA_VERSION, type AlertRecord, type CanonicalRecord, type ScoreRecord } from '../../src/schema/index.js';
import { startDaemon } from '../helpers/daemon.js';
import { waitFor } from '../helpers/wait.js';

t.test('SpO2 off beyond the hold time while NEWS2 is high, then back high: one alert', async (t) => {
  let offsetMs = 0;
  const clock: Clock = { wallMs: () => Date.now() + offsetMs, monoMs: () => systemClock.monoMs() + offsetMs };
  const d = await startDaemon(
    t,
    {
      devices: [{ id: 'monitor', driver: 'hl7-pcd01', transport: { type: 'tcp-server', host: '127.0.0.1', port: 0 } }],
      earlyWarning: { devices: ['monitor'], alertHoldS: 300 },
    },
    { controller: { clock } },
  );
  const units: Record<string, string> = {
    MDC_RESP_RATE: 'MDC_DIM_RESP_PER_MIN',
    MDC_PULS_OXIM_SAT_O2: 'MDC_DIM_PERCENT',
    MDC_PRESS_BLD_NONINV_SYS: 'MDC_DIM_MMHG',
    MDC_ECG_HEART_RATE: 'MDC_DIM_BEAT_PER_MIN',
    MDC_TEMP: 'MDC_DIM_DEGC',
  };
  const numeric = (ref: string, value: number) => {
    const at = isoMs(clock.wallMs());
    d.controller.gate!.ingest({
      kind: 'numeric',
      schema: SCHEMA_VERSION,
      vehicle: 'TEST-1',
      device: 'monitor',
      driver: 'test',
      observedAt: at,
      receivedAt: at,
      mono: clock.monoMs(),
      metric: mdcTerm(ref),
      unit: mdcUnit(units[ref]!),
      value,
      validity: 'valid',
    } as CanonicalRecord);
  };
  // RR 26 (3) + SpO2 90 (3) + pulse 95 (1) = 7, high; without SpO2 a 3 in RR still: at least low–medium.
  const others = () => {
    numeric('MDC_RESP_RATE', 26);
    numeric('MDC_PRESS_BLD_NONINV_SYS', 125);
    numeric('MDC_ECG_HEART_RATE', 95);
    numeric('MDC_TEMP', 36.8);
  };
  const alerts = () => d.records.filter((r): r is AlertRecord => r.kind === 'alert' && r.score === 'news2');
  const news = () => d.records.filter((r): r is ScoreRecord => r.kind === 'score' && r.score === 'news2');

  await callDaemon(d.socket, 'crew.enter', { action: 'acvpu', value: 'A', user: 'medic' });
  await callDaemon(d.socket, 'crew.enter', { action: 'oxygen', value: 'off', user: 'medic' });
  others();
  numeric('MDC_PULS_OXIM_SAT_O2', 90);
  // (A low–medium alert may come first, while the vitals arrive one by one: RR 26 alone is a 3.)
  await waitFor(() => alerts().some((a) => a.to === 'high'), 'the alert for high');
  t.match(alerts().find((a) => a.to === 'high'), { value: 7, status: 'complete' });
  const alerted = alerts().length;

  // The probe comes off. 70 s later SpO2 is stale (60 s); the other vitals keep coming.
  offsetMs += 70_000;
  others();
  const floor = await waitFor(() => news().find((s) => s.stale.join() === 'spo2'), 'an incomplete NEWS2 with SpO2 stale');
  t.match(floor, { status: 'incomplete', value: null, band: null, atLeast: { value: 4, band: 'low-medium' } }, 'the floor, as a floor');
  const status = (await callDaemon(d.socket, 'status')) as { sections: { earlyWarning?: { news2: { band: unknown; atLeast?: unknown } } } };
  t.match(status.sections.earlyWarning?.news2, { band: null, atLeast: { band: 'low-medium' } }, 'the status shows the floor as atLeast, not as the band');
  // Longer than the hold time with only the floor known.
  for (let i = 0; i < 6; i++) {
    offsetMs += 60_000;
    others();
  }
  const before = news().length;
  // The probe is back: still 90 %, still high.
  numeric('MDC_PULS_OXIM_SAT_O2', 90);
  const back = await waitFor(() => news().slice(before).find((s) => s.status === 'complete'), 'NEWS2 complete again');
  t.match(back, { value: 7, band: 'high' });
  t.match(back.components.find((c) => c.parameter === 'airOrOxygen'), { state: 'used', input: { source: 'crew', value: 'off' } }, 'the crew entry, 430 s old, stands');
  // An alert is made in the same evaluation as the score it follows; the engine's own list says the same.
  t.equal(alerts().length, alerted, 'no second alert: the probe off was not a fall');
  const ews = (await callDaemon(d.socket, 'ews')) as { alerts: AlertRecord[] };
  t.equal(ews.alerts.filter((a) => a.score === 'news2' && a.to === 'high').length, 1, 'one alert for high, in the engine too');
  t.equal(d.controller.gate!.rejected, 0);
});
