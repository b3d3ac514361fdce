// What the child processes print is input from outside: random and mutated output never throws, never yields a
// non-finite number, and the progress parser resynchronises at the next line break.
import t from 'tap';
import { parseSrtStats } from '../../src/video/link-conditions.js';
import { ProgressParser, type Progress } from '../../src/video/progress.js';
import { chunks, mutate, randomBytes, seededRandom } from '../helpers/fuzz.js';

const block = (n: number) => `frame=${n}\nfps=30.0\nstream_0_0_q=23.0\nbitrate=N/A\ntotal_size=N/A\nout_time_us=${n * 33333}\nout_time_ms=${n * 33333}\nout_time=00:00:01.000000\ndup_frames=0\ndrop_frames=0\nspeed=1.00x\nprogress=continue\n`;
const stats = '{"sid":1,"time":1060,"window":{"flow":8136},"link":{"rtt":0.056,"bandwidth":11.64},"send":{"packets":95,"packetsLost":0,"msBuf":1,"mbitRate":0.89},"recv":{}}';

t.test('progress parser: 20k random and mutated inputs', async (t) => {
  const random = seededRandom(8);
  let blocks = 0;
  for (let i = 0; i < 20_000; i++) {
    const got: Progress[] = [];
    const p = new ProgressParser((b) => got.push(b));
    const input = i % 2 ? randomBytes(random, 400) : mutate(Buffer.from(block(i) + block(i + 1)), random);
    for (const c of chunks(input, random, 32)) p.push(c.toString('latin1'));
    p.push(`\n${block(7)}`); // after the next line break, a good block is always recognised
    for (const b of got) {
      for (const v of [b.frame, b.fps, b.outTimeUs, b.speed, b.dropFrames, b.dupFrames]) if (!Number.isFinite(v)) t.fail(`non-finite value from ${JSON.stringify(input.toString('latin1'))}`);
    }
    if (got.at(-1)?.frame !== 7) t.fail(`did not resynchronise after ${JSON.stringify(input.toString('latin1'))}`);
    blocks += got.length;
  }
  t.ok(blocks >= 20_000);
});

t.test('SRT statistics parser: 20k mutated lines', async (t) => {
  const random = seededRandom(9);
  let samples = 0;
  for (let i = 0; i < 20_000; i++) {
    const s = parseSrtStats(mutate(Buffer.from(stats), random).toString('latin1'));
    if (s) {
      samples++;
      if (![s.rttMs, s.sendBufferMs ?? 0, s.lossRatio ?? 0].every((v) => typeof v === 'number')) t.fail('a sample with a non-number');
    }
  }
  t.ok(samples > 0, `${samples} mutated lines still parsed`);
});
