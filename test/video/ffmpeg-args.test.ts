// Golden argv: a misplaced option silently changes what ffmpeg does, so each command line is pinned here. A change
// to one of these arrays must be deliberate (and re-verified against Debian's ffmpeg).
import t from 'tap';
import { packetsPerSecond, probeArgs, recorderArgs, shaperArgs, srtSenderArgs } from '../../src/video/ffmpeg-args.js';

const common = ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-progress', 'pipe:1', '-stats_period', '1'];
const x264 = (kbps: number, fps: number) => [
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
  '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps / 2}k`, '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0', '-r', String(fps),
];

t.test('recorder: test source, libx264, tee to fMP4 segments and loopback UDP', async (t) => {
  const argv = recorderArgs({
    source: { type: 'test', pattern: 'testsrc2' },
    encode: { width: 1280, height: 720, fps: 30, encoder: 'libx264', bitrateKbps: 2500, scale: false },
    dir: '/var/lib/ambulink/video/cabin',
    prefix: 'AMB-042_cabin',
    segmentSeconds: 10,
    segmentList: '/var/lib/ambulink/video/cabin/.segments-1.csv',
    livePort: 40000,
  });
  t.same(argv, [
    ...common,
    '-re', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30',
    '-map', '0:v',
    ...x264(2500, 30),
    '-flags', '+global_header',
    '-f', 'tee',
    '[f=segment:segment_time=10:segment_atclocktime=1:strftime=1:reset_timestamps=1:segment_format=mp4:segment_format_options=movflags=+frag_keyframe+empty_moov+default_base_moof\\\\:flush_packets=1:segment_list=/var/lib/ambulink/video/cabin/.segments-1.csv:segment_list_type=csv:segment_list_flags=+live]/var/lib/ambulink/video/cabin/AMB-042_cabin_%Y%m%dT%H%M%SZ.mp4|[f=mpegts:onfail=ignore]udp://127.0.0.1:40000?pkt_size=1316',
  ]);
});

t.test('recorder: V4L2 MJPEG camera without live leg', async (t) => {
  const argv = recorderArgs({
    source: { type: 'v4l2', device: '/dev/video0', inputFormat: 'mjpeg' },
    encode: { width: 1280, height: 720, fps: 30, encoder: 'libx264', bitrateKbps: 2000, scale: false },
    dir: '/rec/c',
    prefix: 'V_c',
    segmentSeconds: 10,
    segmentList: '/rec/c/l.csv',
  });
  t.same(argv.slice(common.length, common.length + 13), ['-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '30', '-thread_queue_size', '512', '-i', '/dev/video0', '-map']);
  t.notOk(argv.at(-1)!.includes('udp://'), 'no live target');
});

t.test('recorder: RTSP camera scaled, VAAPI encoder with its device and upload filter', async (t) => {
  const argv = recorderArgs({
    source: { type: 'rtsp', url: 'rtsp://10.0.0.5/stream1', transport: 'tcp', timeoutMs: 3000 },
    encode: { width: 1280, height: 720, fps: 25, encoder: 'vaapi', bitrateKbps: 3000, scale: true },
    dir: '/rec/c',
    prefix: 'V_c',
    segmentSeconds: 10,
    segmentList: '/rec/c/l.csv',
  });
  t.same(argv.slice(common.length, common.length + 8), ['-vaapi_device', '/dev/dri/renderD128', '-rtsp_transport', 'tcp', '-timeout', '3000000', '-i', 'rtsp://10.0.0.5/stream1']);
  const vf = argv.indexOf('-vf');
  t.equal(argv[vf + 1], 'scale=1280:720,format=nv12,hwupload');
  t.same(argv.slice(vf + 2, vf + 8), ['-c:v', 'h264_vaapi', '-rc_mode', 'CBR', '-bf', '0']);
});

t.test('recorder: NVENC and v4l2m2m encoder options', async (t) => {
  const base = { source: { type: 'test' as const, pattern: 'testsrc2' as const }, dir: '/r', prefix: 'p', segmentSeconds: 10, segmentList: '/r/l.csv' };
  const nv = recorderArgs({ ...base, encode: { width: 640, height: 360, fps: 30, encoder: 'nvenc', bitrateKbps: 1000, scale: false } });
  t.ok(nv.join(' ').includes('-c:v h264_nvenc -preset p4 -tune ll -rc cbr -zerolatency 1 -delay 0 -bf 0'));
  const pi = recorderArgs({ ...base, encode: { width: 640, height: 360, fps: 30, encoder: 'v4l2m2m', bitrateKbps: 1000, scale: false } });
  t.ok(pi.join(' ').includes('-c:v h264_v4l2m2m -pix_fmt yuv420p -b:v 1000k'));
});

t.test('recorder: refuses paths the tee muxer would misread', async (t) => {
  const base = { source: { type: 'test' as const, pattern: 'testsrc2' as const }, encode: { width: 64, height: 64, fps: 5, encoder: 'libx264' as const, bitrateKbps: 100, scale: false }, prefix: 'p', segmentSeconds: 10 };
  t.throws(() => recorderArgs({ ...base, dir: '/rec/a|b', segmentList: '/rec/l.csv' }), /contains one of/);
  t.throws(() => recorderArgs({ ...base, dir: '/rec', segmentList: 'C:/l.csv' }), /contains one of/);
});

t.test('shaper: copy, or transcode at the live bitrate', async (t) => {
  const input = ['-fflags', 'nobuffer', '-probesize', '500000', '-analyzeduration', '1000000', '-f', 'mpegts', '-i', 'udp://127.0.0.1:40000?timeout=5000000&fifo_size=100000&overrun_nonfatal=1', '-map', '0:v'];
  t.same(shaperArgs({ inPort: 40000, outPort: 40001 }), [...common, ...input, '-c:v', 'copy', '-f', 'mpegts', 'udp://127.0.0.1:40001?pkt_size=1316']);
  t.same(shaperArgs({ inPort: 40000, outPort: 40001, transcode: { width: 1280, height: 720, fps: 30, encoder: 'libx264', bitrateKbps: 800, scale: true } }), [
    ...common, ...input, ...x264(800, 30), '-f', 'mpegts', 'udp://127.0.0.1:40001?pkt_size=1316',
  ]);
});

t.test('shaper: a VAAPI re-encode names its device before the input', async (t) => {
  const argv = shaperArgs({ inPort: 1, outPort: 2, transcode: { width: 1280, height: 720, fps: 30, encoder: 'vaapi', bitrateKbps: 800, scale: false } });
  t.same(argv.slice(common.length, common.length + 2), ['-vaapi_device', '/dev/dri/renderD128']);
  t.ok(argv.join(' ').includes('-vf format=nv12,hwupload -c:v h264_vaapi'));
});

t.test('SRT sender: caller, latency in ms, stream id, passphrase only when set', async (t) => {
  t.same(
    srtSenderArgs({ inPort: 40001, url: 'srt://ingest.example:9000', passphrase: 'abcdefghijkl', pbkeylen: 32, latencyMs: 1200, streamId: 'publish:AMB-042/cabin', statsEveryPackets: 237 }),
    ['-autoreconnect:yes', '-stats:237', '-statspf:json', '-loglevel:warn', 'udp://127.0.0.1:40001', 'srt://ingest.example:9000?mode=caller&transtype=live&latency=1200&streamid=publish:AMB-042/cabin&passphrase=abcdefghijkl&pbkeylen=32'],
  );
  t.equal(
    srtSenderArgs({ inPort: 1, url: 'srt://h:1', pbkeylen: 16, latencyMs: 500, streamId: 'publish:V/c', statsEveryPackets: 10 }).at(-1),
    'srt://h:1?mode=caller&transtype=live&latency=500&streamid=publish:V/c',
  );
});

t.test('probe: one frame to the null muxer', async (t) => {
  t.same(probeArgs('libx264', { width: 320, height: 240, fps: 10 }).slice(0, 9), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10', '-frames:v']);
  t.same(probeArgs('libx264', { width: 320, height: 240, fps: 10 }).slice(-3), ['-f', 'null', '-']);
});

t.test('stats period in packets for about one second', async (t) => {
  t.equal(packetsPerSecond(2500), 237);
  t.equal(packetsPerSecond(10), 10, 'never below 10');
});
