// Adaptive live bitrate on a real bottleneck: the hospital ingest sits in a network namespace behind a veth pair
// whose egress is shaped with tbf to less than the camera makes. srt-live-transmit's own statistics (RTT, send
// buffer, loss) must make the controller step the live bitrate down, while the recording carries on untouched.
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { SrtReceiver } from '../../src/video/srt-receiver.js';
import { startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { missingTools, SRT_TOOL, segmentsOf, testCamera } from '../helpers/video.js';
import { waitFor } from '../helpers/wait.js';

const PASSPHRASE = 'congested-link-passphrase';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** A namespace reached over a veth pair, its egress from the host limited to `kbit`. Undefined when not permitted. */
function bottleneck(kbit: number): { address: string; netns: string; remove(): void } | string {
  if (process.getuid?.() !== 0) return 'needs root (ip netns, tc)';
  const id = randomInt(10_000, 99_999);
  const netns = `al-cg-${id}`;
  const host = `alh${id}`;
  const peer = `alp${id}`;
  const subnet = `10.${200 + randomInt(0, 50)}.${randomInt(0, 255)}`;
  const remove = () => {
    try {
      ip('link', 'del', host);
    } catch {
      /* gone with the namespace */
    }
    try {
      ip('netns', 'del', netns);
    } catch {
      /* never made */
    }
  };
  try {
    ip('netns', 'add', netns);
    ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
    ip('link', 'set', peer, 'netns', netns);
    ip('addr', 'add', `${subnet}.1/30`, 'dev', host);
    ip('link', 'set', host, 'up');
    ip('-n', netns, 'addr', 'add', `${subnet}.2/30`, 'dev', peer);
    ip('-n', netns, 'link', 'set', peer, 'up');
    ip('-n', netns, 'link', 'set', 'lo', 'up');
    execFileSync('tc', ['qdisc', 'add', 'dev', host, 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '4kb', 'latency', '300ms'], { stdio: 'pipe' });
  } catch (err) {
    remove();
    return `cannot build a test network here: ${(err as Error).message.split('\n')[0]}`;
  }
  return { address: `${subnet}.2`, netns, remove };
}

t.test('a bottleneck below the camera rate steps the live bitrate down; the recording is untouched', { skip: missingTools() }, async (t) => {
  const net = bottleneck(250);
  if (typeof net === 'string') return void t.skip(net);
  t.teardown(() => net.remove());
  const dir = tempDir(t);
  writeFileSync(join(dir, 'srt.passphrase'), PASSPHRASE);
  // The ingest runs inside the namespace: srt-live-transmit started through `ip netns exec`.
  const port = randomInt(20_000, 60_000);
  const rx = new SrtReceiver({ srtLiveTransmit: 'ip', port, passphrase: PASSPHRASE, latencyMs: 1000, prefixArgs: ['netns', 'exec', net.netns, SRT_TOOL!] });
  rx.start();
  t.teardown(() => rx.stop());
  const d = await startDaemon(
    t,
    {
      video: { segmentSeconds: 2, live: { url: `srt://${net.address}:${port}`, passphraseFile: 'srt.passphrase', latencyMs: 1000 } },
      cameras: [testCamera('cabin', { recordBitrateKbps: 600, live: { minBitrateKbps: 100 } })],
    },
    { dir },
  );
  const cam = d.controller.video!.pipeline('cabin')!;
  await waitFor(() => cam.health().live.state === 'connected', 'the live leg through the bottleneck', 60_000);
  const changed = await waitFor(() => {
    const l = cam.health().live;
    return l.targetKbps < 600 ? l : undefined;
  }, 'the controller to step down on the measured congestion', 90_000);
  t.equal(changed.mode, 'transcode');
  t.ok(changed.link && changed.link.source === 'srt', 'measured by the SRT sender');
  t.match(changed.link?.verdict, /congested|strained/);
  await waitFor(() => rx.bytes > 20_000, 'live video through the bottleneck at the lower rate', 60_000);
  const before = segmentsOf(cam.dir).length;
  await waitFor(() => segmentsOf(cam.dir).length >= before + 2, 'recording on at the full rate', 60_000);
  t.equal(cam.health().recorder.restarts, 0, 'the recorder never restarted');
  t.ok(d.logs.some((l) => l.msg === 'live bitrate changed'), 'the change is logged');
});
