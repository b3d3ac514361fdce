// The MIB/RS-232 framer: the reference's worked frame, escapes (of the FCS too), FCS residue, every way a frame can be
// broken, and 100k fuzzed inputs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { BOF, encodeMibFrame, EOF, ESC, fcs16, FCS_GOOD, MAX_FRAME, MibFramer } from '../../../drivers/philips-intellivue/mib-framer.js';
import { pollRequest } from '../../../drivers/philips-intellivue/messages.js';
import { packageRoot } from '../../../src/core/paths.js';
import { chunks, mutate, randomBytes, seededRandom, singleEdit } from '../../helpers/fuzz.js';

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures/philips-intellivue', name));

/** Hex lines of the vectors file, by the comment line above them. */
function vector(after: RegExp): Buffer {
  const lines = fixture('intellivue-vectors.txt').toString('latin1').split('\n');
  const i = lines.findIndex((l) => after.test(l));
  const hex = lines.slice(i + 1).find((l) => !l.startsWith('#'))!;
  return Buffer.from(hex.replace(/\s+/g, ''), 'hex');
}

const frames = (input: Buffer, framer = new MibFramer()) => {
  const out: Buffer[] = [];
  framer.push(input, (m) => out.push(Buffer.from(m)));
  return { out, stats: framer.stats };
};

t.test("the reference's worked frame: a single numeric poll, FCS 8E 95", async (t) => {
  const frame = vector(/Same payload framed for RS-232/);
  t.equal(frame.length, 44);
  const { out, stats } = frames(frame);
  t.equal(out.length, 1);
  t.same(out[0], pollRequest(0, 0x0006, 1), 'the user data is the 36-byte poll request');
  t.equal(stats.frames, 1);
  t.same(encodeMibFrame(pollRequest(0, 0x0006, 1)), frame, 'and encoding gives the same bytes back');
  const raw = frame.subarray(1, -1);
  t.equal(fcs16(raw), FCS_GOOD, 'FCS over data and FCS leaves the good residue 0xF0B8');
});

t.test('0xC0, 0xC1 and 0x7D are escaped in the data and in the FCS', async (t) => {
  const message = Buffer.from([0xe1, 0xc0, 0x00, 0xc1, 0x7d, 0x20, 0x5d, 0xe0]);
  const wire = encodeMibFrame(message);
  const inner = wire.subarray(1, -1);
  t.notOk(inner.includes(BOF) || inner.includes(EOF), 'no BOF or EOF inside the frame');
  t.ok(wire.includes(Buffer.from([ESC, 0xe0])) && wire.includes(Buffer.from([ESC, 0xe1])) && wire.includes(Buffer.from([ESC, 0x5d])));
  t.same(frames(wire).out, [message]);
  // Find messages whose FCS itself needs escaping, and check they survive the round trip.
  let escapedFcs = 0;
  for (let i = 0; i < 5000 && escapedFcs < 20; i++) {
    const m = Buffer.from([0xe1, i & 0xff, i >> 8, 0x02]);
    const w = encodeMibFrame(m);
    const tail = w.subarray(-4, -1);
    if (!tail.includes(ESC)) continue;
    escapedFcs++;
    t.same(frames(w).out, [m], `message ${m.toString('hex')} with an escaped FCS byte`);
  }
  t.ok(escapedFcs >= 5, `${escapedFcs} messages with an escaped FCS checked`);
});

t.test('a bad FCS is counted and never delivered', async (t) => {
  const wire = Buffer.from(encodeMibFrame(pollRequest(3, 0x0009, 7)));
  wire[10] = wire[10]! ^ 0x01;
  const { out, stats } = frames(wire);
  t.same(out, []);
  t.equal(stats.checksumErrors, 1);
  t.equal(stats.framesDropped, 1);
});

t.test('abort sequence, cut frames, wrong header, over-long frames and noise are dropped; good frames still pass', async (t) => {
  const good = encodeMibFrame(pollRequest(1, 0x0006, 1));
  const aborted = Buffer.concat([good.subarray(0, 12), Buffer.from([ESC, EOF])]);
  const cut = good.subarray(0, 20); // a new BOF interrupts it
  const foreign = (() => {
    // Intact FCS, but protocol id 0x12: not Data Export.
    const raw = Buffer.from([0x12, 0x01, 0x00, 0x01, 0xaa, 0, 0]);
    const fcs = ~fcs16(raw, 0, 5) & 0xffff;
    raw[5] = fcs & 0xff;
    raw[6] = fcs >> 8;
    return Buffer.concat([Buffer.from([BOF]), raw, Buffer.from([EOF])]);
  })();
  const tooLong = Buffer.concat([Buffer.from([BOF]), Buffer.alloc(MAX_FRAME + 10, 0x55), Buffer.from([EOF])]);
  const input = Buffer.concat([Buffer.from('noise\x00\xff'), aborted, good, cut, good, foreign, tooLong, Buffer.from([EOF, EOF]), good]);
  const { out, stats } = frames(input);
  t.equal(out.length, 3, 'the three intact frames');
  for (const m of out) t.same(m, pollRequest(1, 0x0006, 1));
  t.ok(stats.framesDropped >= 4, `aborted, cut, foreign and over-long frames counted (${stats.framesDropped})`);
  t.ok(stats.bytesDropped > MAX_FRAME, 'their bytes counted');
});

t.test('byte-at-a-time delivery gives the same messages as one chunk', async (t) => {
  const capture = fixture('sim-stemi.mib');
  const whole = frames(capture).out;
  const framer = new MibFramer();
  const split: Buffer[] = [];
  for (let i = 0; i < capture.length; i++) framer.push(capture.subarray(i, i + 1), (m) => split.push(Buffer.from(m)));
  t.same(split, whole);
  t.ok(whole.length > 40);
});

t.test('fuzz: 100k random and mutated inputs never crash, hang or deliver a corrupted message', async (t) => {
  const random = seededRandom(0x1e11);
  const messages = frames(fixture('sim-stemi.mib')).out.filter((m) => m.length < 600);
  const originals = new Set(messages.map((m) => m.toString('hex')));
  const sentinelMessage = pollRequest(0x4242, 0x0036, 9);
  const sentinel = encodeMibFrame(sentinelMessage);
  let cases = 0;
  let foreign = 0;
  let resyncFailures = 0;
  for (; cases < 100_000; cases++) {
    const framer = new MibFramer();
    const frame = encodeMibFrame(messages[cases % messages.length]!);
    const kind = cases % 3; // 0 random bytes, 1 several edits, 2 a single edit
    const input = kind === 0 ? randomBytes(random, 300) : kind === 1 ? mutate(frame, random) : singleEdit(frame, random);
    const out: Buffer[] = [];
    for (const c of chunks(input, random)) framer.push(c, (m) => out.push(Buffer.from(m)));
    // Whatever came before, a clean frame after it must come through.
    framer.push(sentinel, (m) => out.push(Buffer.from(m)));
    if (!out.length || !out[out.length - 1]!.equals(sentinelMessage)) resyncFailures++;
    // A single-byte corruption of a real frame must never come out as some other message.
    if (kind === 2) for (const m of out.slice(0, -1)) if (!originals.has(m.toString('hex'))) foreign++;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0, 'always resynchronised on the next BOF');
  t.equal(foreign, 0, 'no single-byte corruption slipped through FCS and length checks');
});
