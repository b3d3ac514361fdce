// The camera pipeline end to end with real ffmpeg and a real SRT listener (srt-live-transmit) standing in for the
// hospital: live video arrives while segments are written; the receiver goes away and comes back and the live leg
// recovers while the recording runs on without a gap; the live bitrate steps down without touching the recording;
// kill -9 of the encoder leaves a playable partial segment and a restarted pipeline; the recording verifies, and a
// tampered segment is named.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { startTusReceiver } from '../helpers/tus-receiver.js';
import { ffprobe, missingTools, segmentsOf, startReceiver, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

const PASSPHRASE = 'correct-horse-battery-staple';

t.test('live SRT + gap-free recording through outages, bitrate steps and kill -9', { skip: missingTools() }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'srt.passphrase'), `${PASSPHRASE}\n`);
  const rx1 = await startReceiver(t, { passphrase: PASSPHRASE, outFile: join(dir, 'rx1.ts') });
  mkdirSync(join(dir, 'received'));
  const upload = await startTusReceiver(t, join(dir, 'received'));
  const d = await startDaemon(
    t,
    {
      video: { segmentSeconds: 4, live: { url: `srt://127.0.0.1:${rx1.port}`, passphraseFile: 'srt.passphrase', latencyMs: 2000 }, upload: { url: upload.url, maxKbps: 300, maxKbpsWhileLive: 200 } },
      cameras: [testCamera('cabin')],
    },
    { dir },
  );
  const video = d.controller.video!;
  const cam = video.pipeline('cabin')!;
  const camDir = cam.dir;
  const health = () => cam.health();

  // 1. Live video arrives and decodes while segments are written.
  await waitFor(() => segmentsOf(camDir).length >= 2 && rx1.bytes > 60_000, 'two closed segments and live bytes at the receiver', 90_000);
  const recorderPid = cam.recorderPid;
  t.ok(recorderPid);
  t.equal(health().state, 'recording');
  t.equal(health().live.state, 'connected');
  t.equal(health().live.mode, 'copy', 'live at the recording rate: the one encode is forwarded, not re-encoded');

  // The CLI shows it (as an operator would see it), also as JSON.
  const human = await runCli(['video', 'status', '--socket', d.socket]);
  t.equal(human.code, 0, human.stderr);
  t.match(human.stdout, /cabin\s+recording\s+libx264/);
  t.match(human.stdout, /connected \(copy\)/);
  const json = await runCli(['video', 'status', '--json', '--socket', d.socket]);
  t.match(JSON.parse(json.stdout), { cameras: [{ id: 'cabin', state: 'recording', live: { state: 'connected' } }] });
  const gw = await runCli(['status', '--json', '--socket', d.socket]);
  t.match(JSON.parse(gw.stdout), { sections: { video: { cameras: [{ id: 'cabin', state: 'recording', live: 'connected' }] } } }, 'video section in the gateway status');

  // Uploads share the uplink: 200 kb/s while live video runs, 300 kb/s otherwise; the camera makes 400 kb/s, so the
  // uploader always has a backlog and only the throttle holds it back. Measured over the whole test, below.
  t.equal(video.status().upload!.throttleKbps, 200);
  const sent0 = video.status().upload!.bytesSent;
  const t0 = Date.now();

  // 2. The uplink degrades: the live bitrate steps down (a re-encode in the shaper); the recorder is not touched.
  const before = health().live.targetKbps;
  const shaperRestarts = health().live.shaper!.restarts;
  video.observeUplink({ rttMs: 400, sendBufferMs: 400, lossRatio: 0.2, source: 'test' });
  t.equal(before, 400);
  t.equal(health().live.targetKbps, 200, 'halved at once');
  t.equal(health().live.mode, 'transcode');
  const bytesAtStep = rx1.bytes;
  await waitFor(() => health().live.shaper?.state === 'running' && health().live.shaper!.restarts > shaperRestarts, 'the shaper restarted at the new rate', 60_000);
  await waitFor(() => rx1.bytes > bytesAtStep + 20_000, 'live video at the lower rate', 60_000);
  t.equal(cam.recorderPid, recorderPid, 'same recorder process: the recording was not interrupted');
  t.equal(health().recorder.restarts, 0);

  await rx1.stop();
  const live1 = await ffprobe(join(dir, 'rx1.ts'));
  t.equal(live1.codec, 'h264');
  t.ok(live1.frames > 15, `the hospital side decoded ${live1.frames} frames`);

  // 3. The hospital ingest goes away: the sender notices, the recording goes on.
  await waitFor(() => health().live.state === 'connecting', 'the live leg to notice the receiver is gone', 60_000);
  t.equal(video.status().upload!.throttleKbps, 300, 'no live video: the other limit');
  const during = segmentsOf(camDir).length;
  await waitFor(() => segmentsOf(camDir).length >= during + 2, 'two more segments while the ingest is down', 60_000);

  // 4. It comes back on the same port: the live leg reconnects by itself.
  const rx2 = await startReceiver(t, { passphrase: PASSPHRASE, outFile: join(dir, 'rx2.ts'), port: rx1.port });
  await waitFor(() => health().live.state === 'connected' && rx2.bytes > 60_000, 'the live leg to recover', 90_000);
  t.equal(health().recorder.restarts, 0, 'the recorder never restarted for the outage');
  t.equal(health().live.sender!.restarts, 0, 'the SRT sender rode out the outage without ending');

  // Recording gap-free so far: each segment starts where the previous one ended.
  const segs = segmentsOf(camDir);
  for (let i = 1; i < segs.length; i++) {
    t.ok(Math.abs(segs[i]!.mediaStart! - segs[i - 1]!.mediaEnd!) < 0.15, `segment ${i} follows segment ${i - 1} (${segs[i - 1]!.mediaEnd} → ${segs[i]!.mediaStart})`);
  }
  t.notOk(segs.some((s) => s.partial), 'no partial segment before the crash');

  // 5. kill -9 mid-segment (after its first fragments are on disk).
  // The recorder is frozen first, so the crash happens at this moment however loaded the machine is.
  const victim = await waitFor(() => {
    const open = cam.collector.openSegment();
    const pid = cam.recorderPid;
    if (!open || !pid || readFileSync(join(camDir, open)).length < 60_000) return undefined;
    process.kill(pid, 'SIGSTOP');
    if (cam.collector.openSegment() === open) return open;
    process.kill(pid, 'SIGCONT');
    return undefined;
  }, 'an open segment with a few fragments', 60_000);
  cam.crashRecorder();
  const partial = await waitFor(() => segmentsOf(camDir).find((s) => s.file === victim && s.partial), 'the killed segment signed in as partial', 60_000);
  t.ok(partial.bytes > 60_000);
  const probe = await ffprobe(join(camDir, victim));
  t.ok(probe.frames >= 15, `the partial segment plays: ${probe.frames} frames`);
  await waitFor(() => health().state === 'recording' && cam.recorderPid !== undefined && cam.recorderPid !== recorderPid, 'a restarted recorder', 60_000);
  t.equal(health().recorder.restarts, 1);
  t.match(health().recorder.lastExit, { signal: 'SIGKILL' });
  const afterCrash = segmentsOf(camDir).length;
  await waitFor(() => segmentsOf(camDir).length > afterCrash, 'a new segment after the restart', 60_000);

  // 6. A full segment plays from start to end.
  const whole = segmentsOf(camDir).find((s) => !s.partial && s.mediaEnd! - s.mediaStart! > 3.5)!;
  const full = await ffprobe(join(camDir, whole.file));
  t.ok(full.frames >= 55, `a whole 4 s segment has ${full.frames} frames`);

  const chunk = 256 * 1024;
  const kbps = ((video.status().upload!.bytesSent - sent0 - chunk) * 8) / (Date.now() - t0);
  t.ok(kbps > 0 && kbps <= 300 * 1.1, `uploaded at ${kbps.toFixed(0)} kb/s while the camera made 400 kb/s`);

  // 7. Verify: clean, then one byte changed in one segment.
  await d.stop();
  const pub = join(d.loaded.config.storage.dataDir, 'keys', 'gateway.pub');
  const recordDir = join(d.loaded.config.storage.dataDir, 'video');
  const ok = await runCli(['video', 'verify', '--dir', recordDir, '--public-key', pub]);
  t.equal(ok.code, 0, ok.stdout + ok.stderr);
  t.match(ok.stdout, /cabin: OK — \d+ segment\(s\) \(1 partial\)/);
  const target = segmentsOf(camDir)[2]!.file;
  const bytes = readFileSync(join(camDir, target));
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
  writeFileSync(join(camDir, target), bytes);
  const bad = await runCli(['video', 'verify', '--config', d.loaded.file]);
  t.equal(bad.code, 1);
  t.match(bad.stdout, new RegExp(`cabin: FAILED — first bad: ${target}: content changed`));

  // The passphrase never reached a log line or the status.
  const logText = JSON.stringify(d.logs);
  t.notOk(logText.includes(PASSPHRASE), 'passphrase in no log line');
  t.notOk(human.stdout.includes(PASSPHRASE) || json.stdout.includes(PASSPHRASE), 'nor in the status');
  t.ok(logText.includes('passphrase=[redacted]'), 'the redaction is visible where the URL was logged');
});
