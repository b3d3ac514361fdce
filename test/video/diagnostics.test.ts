import t from 'tap';
import { classify, RingBuffer } from '../../src/video/diagnostics.js';
import { parseSrtStats } from '../../src/video/link-conditions.js';
import { redactor } from '../../src/video/passphrase.js';
import { ProgressParser, type Progress } from '../../src/video/progress.js';

t.test('progress blocks parsed across chunk boundaries; N/A and "x" suffixes handled', async (t) => {
  const blocks: Progress[] = [];
  const p = new ProgressParser((b) => blocks.push(b));
  const text = 'frame=30\nfps=29.97\nbitrate=N/A\ntotal_size=N/A\nout_time_us=1000000\nout_time_ms=1000000\ndup_frames=0\ndrop_frames=2\nspeed=1.01x\nprogress=continue\nframe=60\nfps=30.0\nout_time_us=2000000\nspeed=0.99x\nprogress=end\n';
  for (let i = 0; i < text.length; i += 7) p.push(text.slice(i, i + 7));
  t.equal(blocks.length, 2);
  t.match(blocks[0], { frame: 30, fps: 29.97, outTimeUs: 1_000_000, speed: 1.01, dropFrames: 2, dupFrames: 0, end: false });
  t.match(blocks[1], { frame: 60, outTimeUs: 2_000_000, speed: 0.99, dropFrames: 0, end: true });
});

t.test('progress parser survives garbage without growing', async (t) => {
  const blocks: Progress[] = [];
  const p = new ProgressParser((b) => blocks.push(b));
  p.push('x'.repeat(10_000));
  p.push('\n=broken\nspeed=fast\nprogress=continue\n');
  t.equal(blocks.length, 1);
  t.equal(blocks[0]!.speed, 0, 'unparseable numbers read as 0');
});

t.test('known failures classified; configuration errors flagged', async (t) => {
  t.match(classify('12:00:00.1/SRT:RcvQ:w1!W:SRT.cn: processAsyncConnectRequest: REJECT reported from HS processing: Incorrect passphrase - not processing further'), { kind: 'bad-passphrase', config: true });
  t.match(classify('[video4linux2,v4l2 @ 0x55] Cannot open video device /dev/video0: No such file or directory'), { kind: 'camera-unplugged', config: false });
  t.match(classify('[video4linux2,v4l2 @ 0x55] ioctl(VIDIOC_STREAMON): Device or resource busy'), { kind: 'device-busy', config: false });
  t.match(classify('[tcp @ 0x1] Connection to tcp://10.0.0.5:554?timeout=0 failed: Connection refused'), { kind: 'unreachable' });
  t.match(classify('Unknown encoder \'h264_nvenc\''), { kind: 'encoder-unavailable', config: true });
  t.match(classify('[mp4 @ 0x1] Error writing: No space left on device'), { kind: 'disk-full', config: false });
  t.equal(classify('[segment @ 0x1] Opening \'x.mp4\' for writing'), undefined);
});

t.test('redaction: passphrase by value and by key, RTSP credentials', async (t) => {
  const r = redactor(['s3cret-pass-phrase']);
  t.equal(r("Media path: 'udp://127.0.0.1:1' --> 'srt://h:9?passphrase=s3cret-pass-phrase&pbkeylen=32'"), "Media path: 'udp://127.0.0.1:1' --> 'srt://h:9?passphrase=[redacted]&pbkeylen=32'");
  t.equal(r('the secret s3cret-pass-phrase echoed'), 'the secret [redacted] echoed');
  t.equal(r('rtsp://admin:hunter2@10.0.0.5/live'), 'rtsp://[redacted]@10.0.0.5/live');
  t.equal(r('nothing to hide'), 'nothing to hide');
});

t.test('ring buffer keeps the last lines within its byte budget', async (t) => {
  const b = new RingBuffer(100);
  for (let i = 0; i < 50; i++) b.push(`line ${i} ${'x'.repeat(10)}`);
  const tail = b.tail();
  t.ok(tail.join('\n').length <= 100);
  t.equal(tail.at(-1), `line 49 ${'x'.repeat(10)}`);
  b.push('y'.repeat(500));
  t.equal(b.tail().length, 1, 'an over-long line is cut, not allowed to grow the buffer');
});

t.test('srt-live-transmit JSON statistics become a link sample', async (t) => {
  const line = '{"sid":1,"time":1060,"link":{"rtt":290.5,"bandwidth":11.6},"send":{"packets":180,"packetsLost":20,"packetsRetransmitted":9,"msBuf":520,"mbitRate":1.25},"recv":{}}';
  t.same(parseSrtStats(line), { rttMs: 290.5, sendBufferMs: 520, lossRatio: 0.1, throughputKbps: 1250, source: 'srt' });
  t.equal(parseSrtStats('SRT target connected'), undefined);
  t.equal(parseSrtStats('{"broken'), undefined);
  t.equal(parseSrtStats('{"link":{}}'), undefined);
});
