// Upload of closed segments to a real tus receiver over HTTP: resumed from where it stopped after the receiver went
// away, refused and sent again when the receiver's sha256 check fails, marked uploaded in the manifest only after the
// receiver accepted it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { readManifest, MANIFEST_FILE } from '../../src/video/manifest.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { startTusReceiver } from '../helpers/tus-receiver.js';
import { segmentsOf, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

t.test('segments are uploaded resumably, verified by the receiver, and marked in the manifest', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'received'));
  const rx = await startTusReceiver(t, join(dir, 'received'));
  rx.corruptNext = true;
  const d = await startDaemon(
    t,
    {
      // ~1 MB segments at 2 Mb/s; uploads limited to 4 Mb/s: a segment takes several 256 KiB chunks.
      video: { segmentSeconds: 4, upload: { url: rx.url, maxKbps: 4000 } },
      cameras: [testCamera('cabin', { width: 640, height: 480, recordBitrateKbps: 2000, live: { enabled: false } })],
    },
    { dir },
  );
  const cam = d.controller.video!.pipeline('cabin')!;

  // The first upload to finish is corrupted on arrival: refused, then sent again from scratch.
  await waitFor(() => rx.rejected.length === 1, 'the receiver to refuse a corrupted upload', 90_000);
  await waitFor(() => rx.verified.includes(rx.rejected[0]!), 'the refused segment sent again and accepted', 90_000);

  // The receiver goes away in the middle of an upload, and comes back.
  await waitFor(() => {
    const c = d.controller.video!.status().upload?.current;
    return c && c.percent >= 25 && c.percent <= 60 && rx.patches.at(-1)!.offset > 0;
  }, 'an upload half way', 90_000);
  const interrupted = rx.patches.at(-1)!.id;
  await rx.close();
  await waitFor(() => d.controller.video!.status().upload?.lastError, 'the uploader to notice', 60_000);
  const patchesBefore = rx.patches.length;
  await rx.restart();
  await waitFor(() => rx.patches.slice(patchesBefore).some((p) => p.id === interrupted), 'the interrupted upload resumed', 120_000);
  const resumed = rx.patches.slice(patchesBefore).find((p) => p.id === interrupted)!;
  t.ok(resumed.offset > 0, `resumed at byte ${resumed.offset}, not from the start`);
  await waitFor(() => rx.verified.length >= 3, 'three segments accepted', 120_000);

  // Only what the receiver accepted is marked uploaded, with the segment's own hash.
  const entries = readManifest(join(cam.dir, MANIFEST_FILE)).filter((e) => typeof e !== 'string');
  const uploads = entries.filter((e) => e.type === 'upload');
  const segments = new Map(segmentsOf(cam.dir).map((s) => [s.file, s.sha256]));
  await waitFor(() => readManifest(join(cam.dir, MANIFEST_FILE)).filter((e) => typeof e !== 'string' && e.type === 'upload').length >= 3, 'upload entries', 30_000);
  for (const u of readManifest(join(cam.dir, MANIFEST_FILE))) {
    if (typeof u === 'string' || u.type !== 'upload') continue;
    t.ok(rx.verified.includes(u.file), `${u.file} marked uploaded after the receiver accepted it`);
    t.equal(u.sha256, segments.get(u.file));
  }
  t.ok(uploads.length <= rx.verified.length);
  const status = d.controller.video!.status().upload!;
  t.ok(status.uploaded >= 3);
  t.equal(status.throttleKbps, 4000, 'no live video: the full upload rate');
});
