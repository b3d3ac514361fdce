// Supervision with real processes: a frozen RTSP camera (GStreamer's RTSP server, SIGSTOPped) is detected and the
// recorder restarted; a passphrase the hospital rejects is a configuration error, not retried hot, and never logged.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { runCli } from '../helpers/cli.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { missingTools, segmentsOf, startReceiver, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

const PYTHON = '/usr/bin/python3';

function gstreamerMissing(): string | false {
  try {
    execFileSync(PYTHON, ['-c', "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import Gst, GstRtspServer; Gst.init(None); assert Gst.ElementFactory.find('x264enc')"], { stdio: 'ignore' });
    return missingTools();
  } catch {
    return 'no GStreamer RTSP server: apt-get install python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-ugly';
  }
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

t.test('a frozen RTSP camera is detected and the recorder restarted', { skip: gstreamerMissing() }, async (t) => {
  const port = await freeTcpPort();
  const script = fileURLToPath(new URL('../helpers/fake-rtsp-camera.py', import.meta.url));
  const camera = spawn(PYTHON, [script, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => {
    camera.kill('SIGCONT');
    camera.kill('SIGKILL');
  });
  let out = '';
  camera.stdout.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('ready'), 'the fake camera', 30_000);

  const d = await startDaemon(t, {
    video: { segmentSeconds: 2, stallTimeoutMs: 4000 },
    cameras: [testCamera('ipcam', { source: { type: 'rtsp', url: `rtsp://user:secretpw@127.0.0.1:${port}/cam`, timeoutMs: 3000 } })],
  });
  const cam = d.controller.video!.pipeline('ipcam')!;
  await waitFor(() => segmentsOf(cam.dir).length >= 2, 'segments from the RTSP camera', 90_000);
  t.equal(cam.health().state, 'recording');
  t.equal(cam.health().recorder.restarts, 0);
  t.match(cam.health().source, /^rtsp rtsp:\/\/\[redacted\]@127\.0\.0\.1/, 'camera credentials are not shown');

  camera.kill('SIGSTOP'); // frozen: the TCP connection stays open, nothing comes
  await waitFor(() => cam.health().recorder.restarts >= 1, 'the freeze to be detected', 60_000);
  t.match(cam.health().recorder.lastExit?.reason, /stalled|input ended/, `ended because: ${cam.health().recorder.lastExit?.reason}`);
  t.not(cam.health().state, 'recording', 'not reported as recording while the camera is frozen');

  camera.kill('SIGCONT');
  const before = segmentsOf(cam.dir).length;
  await waitFor(() => cam.health().state === 'recording' && segmentsOf(cam.dir).length > before + 1, 'recording again once the camera is back', 120_000);
  t.notOk(JSON.stringify(d.logs).includes('secretpw'), 'the camera password is in no log line');
});

t.test('a wrong passphrase is a configuration error: reported, not retried hot, never logged', { skip: missingTools() }, async (t) => {
  const dir = tempDir(t);
  const wrong = 'this-is-the-wrong-one';
  writeFileSync(join(dir, 'srt.passphrase'), wrong);
  const rx = await startReceiver(t, { passphrase: 'the-hospitals-real-passphrase' });
  const d = await startDaemon(
    t,
    {
      video: { segmentSeconds: 2, live: { url: `srt://127.0.0.1:${rx.port}`, passphraseFile: 'srt.passphrase', latencyMs: 500, configErrorRetryMs: 120_000 } },
      cameras: [testCamera('cabin')],
    },
    { dir },
  );
  const cam = d.controller.video!.pipeline('cabin')!;
  await waitFor(() => cam.health().live.state === 'config-error', 'the rejection to be classified', 60_000);
  const h = cam.health();
  t.match(h.live.reason, /rejected the SRT passphrase/);
  t.equal(h.live.sender?.failure?.kind, 'bad-passphrase');
  const restarts = h.live.sender!.restarts;
  await waitFor(() => segmentsOf(cam.dir).length >= 2, 'the recording going on regardless', 60_000);
  t.equal(cam.health().live.sender!.restarts, restarts, 'no restart while waiting out the retry period');
  t.equal(cam.health().live.state, 'config-error');
  t.equal(rx.bytes, 0, 'nothing reached the ingest');

  const status = await runCli(['video', 'status', '--socket', d.socket]);
  t.equal(status.code, 1, 'video status fails on a configuration error');
  t.match(status.stdout, /config-error/);
  t.match(status.stdout, /rejected the SRT passphrase/);
  const everything = JSON.stringify(d.logs) + status.stdout + JSON.stringify(cam.health());
  t.notOk(everything.includes(wrong), 'the passphrase is in no log line and no status');
  t.ok(d.logs.some((l) => l.msg === 'the hospital rejected the SRT passphrase' && l.level === 'error'), 'logged once as an error');
});

t.test('an unusable passphrase file is reported without quoting it; recording still runs', { skip: missingTools() }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'short.passphrase'), 'short&bad');
  const d = await startDaemon(
    t,
    { video: { segmentSeconds: 2, live: { url: 'srt://127.0.0.1:9', passphraseFile: 'short.passphrase' } }, cameras: [testCamera('cabin')] },
    { dir },
  );
  const cam = d.controller.video!.pipeline('cabin')!;
  t.equal(cam.health().live.state, 'config-error');
  t.match(cam.health().live.reason, /must be 10 to 79 characters/);
  t.notOk(JSON.stringify(d.logs).includes('short&bad'));
  await waitFor(() => segmentsOf(cam.dir).length >= 1, 'recording without the live leg', 60_000);
});

t.test('an unplugged USB camera is reported as such and retried with backoff; hardware encoders fall back to libx264', async (t) => {
  const d = await startDaemon(t, {
    video: { segmentSeconds: 2 },
    cameras: [
      testCamera('usbcam', { source: { type: 'v4l2', device: '/dev/ambulink-test-no-such-camera' }, encoders: ['nvenc', 'v4l2m2m', 'libx264'] }),
      testCamera('cabin', { encoders: ['vaapi', 'libx264'] }),
    ],
  });
  const video = d.controller.video!;
  const usb = video.pipeline('usbcam')!;
  await waitFor(() => usb.health().recorder.restarts >= 2, 'two failed starts', 60_000);
  const h = usb.health();
  t.match(h.recorder.failure, { kind: 'camera-unplugged', config: false, text: /unplugged/ });
  t.not(h.state, 'recording');
  t.equal(h.encoder, 'libx264', 'no NVIDIA or V4L2 M2M encoder on this box: libx264');
  t.ok(d.logs.some((l) => l.msg === 'encoder not usable here' && l.camera === 'usbcam' && l.encoder === 'nvenc'), 'the rejected encoder is logged');
  const cabin = video.pipeline('cabin')!;
  await waitFor(() => segmentsOf(cabin.dir).length >= 1, 'the other camera records regardless', 60_000);
  t.equal(cabin.health().encoder, 'libx264');
  const status = await runCli(['video', 'status', '--socket', d.socket]);
  t.equal(status.code, 1, 'a camera that does not record fails the status');
  t.match(status.stdout, /usbcam\s+(restarting|starting)\s.*unplugged/);
});
