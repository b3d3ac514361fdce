import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MllpFramer, mllp } from '../../../drivers/hl7-pcd01/framer.js';
import { packageRoot } from '../../../src/core/paths.js';
import { chunks, mutate, randomBytes, seededRandom } from '../../helpers/fuzz.js';

const sample = readFileSync(join(packageRoot(), 'fixtures/hl7-pcd01/ipf-pcd01-request-nibp.mllp'));

const frames = (input: Buffer, framer = new MllpFramer()) => {
  const out: string[] = [];
  framer.push(input, (f) => out.push(f.bytes.toString('latin1')));
  return { out, stats: framer.stats };
};

t.test('one frame, two frames in one chunk, one frame byte by byte', async (t) => {
  t.equal(frames(sample).out.length, 1);
  t.match(frames(sample).out[0], /^MSH\|\^~\\&\|AcmeInc/);
  const two = frames(Buffer.concat([sample, Buffer.from('\r\n'), sample]));
  t.equal(two.out.length, 2);
  t.equal(two.stats.bytesDropped, 0, 'line ends between frames are not garbage');
  const framer = new MllpFramer();
  const split: string[] = [];
  for (let i = 0; i < sample.length; i++) framer.push(sample.subarray(i, i + 1), (f) => split.push(f.bytes.toString('latin1')));
  t.same(split, frames(sample).out);
});

t.test('broken trailers, restarts and garbage are dropped; the next frame comes through', async (t) => {
  const input = Buffer.concat([
    Buffer.from('garbage'),
    Buffer.from('\x0bMSH|cut short'),
    Buffer.from('\x0bMSH|no cr\x1cX'),
    sample,
  ]);
  const { out, stats } = frames(input);
  t.equal(out.length, 1);
  t.equal(stats.framesDropped, 2);
  t.ok(stats.bytesDropped >= 7 + 13 + 10);
});

t.test('a runaway message is dropped at 1 MB and the framer recovers', async (t) => {
  const huge = Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(1_100_000, 0x41)]);
  const { out, stats } = frames(Buffer.concat([huge, sample]));
  t.equal(out.length, 1);
  t.equal(stats.framesDropped, 1);
});

t.test('fuzz: 100k random and mutated inputs never crash or hang, and always resynchronise', async (t) => {
  const random = seededRandom(0x4c7);
  const sentinel = mllp('MSH|^~\\&|S|F|||20260101||ORU^R01|SENTINEL|P|2.6');
  let resyncFailures = 0;
  let cases = 0;
  for (; cases < 100_000; cases++) {
    const framer = new MllpFramer();
    const input = cases % 2 === 0 ? randomBytes(random, 300) : mutate(sample, random);
    const out: string[] = [];
    for (const c of chunks(input, random)) framer.push(c, (f) => out.push(f.bytes.toString('latin1')));
    framer.push(sentinel, (f) => out.push(f.bytes.toString('latin1')));
    if (!out[out.length - 1]?.includes('SENTINEL')) resyncFailures++;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0);
});
