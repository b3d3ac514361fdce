// Stopping a camera with live video: every video process ends on its SIGTERM, none waits for the SIGKILL grace. The
// live shaper (ffmpeg) reads the recorder's stream over UDP; stopped after the recorder, one SIGTERM left it blocked
// in a read with no more input until its input timeout, and the daemon's stop (`ambulink demo`'s budget) waited.
// Real ffmpeg and srt-live-transmit, a local SRT listener standing in for the hospital.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { missingTools, startReceiver, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

t.test('stop with live video running: recorder, shaper and sender all end on SIGTERM', { skip: missingTools() }, async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, 'srt.passphrase'), 'correct-horse-battery-staple\n');
  const rx = await startReceiver(t, { passphrase: 'correct-horse-battery-staple' });
  const d = await startDaemon(t, { video: { live: { url: `srt://127.0.0.1:${rx.port}`, passphraseFile: 'srt.passphrase', latencyMs: 500 } }, cameras: [testCamera('cabin')] }, { dir });
  const cam = d.controller.video!.pipeline('cabin')!;
  await waitFor(() => cam.health().live.state === 'connected' && rx.bytes > 30_000, 'live video at the receiver', 90_000);

  await d.stop();
  const h = cam.health();
  for (const [name, p] of [['recorder', h.recorder], ['shaper', h.live.shaper], ['sender', h.live.sender]] as const) {
    t.match(p?.lastExit, { reason: 'stopped' }, `the ${name} was stopped`);
    t.equal(p?.lastExit?.signal, null, `the ${name} ended on SIGTERM, not by the SIGKILL after the grace (${JSON.stringify(p?.lastExit)})`);
  }
});
