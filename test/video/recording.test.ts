// What the recording remembers: the open encounter and high-priority alarms linked in the manifest (never in file
// names), and disk watermarks that evict uploaded segments first and never an un-uploaded one silently.
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { AlarmRecord, CanonicalRecord, EventRecord } from '../../src/schema/index.js';
import { readManifest, MANIFEST_FILE, type ManifestEntry } from '../../src/video/manifest.js';
import { verifyCamera } from '../../src/video/verify.js';
import { GatewayPublicKey } from '../../src/core/gateway-key.js';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { startTusReceiver } from '../helpers/tus-receiver.js';
import { segmentsOf, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

const entries = (dir: string) => readManifest(join(dir, MANIFEST_FILE)).filter((e): e is ManifestEntry => typeof e !== 'string');

function envelope(device: string) {
  const now = new Date().toISOString();
  return { schema: 1 as const, vehicle: 'TEST-1', device, driver: 'test', observedAt: now, receivedAt: now, mono: 1 };
}

t.test('the open encounter and a high-priority alarm are linked into the manifest', async (t) => {
  const d = await startDaemon(t, { video: { segmentSeconds: 2 }, cameras: [testCamera('cabin', { live: { enabled: false } })] });
  const cam = d.controller.video!.pipeline('cabin')!;
  const ingest = d.controller.gate!.ingest;
  await waitFor(() => segmentsOf(cam.dir).length >= 1, 'a first segment', 60_000);
  const opened: EventRecord = { kind: 'event', ...envelope('gateway'), event: 'encounter.opened', detail: { encounter: 'ENC-4711' } };
  ingest(opened);
  const alarm: AlarmRecord = { kind: 'alarm', ...envelope('monitor'), alarmId: 'hr-high', text: 'HR HIGH', priority: 'high', category: 'physiological', state: 'active' };
  ingest(alarm);
  ingest({ ...alarm, alarmId: 'spo2-low', priority: 'medium', text: 'SpO2 LOW' } as CanonicalRecord);
  const bookmark = await waitFor(() => entries(cam.dir).find((e) => e.type === 'bookmark'), 'the bookmark entry', 30_000);
  t.match(bookmark, { type: 'bookmark', alarm: { device: 'monitor', alarmId: 'hr-high', priority: 'high' }, encounter: 'ENC-4711' });
  t.equal(entries(cam.dir).filter((e) => e.type === 'bookmark').length, 1, 'a medium-priority alarm bookmarks nothing');
  const marked = await waitFor(() => segmentsOf(cam.dir).find((s) => s.bookmarked), 'the bookmarked segment to close', 30_000);
  t.equal(marked.file, (bookmark as { file: string }).file, 'the bookmark names the segment that was being written');
  t.same(marked.encounters, ['ENC-4711']);

  const next = await waitFor(() => segmentsOf(cam.dir).find((s) => s.file > marked.file), 'the following segment', 30_000);
  t.same(next.encounters, ['ENC-4711'], 'still open: linked');
  t.notOk(next.bookmarked);
  ingest({ kind: 'event', ...envelope('gateway'), event: 'encounter.closed', detail: { encounter: 'ENC-4711' } } as EventRecord);
  const count = segmentsOf(cam.dir).length;
  await waitFor(() => segmentsOf(cam.dir).length >= count + 2, 'segments after the encounter closed', 30_000);
  t.equal(segmentsOf(cam.dir).at(-1)!.encounters, undefined, 'no encounter after it closed');
  t.notOk(readdirSync(cam.dir).some((f) => f.includes('ENC')), 'the encounter id is in no file name');
});

/** A disk of `capacity` bytes holding the recording: free space falls as segments are written and rises on deletion. */
function simulatedDisk(recordDir: string) {
  const disk = { capacity: Number.MAX_SAFE_INTEGER };
  const used = (dir: string): number =>
    readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? used(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
  return { disk, used: () => used(recordDir), probe: () => Math.max(0, 100 * (1 - used(recordDir) / disk.capacity)) };
}

t.test('disk watermarks: uploaded segments go first, then the alarm; un-uploaded ones only by policy, never silently', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'received'));
  const rx = await startTusReceiver(t, join(dir, 'received'));
  const recordDir = join(dir, 'data', 'video');
  const sim = simulatedDisk(recordDir);
  const d = await startDaemon(
    t,
    {
      video: { segmentSeconds: 2, upload: { url: rx.url, maxKbps: 0 }, retention: { evictUploadedBelowFreePercent: 15, alarmBelowFreePercent: 5 } },
      cameras: [testCamera('cabin', { live: { enabled: false } })],
    },
    { dir, video: { freeSpace: sim.probe, retentionIntervalMs: 3_600_000 } },
  );
  const video = d.controller.video!;
  const cam = video.pipeline('cabin')!;
  await waitFor(() => entries(cam.dir).filter((e) => e.type === 'upload').length >= 4, 'four segments uploaded', 90_000);
  await rx.close(); // from now on nothing more is uploaded
  await waitFor(() => segmentsOf(cam.dir).length >= entries(cam.dir).filter((e) => e.type === 'upload').length + 2, 'two segments that are not uploaded', 60_000);

  // 10 % free: between the watermarks. Uploaded segments are deleted, oldest first, until 15 % is free again.
  sim.disk.capacity = Math.round(sim.used() / 0.9);
  await video.checkStorage();
  const evictions = entries(cam.dir).filter((e): e is Extract<ManifestEntry, { type: 'eviction' }> => e.type === 'eviction');
  t.ok(evictions.length >= 1, `${evictions.length} evicted`);
  t.ok(evictions.every((e) => e.uploaded), 'only uploaded segments');
  const uploadedFiles = entries(cam.dir).filter((e) => e.type === 'upload').map((e) => (e as { file: string }).file).sort();
  t.same(evictions.map((e) => e.file), uploadedFiles.slice(0, evictions.length), 'oldest first');
  t.ok(sim.probe() >= 15, `free again: ${sim.probe().toFixed(1)} %`);
  t.notOk(video.status().storage.alarm);

  // 2 % free with nothing uploaded left to delete beyond what policy allows: alarm, and nothing un-uploaded deleted.
  sim.disk.capacity = Math.round(sim.used() / 0.98);
  await video.checkStorage();
  const alarm = await waitFor(() => d.records.find((r): r is AlarmRecord => r.kind === 'alarm' && r.alarmId === 'video.storage' && r.state === 'active'), 'the storage alarm record');
  t.match(alarm, { device: 'gateway', driver: 'video', priority: 'high', category: 'technical' });
  t.equal(video.status().storage.alarm, true);
  t.notOk(entries(cam.dir).some((e) => e.type === 'eviction' && !e.uploaded), 'no un-uploaded segment deleted without the policy');
  const status = await runCli(['video', 'status', '--socket', d.socket]);
  t.equal(status.code, 1, 'video status fails while storage is critical');
  t.match(status.stdout, /ALARM: critically low/);

  // Space comes back: the alarm clears.
  sim.disk.capacity = Number.MAX_SAFE_INTEGER;
  await video.checkStorage();
  await waitFor(() => d.records.find((r) => r.kind === 'alarm' && r.alarmId === 'video.storage' && r.state === 'cleared'), 'the alarm to clear');
  const key = GatewayPublicKey.load(join(dir, 'data', 'keys', 'gateway.pub'));
  t.equal((await verifyCamera(cam.dir, 'cabin', key)).ok, true, 'evicted segments are accounted for in the manifest');
});

t.test('policy evictUnuploaded: each such deletion is an alarm and a manifest entry; the open segment is kept', async (t) => {
  const dir = tempDir(t);
  const sim = simulatedDisk(join(dir, 'data', 'video'));
  const d = await startDaemon(
    t,
    { video: { segmentSeconds: 2, retention: { evictUploadedBelowFreePercent: 15, alarmBelowFreePercent: 5, evictUnuploaded: true } }, cameras: [testCamera('cabin', { live: { enabled: false } })] },
    { dir, video: { freeSpace: sim.probe, retentionIntervalMs: 3_600_000 } },
  );
  const video = d.controller.video!;
  const cam = video.pipeline('cabin')!;
  await waitFor(() => segmentsOf(cam.dir).length >= 4, 'four segments', 60_000);
  sim.disk.capacity = Math.round(sim.used() / 0.97);
  await video.checkStorage();
  const evicted = entries(cam.dir).filter((e): e is Extract<ManifestEntry, { type: 'eviction' }> => e.type === 'eviction');
  t.ok(evicted.length >= 1);
  t.ok(evicted.every((e) => !e.uploaded && /evictUnuploaded/.test(e.reason)));
  const alarms = d.records.filter((r): r is AlarmRecord => r.kind === 'alarm' && r.alarmId === 'video.evicted.cabin');
  t.equal(alarms.length, evicted.length, 'one alarm per segment deleted before upload');
  t.match(alarms[0]!.text, evicted[0]!.file);
  t.ok(cam.collector.openSegment(), 'the segment being written is still there');
  t.equal(video.status().storage.evictedUnuploaded, evicted.length);
});
