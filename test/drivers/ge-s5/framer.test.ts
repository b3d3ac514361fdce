import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { GeS5Framer, encodeFrame } from '../../../drivers/ge-s5/framer.js';
import { SR_PHDB_DISPLAYED, SR_PHDB_TREND_60S, WAVE_START, phdbRequest, waveRequest } from '../../../drivers/ge-s5/record.js';
import { packageRoot } from '../../../src/core/paths.js';
import { chunks, mutate, randomBytes, seededRandom, singleEdit } from '../../helpers/fuzz.js';

const fixtures = join(packageRoot(), 'fixtures/ge-s5');

/** The request frames printed in GE's interface specification (M1017617, App. A), as hex lines. */
function vectors(): Buffer[] {
  return readFileSync(join(fixtures, 'ge-s5-vectors.txt'), 'utf8')
    .split('\n')
    .filter((l) => /^7e /.test(l))
    .map((l) => Buffer.from(l.replace(/\s+/g, ''), 'hex'));
}

const frames = (input: Buffer, framer = new GeS5Framer()) => {
  const out: Buffer[] = [];
  framer.push(input, (f) => out.push(f));
  return { out, stats: framer.stats };
};

t.test("GE's worked request frames: our encoder produces them byte for byte and the framer takes them back", async (t) => {
  const v = vectors();
  t.equal(v.length, 4);
  t.same(encodeFrame(phdbRequest(SR_PHDB_DISPLAYED, 10, 0x0e)), v[0], 'displayed values every 10 s, all classes');
  t.same(encodeFrame(phdbRequest(SR_PHDB_DISPLAYED, 0, 0)), v[1], 'stop');
  t.same(encodeFrame(phdbRequest(SR_PHDB_TREND_60S, 60, 0x0e)), v[2], '60 s trend: checksum 0x7D goes out escaped as 7D 5D');
  // The printed wave request has 73 record bytes for an r_len of 72: one zero too many in its padding, which an
  // 8-bit sum cannot notice. Ours is 72 bytes; the framer refuses the printed one on its length.
  const wave = v[3]!;
  t.equal(wave.length, 76);
  t.same(encodeFrame(waveRequest(WAVE_START, [1])), Buffer.concat([wave.subarray(0, 73), wave.subarray(74)]), 'start ECG1');
  const { out, stats } = frames(Buffer.concat(v));
  t.equal(out.length, 3);
  t.equal(stats.checksumErrors, 0);
  t.equal(stats.framesDropped, 1, 'the printed wave request: r_len disagrees with its length');
  t.equal(out[2]!.length, 49);
  const ours = frames(encodeFrame(waveRequest(WAVE_START, [1]))).out[0]!;
  t.equal(ours.readUInt16LE(14), 1, 'r_maintype wave');
});

t.test('a bad checksum is counted and never delivered; so is an r_len that disagrees with the frame', async (t) => {
  const good = encodeFrame(phdbRequest(SR_PHDB_DISPLAYED, 10, 0x0e));
  const badSum = Buffer.from(good);
  badSum[badSum.length - 2]! ^= 0x01;
  let r = frames(badSum);
  t.same(r.out, []);
  t.equal(r.stats.checksumErrors, 1);
  // Add a zero byte (the sum does not change) and fix nothing else: only r_len can catch it.
  const longer = Buffer.concat([good.subarray(0, 30), Buffer.from([0]), good.subarray(30)]);
  r = frames(longer);
  t.same(r.out, []);
  t.equal(r.stats.framesDropped, 1);
  t.equal(r.stats.checksumErrors, 0);
});

t.test('illegal escapes, aborts and over-long frames are dropped; the next frame comes through', async (t) => {
  const good = encodeFrame(waveRequest(WAVE_START, [1, 2, 3]));
  const badEscape = Buffer.concat([Buffer.from([0x7e, 0x31, 0x7d, 0x41]), Buffer.alloc(60)]);
  const abort = Buffer.from([0x7e, 0x31, 0x00, 0x7d]);
  const long = Buffer.concat([Buffer.from([0x7e]), Buffer.alloc(5000, 0x11)]);
  const { out, stats } = frames(Buffer.concat([Buffer.from('noise'), badEscape, abort, good, long, good]));
  t.equal(out.length, 2);
  t.ok(stats.framesDropped >= 3);
  t.ok(stats.bytesDropped > 5000);
});

t.test('byte-at-a-time delivery of the real capture gives the same frames as one chunk', async (t) => {
  const raw = readFileSync(join(fixtures, 'AS3Rawoutput1.raw'));
  const whole = frames(raw);
  t.equal(whole.out.length, 123, '123 valid records in the AS/3 capture');
  t.equal(whole.stats.framesDropped, 2, 'its two broken frames from appended sessions are dropped');
  const framer = new GeS5Framer();
  const split: Buffer[] = [];
  for (let i = 0; i < raw.length; i++) framer.push(raw.subarray(i, i + 1), (f) => split.push(f));
  t.same(split, whole.out);
});

t.test('fuzz: 100k random and mutated inputs never crash, hang or deliver a corrupted record', async (t) => {
  const random = seededRandom(0x5e5);
  const raw = readFileSync(join(fixtures, 'AS3Rawoutput1.raw'));
  const records = frames(raw).out;
  const originals = new Set(records.map((r) => r.toString('hex')));
  // Short frames keep 100k cases fast: requests of every kind, and the real records re-framed.
  const inputs = [
    encodeFrame(phdbRequest(SR_PHDB_DISPLAYED, 10, 0x0e)),
    encodeFrame(phdbRequest(SR_PHDB_TREND_60S, 60, 0x0e)),
    encodeFrame(waveRequest(WAVE_START, [1, 2, 3, 8, 9])),
    ...records.slice(0, 8).map((r) => encodeFrame(r)),
  ];
  for (const i of inputs.slice(0, 3)) originals.add(frames(i).out[0]!.toString('hex'));
  const sentinel = encodeFrame(phdbRequest(SR_PHDB_DISPLAYED, 0, 0));
  const sentinelHex = frames(sentinel).out[0]!.toString('hex');
  let foreign = 0;
  let resyncFailures = 0;
  let cases = 0;
  for (; cases < 100_000; cases++) {
    const framer = new GeS5Framer();
    const frame = inputs[cases % inputs.length]!;
    const kind = cases % 3;
    const input = kind === 0 ? randomBytes(random, 300) : kind === 1 ? mutate(frame, random) : singleEdit(frame, random);
    const out: Buffer[] = [];
    for (const c of chunks(input, random)) framer.push(c, (f) => out.push(f));
    // Whatever came before, a flag and a clean frame must come through.
    framer.push(sentinel, (f) => out.push(f));
    if (out[out.length - 1]?.toString('hex') !== sentinelHex) resyncFailures++;
    if (kind === 2) for (const f of out.slice(0, -1)) if (!originals.has(f.toString('hex'))) foreign++;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0, 'always resynchronised');
  t.equal(foreign, 0, 'no single-byte corruption slipped through checksum and length');
});
