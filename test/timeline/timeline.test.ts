// The care timeline: intervals against targets, milestones once, geofences with a margin for leaving; and through the
// real daemon: GPS fixes against the YAML's fences, the hospital's acknowledgement of the 12-lead over its broker, a
// crew milestone with its own time, troponin from patient results only (never QC), and the timeline kept over a
// restart without announcing anything twice; the first ECG a tracing, a second pre-arrival alert its own milestone,
// an overdue target announced; and the demo's geofences on its GPS route.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { findDriver } from '../../drivers/index.js';
import { driverOptions } from '../../src/cli/commands/decode.js';
import { parseConfig } from '../../src/config/index.js';
import { packageRoot } from '../../src/core/paths.js';
import { callDaemon, DaemonError } from '../../src/control/client.js';
import { isoMs } from '../../src/core/clock.js';
import { loincTest, mdcTerm, mdcUnit, SCHEMA_VERSION, type CanonicalRecord, type EventRecord, type MilestoneRecord } from '../../src/schema/index.js';
import { distanceM, GeofenceTracker } from '../../src/timeline/geofence.js';
import { CareTimeline } from '../../src/timeline/timeline.js';
import type { TimelineReport } from '../../src/timeline/extension.js';
import { startDaemon } from '../helpers/daemon.js';
import { startHospital } from '../helpers/mqtt-hospital.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;

t.test('intervals: done and met or missed against the target, running with elapsed and overdue, never negative', async (t) => {
  const tl = new CareTimeline({ contactToFirstEcgS: 600 }, 'E1');
  t.equal(tl.add({ milestone: 'first-medical-contact', atMs: 0, origin: 'crew', by: 'x' }), true);
  t.equal(tl.add({ milestone: 'first-medical-contact', atMs: 5, origin: 'crew', by: 'y' }), false, 'once per encounter');
  t.match(tl.live(11 * MIN)[0], { name: 'contact-to-first-ecg', state: 'running', elapsedMs: 11 * MIN, overdue: true, ms: null });
  t.match(tl.live(9 * MIN)[0], { overdue: false });
  t.same(tl.intervals()[0], { name: 'contact-to-first-ecg', ms: null, targetMs: 600_000 }, 'a record carries no elapsed time');
  tl.add({ milestone: 'first-ecg', atMs: 10 * MIN + 1, origin: 'device', by: 'mon' });
  t.same(tl.intervals()[0], { name: 'contact-to-first-ecg', ms: 600_001, targetMs: 600_000, met: false }, 'one ms over the 10 minutes: missed');
  t.match(tl.live(0)[1], { name: 'ecg-to-transmitted', state: 'running' });
  t.match(tl.live(0)[2], { name: 'contact-to-arrival', state: 'running' });
  t.notOk('targetMs' in tl.live(0)[2]!, 'no arrival target unless configured');

  const early = new CareTimeline({ contactToFirstEcgS: 600 }, 'E2');
  early.add({ milestone: 'first-ecg', atMs: 1000, origin: 'device', by: 'mon' });
  t.match(early.live(2000)[0], { state: 'not-started', ms: null });
  early.add({ milestone: 'first-medical-contact', atMs: 5000, origin: 'crew', by: 'x' });
  t.match(early.intervals()[0], { ms: 0, met: true }, 'a monitor on before contact was entered: zero, not negative');
});

t.test('geofences: arrive inside the radius, leave only clearly outside, hospital on entry', async (t) => {
  t.ok(Math.abs(distanceM(30, 120, 31, 120) - 111_195) < 50, 'one degree of latitude ≈ 111.2 km');
  const scene = { id: 'scene', kind: 'scene' as const, lat: 31.2, lon: 121.4, radiusM: 100 };
  const hospital = { id: 'h1', kind: 'hospital' as const, lat: 31.25, lon: 121.45, radiusM: 200 };
  const g = new GeofenceTracker([scene, hospital]);
  const north = (m: number) => 31.2 + m / 111_195;
  t.same(g.fix(north(500), 121.4), [], 'outside');
  t.match(g.fix(north(90), 121.4), [{ milestone: 'arrived-scene', fence: { id: 'scene' } }]);
  t.same(g.fix(north(110), 121.4), [], 'jitter just past the edge is not leaving');
  t.same(g.fix(north(50), 121.4), [], 'still at the scene: no second arrival');
  t.match(g.fix(north(130), 121.4), [{ milestone: 'left-scene', distanceM: 130 }]);
  t.match(g.fix(31.25, 121.45), [{ milestone: 'arrived-hospital', fence: { id: 'h1' }, distanceM: 0 }]);
});

t.test('through the daemon: GPS fences, the hospital ack, a crew milestone, troponin, and a restart', async (t) => {
  const dir = tempDir(t);
  const hospital = await startHospital(t, 'TEST-1');
  const config = {
    timeline: {
      geofences: [
        { id: 'scene-1', kind: 'scene', lat: 31.2, lon: 121.4, radiusM: 100 },
        { id: 'ruijin', kind: 'hospital', name: 'Chest pain centre', lat: 31.21, lon: 121.47 },
      ],
      targets: { contactToArrivalS: 3600 },
    },
  };
  let d = await startDaemon(t, config, { dir, controller: { hospital: await hospital.channel(t) } });
  const gate = () => d.controller.gate!;
  const env = (device: string, at: number) => ({ schema: SCHEMA_VERSION, vehicle: 'TEST-1', device, driver: 'test', observedAt: isoMs(at), receivedAt: isoMs(at), mono: 1 });
  const fix = (lat: number, lon: number, at = Date.now()) =>
    gate().ingest({ kind: 'location', ...env('gps', at), fix: '3d', lat, lon, validity: 'valid' } as CanonicalRecord);
  const milestones = () => d.records.filter((r): r is MilestoneRecord => r.kind === 'milestone');
  const waitMilestone = (name: MilestoneRecord['milestone']) => d.waitForRecord<MilestoneRecord>((r) => r.kind === 'milestone' && r.milestone === name, name);

  await callDaemon(d.socket, 'encounter.open', { id: 'ENC-T-1' });
  const fmc = await waitMilestone('first-medical-contact');
  t.match(fmc, { origin: 'crew', encounter: 'ENC-T-1', device: 'gateway', driver: 'timeline' });

  fix(31.2005, 121.4);
  t.match(await waitMilestone('arrived-scene'), { origin: 'gps', by: 'scene-1', detail: { geofence: 'scene-1' } });
  fix(31.203, 121.4);
  t.match(await waitMilestone('left-scene'), { origin: 'gps', by: 'scene-1' });

  // Troponin: a QC run and a cancelled result are not the patient's result; the patient's is.
  const lab = (over: Record<string, unknown>) =>
    gate().ingest({ kind: 'lab', ...env('poc', Date.now()), test: loincTest('10839-9'), value: 0.08, unit: { ucum: 'ng/mL' }, flags: ['H'], status: 'final', validity: 'valid', qc: false, ...over } as CanonicalRecord);
  lab({ qc: true });
  lab({ status: 'cancelled' });
  lab({ test: loincTest('2744-1'), value: 7.3, unit: { ucum: '[pH]' } });
  lab({});
  const trop = await waitMilestone('troponin-result');
  t.match(trop, { origin: 'device', by: 'poc', detail: { loinc: '10839-9', value: 0.08, unit: 'ng/mL', flags: 'H' } });
  t.equal(milestones().filter((m) => m.milestone === 'troponin-result').length, 1);
  t.equal(gate().rejected, 0, 'every test record was canonical');

  // The crew reached the patient before opening the encounter: their contact time corrects the provisional one
  // (announced again, saying what it corrects); then they mark the first ECG, taken on a monitor not connected.
  const now = Date.now();
  const contactAt = new Date(now - 6 * MIN).toISOString();
  const ecgAt = new Date(now - 2 * MIN).toISOString();
  const bad = await callDaemon(d.socket, 'crew.enter', { action: 'milestone', value: 'lunch' }).catch((e: unknown) => e);
  t.ok(bad instanceof DaemonError && /milestone must be one of first-medical-contact/.test(bad.message), 'an unknown milestone is refused, naming the ones there are');
  const future = await callDaemon(d.socket, 'crew.enter', { action: 'milestone', value: 'first-ecg', at: '2999-01-01T00:00:00Z' }).catch((e: unknown) => e);
  t.ok(future instanceof DaemonError && /in the future/.test(future.message), 'a time in the future is refused');
  await callDaemon(d.socket, 'crew.enter', { action: 'milestone', value: 'first-medical-contact', at: contactAt, user: 'medic' });
  const corrected = await d.waitForRecord<MilestoneRecord>((r) => r.kind === 'milestone' && r.milestone === 'first-medical-contact' && r.at === contactAt, 'the corrected contact');
  t.match(corrected, { origin: 'crew', by: 'cli:medic', detail: { corrects: fmc.at } });
  await callDaemon(d.socket, 'crew.enter', { action: 'milestone', value: 'first-ecg', at: ecgAt, user: 'medic' });
  const ecg = await waitMilestone('first-ecg');
  t.match(ecg, { at: ecgAt, origin: 'crew', by: 'cli:medic' });
  t.match(ecg.intervals.find((i) => i.name === 'contact-to-first-ecg'), { ms: 4 * MIN, targetMs: 600_000, met: true });
  await callDaemon(d.socket, 'crew.enter', { action: 'milestone', value: 'first-medical-contact', at: ecgAt });
  await waitFor(() => d.records.filter((r) => r.kind === 'event' && r.event === 'crew.milestone').length === 3, 'the third crew entry');
  t.equal(milestones().filter((m) => m.milestone === 'first-medical-contact').length, 2, 'a crew contact time is not corrected again');

  // The hospital acknowledges the 12-lead over its broker.
  await hospital.send('ambulink/v1/TEST-1/cmd/timeline/ack', JSON.stringify({ by: 'Dr Li, chest pain centre' }));
  t.match(await waitMilestone('12-lead-acknowledged'), { origin: 'hospital', by: 'Dr Li, chest pain centre' });

  fix(31.21, 121.47);
  const arrived = await waitMilestone('arrived-hospital');
  t.match(arrived, { origin: 'gps', by: 'ruijin' });
  t.match(arrived.intervals.find((i) => i.name === 'contact-to-arrival'), { targetMs: 3_600_000, met: true });

  // A restart keeps the encounter's timeline and announces nothing again.
  const before = (await callDaemon(d.socket, 'timeline')) as TimelineReport;
  await d.stop();
  d = await startDaemon(t, config, { dir, controller: { hospital: await hospital.channel(t) } });
  const after = (await callDaemon(d.socket, 'timeline')) as TimelineReport;
  t.same(after.milestones, before.milestones, 'the same milestones after a restart');
  fix(31.21, 121.47);
  await callDaemon(d.socket, 'crew.enter', { action: 'milestone', value: 'first-ecg' });
  await waitFor(() => d.records.some((r) => r.kind === 'event' && r.event === 'crew.milestone'), 'the crew entry');
  t.equal(milestones().length, 0, 'no milestone announced twice');

  // A new encounter starts a new timeline.
  await callDaemon(d.socket, 'encounter.open', { id: 'ENC-T-2' });
  await waitMilestone('first-medical-contact');
  const next = (await callDaemon(d.socket, 'timeline')) as TimelineReport;
  t.equal(next.encounter, 'ENC-T-2');
  t.same(next.milestones.map((m) => m.milestone), ['first-medical-contact']);
});

t.test('through the daemon: the first ECG is a tracing, a second pre-arrival alert is its own milestone, an overdue target is announced', async (t) => {
  const d = await startDaemon(t, { timeline: { targets: { contactToFirstEcgS: 2 } } });
  const gate = () => d.controller.gate!;
  const base = (device: string) => {
    const at = isoMs(Date.now());
    return { schema: SCHEMA_VERSION, vehicle: 'TEST-1', device, driver: 'test', observedAt: at, receivedAt: at, mono: 1 };
  };
  const milestones = (name: MilestoneRecord['milestone']) => d.records.filter((r): r is MilestoneRecord => r.kind === 'milestone' && r.milestone === name);
  await callDaemon(d.socket, 'encounter.open', { id: 'ENC-T-3' });
  await waitFor(() => milestones('first-medical-contact').length === 1, 'contact');

  // Not a first ECG: the ECG heart rate and an ST value (numerics), an ECG wave marked invalid (leads off), a pleth.
  const wave = (ref: string, validity: 'valid' | 'invalid', samples = [0, 0.1, 1.1, -0.2, 0]) =>
    gate().ingest({ kind: 'waveform', ...base('monitor'), metric: mdcTerm(ref), unit: mdcUnit('MDC_DIM_MILLI_VOLT'), rate: 250, scale: { factor: 1, offset: 0 }, samples, validity } as CanonicalRecord);
  gate().ingest({ kind: 'numeric', ...base('monitor'), metric: mdcTerm('MDC_ECG_HEART_RATE'), unit: mdcUnit('MDC_DIM_BEAT_PER_MIN'), value: 88, validity: 'valid' } as CanonicalRecord);
  gate().ingest({ kind: 'numeric', ...base('monitor'), metric: mdcTerm('MDC_ECG_AMPL_ST_V2'), unit: mdcUnit('MDC_DIM_MILLI_M'), value: 2.5, validity: 'valid' } as CanonicalRecord);
  wave('MDC_ECG_ELEC_POTL_II', 'invalid');
  wave('MDC_PULS_OXIM_PLETH', 'valid');
  t.equal(gate().rejected, 0, 'the test records are canonical');

  // Two seconds after contact with no ECG: overdue, announced once, to the hospital like any record.
  const overdue = await d.waitForRecord<EventRecord>((r) => r.kind === 'event' && r.event === 'timeline.target_overdue', 'the overdue announcement', 30_000);
  t.match(overdue, { device: 'gateway', driver: 'timeline', encounter: 'ENC-T-3', detail: { interval: 'contact-to-first-ecg', from: 'first-medical-contact', to: 'first-ecg', targetMs: 2000, text: 'first-ecg not within 2 s of first-medical-contact' } });
  t.ok(Number(overdue.detail!.elapsedMs) > 2000, 'with the time elapsed');
  t.equal(milestones('first-ecg').length, 0, 'a heart rate, an ST value, a leads-off wave and a pleth are not an ECG');

  wave('MDC_ECG_ELEC_POTL_II', 'valid');
  const ecg = await d.waitForRecord<MilestoneRecord>((r) => r.kind === 'milestone' && r.milestone === 'first-ecg', 'the first ECG');
  t.match(ecg, { origin: 'device', by: 'monitor', detail: { metric: 'MDC_ECG_ELEC_POTL_II' } });
  t.match(ecg.intervals.find((i) => i.name === 'contact-to-first-ecg'), { met: false });

  // STEMI, then stroke (another team), then STEMI again (a repeat).
  for (const alert of ['stemi', 'stroke', 'stemi']) await callDaemon(d.socket, 'crew.enter', { action: 'pre-arrival-alert', value: alert, user: 'medic' });
  await waitFor(() => d.records.filter((r) => r.kind === 'event' && r.event === 'crew.pre_arrival_alert').length === 3, 'the three entries');
  const alerts = milestones('pre-arrival-alert');
  t.match(alerts, [{ preArrival: 'stemi' }, { preArrival: 'stroke', detail: { earlier: 'stemi' } }], 'the stroke alert is its own milestone, saying what came before; the repeat is not');
  t.equal(alerts.length, 2);
  t.notOk(alerts[0]!.detail, 'the first alert has no earlier one');
  const report = (await callDaemon(d.socket, 'timeline')) as TimelineReport;
  t.same(report.milestones.filter((m) => m.milestone === 'pre-arrival-alert').map((m) => m.preArrival), ['stemi', 'stroke'], 'both on the timeline');
  const kept = d.controller.latest!.snapshot().gateway!.map((e) => e.key).filter((k) => k.startsWith('milestone:pre-arrival-alert'));
  t.same(kept.sort(), ['milestone:pre-arrival-alert:stemi', 'milestone:pre-arrival-alert:stroke'], 'both in the latest values (what a console opened now is given)');
  await new Promise((r) => setTimeout(r, 1500));
  t.equal(d.records.filter((r) => r.kind === 'event' && r.event === 'timeline.target_overdue').length, 1, 'overdue announced once');
});

t.test("the demo's geofences fit its GPS route: the replayed log arrives at the scene, leaves it, arrives at hospital", async (t) => {
  const root = packageRoot();
  const demo = parseConfig(readFileSync(join(root, 'config/demo.yaml'), 'utf8'), 'demo.yaml', { AMBULINK_DEMO_DIR: '/nonexistent' }).config;
  const gps = demo.devices.find((dev) => dev.driver === 'nmea0183')!;
  const log = String((gps.simulate as Record<string, unknown>).log);
  const driver = findDriver('nmea0183')!;
  const decoder = driver.offline!(driverOptions(driver), { vehicle: 'V', device: 'gps', driver: 'nmea0183' });
  const fences = new GeofenceTracker(demo.timeline.geofences);
  const seen: string[] = [];
  const out = (r: CanonicalRecord) => {
    if (r.kind !== 'location' || r.validity !== 'valid' || r.lat === undefined || r.lon === undefined) return;
    for (const e of fences.fix(r.lat, r.lon)) seen.push(`${e.milestone}@${e.fence.id}`);
  };
  const rx = { wallMs: Date.now(), monoMs: 1 };
  decoder.push(readFileSync(join(root, log)), rx, out);
  decoder.end(rx, out);
  // The tracker says "arrived at hospital" on every fix inside (the timeline keeps the first): their first times, in order.
  t.same([...new Set(seen)], ['arrived-scene@demo-scene', 'left-scene@demo-scene', 'arrived-hospital@demo-hospital'], 'in one pass of the log');
});
