import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { MedibusFramer, type MedibusFrame } from '../../../drivers/draeger-medibus/framer.js';
import { CMD, encodeCommand, encodeRealtimeEnable, encodeRealtimeRecord, encodeResponse } from '../../../drivers/draeger-medibus/protocol.js';
import { packageRoot } from '../../../src/core/paths.js';
import { chunks, mutate, randomBytes, seededRandom, singleEdit } from '../../helpers/fuzz.js';

const fixture = (name: string) => readFileSync(join(packageRoot(), 'fixtures/draeger-medibus', name));

const frames = (input: Buffer | string, framer = new MedibusFramer()) => {
  const out: MedibusFrame[] = [];
  framer.push(Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1'), (f) => out.push(f));
  return { out, stats: framer.stats };
};

/** The hex byte lists of medibus-vectors.txt, by the words that describe them. */
function vectors(): Array<{ tag: string; text: string; bytes: Buffer }> {
  const out: Array<{ tag: string; text: string; bytes: Buffer }> = [];
  let last = '';
  for (const line of fixture('medibus-vectors.txt').toString('latin1').split('\n')) {
    if (line.startsWith('#')) continue;
    if (/^\[(spec|ours)\]/.test(line)) last = line;
    for (const m of line.matchAll(/((?:[0-9A-F]{2} ){2,}[0-9A-F]{2})(?![0-9A-F])/g)) {
      out.push({ tag: last.slice(1, 5), text: last, bytes: Buffer.from(m[1]!.replace(/ /g, ''), 'hex') });
    }
  }
  return out;
}

t.test('the checksum and the builders reproduce every worked example of the spec', async (t) => {
  const v = vectors();
  const find = (words: string) => v.find((x) => x.text.includes(words))!.bytes;
  t.same(encodeCommand(CMD.icc), find('ICC command'));
  t.same(encodeResponse(CMD.icc), find('ICC response'));
  t.same(encodeCommand(CMD.identify), find('Request device ID'));
  t.same(encodeCommand(CMD.nop), find('NOP command'), 'NOP is 1B 30 34 42 0D ("4B"), not the "46" the PDF prints');
  t.same(encodeCommand(CMD.measuredCp1), find('Request CP1 data'));
  t.same(encodeResponse(CMD.measuredCp1), find('CP1 response, no data'));
  t.same(encodeResponse(CMD.measuredCp1, 'EB 98 E1 70 '), v.find((x) => x.bytes.length === 17)!.bytes);
  t.same(encodeCommand(CMD.configureResponse, '$EB'), find('Configure data response'));
  t.same(encodeResponse(CMD.configureResponse), v.find((x) => x.text.includes('Configure data response') && x.bytes[0] === 0x01)!.bytes);
  t.same(encodeCommand(CMD.realtimeConfig), find('Request RT config'));
  t.same(encodeCommand(CMD.stop), find('STOP'));
  t.same(encodeCommand(CMD.configureRealtime, '00010101'), find('Configure RT'));
  t.same(encodeRealtimeEnable(0b11), Buffer.from([0xd0, 0xc1, 0xc3, 0xc2, 0xc0, 0xc3, 0xc0, 0xc0, 0xc0]));
});

t.test('every frame of the vectors is accepted, with its code and data', async (t) => {
  for (const { text, bytes } of vectors()) {
    if (bytes[0] !== 0x01 && bytes[0] !== 0x1b) continue;
    const { out, stats } = frames(bytes);
    t.equal(out.length, 1, text.trim().slice(0, 60));
    t.equal(stats.checksumErrors, 0);
  }
  const { out } = frames(fixture('spec-frames.bin'));
  t.match(out[2], { type: 'response', code: CMD.measuredCp1, data: 'EB 98 E1 70 ' });
  t.match(out[4], { type: 'command', code: CMD.timeChanged, args: '', embeddedIn: -1 });
  t.match(out[5], { type: 'response', code: 0x15, data: '' }, 'NAK "16"');
  t.same(out[6], { type: 'realtime', mask: 0b0101, values: [0x8f0, 0xf0b] }, 'D5 B0 A3 8B BC → streams 1 and 3 = 0x8F0, 0xF0B');
});

t.test('two accumulators: a command embedded in a response, and realtime bytes anywhere', async (t) => {
  const response = encodeResponse(CMD.measuredCp1, 'EB 98 E1 70 ');
  const embedded = Buffer.concat([response.subarray(0, 7), encodeCommand(CMD.timeChanged), encodeRealtimeRecord(0b1, [0x123]), response.subarray(7)]);
  const { out, stats } = frames(embedded);
  t.same(out, [
    { type: 'command', code: CMD.timeChanged, args: '', embeddedIn: CMD.measuredCp1 },
    { type: 'realtime', mask: 1, values: [0x123] },
    { type: 'response', code: CMD.measuredCp1, data: 'EB 98 E1 70 ' },
  ]);
  t.equal(stats.framesDropped, 0);
});

t.test('realtime records for streams 5–12 (C4/C5), and sync commands from the gateway', async (t) => {
  const record = encodeRealtimeRecord(0b1010_0001_0001, [1, 2, 3, 4]);
  t.same(frames(record).out, [{ type: 'realtime', mask: 0b1010_0001_0001, values: [1, 2, 3, 4] }]);
  t.same(frames(encodeRealtimeEnable(0b101)).out, [
    { type: 'sync', command: 0xc1, arg: 0xc5 },
    { type: 'sync', command: 0xc2, arg: 0xc0 },
    { type: 'sync', command: 0xc3, arg: 0xc0 },
  ]);
  const corrupt = Buffer.from([0xd1, 0xcf, 0xc0, 0x81, 0x81]);
  const r = frames(corrupt);
  t.same(r.out, [], 'a record the device marks corrupt (CF) is dropped');
  t.ok(r.stats.framesDropped >= 1);
  t.same(frames(Buffer.from([0xd3, 0x81, 0x81, 0xd1, 0x82, 0x80])).out, [{ type: 'realtime', mask: 1, values: [2] }], 'a record cut by a new sync byte is lost, the new one kept');
});

t.test('flow control is ignored, CAN aborts, a bad checksum or layout is dropped and counted', async (t) => {
  const good = encodeResponse(CMD.measuredCp1, 'EB 98 ');
  const withFlow = Buffer.concat([good.subarray(0, 4), Buffer.from([0x13, 0x11]), good.subarray(4)]);
  t.equal(frames(withFlow).out.length, 1, 'DC1/DC3 inside a message');
  const aborted = frames(Buffer.concat([good.subarray(0, 5), Buffer.from([0x18]), good]));
  t.equal(aborted.out.length, 1);
  t.equal(aborted.stats.framesDropped, 1);
  const bad = Buffer.from(good);
  bad[3] = 0x39;
  const r = frames(bad);
  t.same(r.out, [{ type: 'garbled' }], 'nothing of it is delivered; the session only learns that an answer was lost');
  t.equal(r.stats.checksumErrors, 1);
  // Right checksum, wrong layout: measured data must be 6-character items.
  const misfit = frames(encodeResponse(CMD.measuredCp1, 'EB 98'));
  t.same(misfit.out, [{ type: 'garbled' }]);
  t.equal(misfit.stats.framesDropped, 1);
  t.equal(misfit.stats.frames, 0);
  const overlong = frames(Buffer.concat([Buffer.from([0x01, 0x24]), Buffer.alloc(5000, 0x41), good]));
  t.equal(overlong.out.length, 1, 'an over-long response is dropped and the next one found');
});

t.test('byte-at-a-time delivery gives the same frames as one chunk', async (t) => {
  const input = fixture('ventilator-session.bin');
  const whole = frames(input).out;
  const framer = new MedibusFramer();
  const split: MedibusFrame[] = [];
  for (let i = 0; i < input.length; i++) framer.push(input.subarray(i, i + 1), (f) => split.push(f));
  t.same(split, whole);
  t.ok(whole.length > 60);
});

t.test('fuzz: 150k random and mutated inputs never crash or hang, always resynchronise, never deliver a corrupted message', async (t) => {
  const random = seededRandom(0x3ed1b5);
  const session = fixture('ventilator-session.bin');
  const messages = [...fixture('spec-frames.bin').toString('latin1').matchAll(/[\x01\x1b][^\r]*\r/g), ...session.toString('latin1').matchAll(/\x01[^\x01\x1b\r\x80-\xff]*\r/g)]
    .map((m) => Buffer.from(m[0], 'latin1'))
    .filter((b) => frames(b).out.length === 1);
  t.ok(messages.length > 15, `${messages.length} clean messages to mutate`);
  const originals = new Set(messages.map((m) => frames(m).out.map((f) => JSON.stringify(f)).join()));
  const sentinel = encodeResponse(CMD.measuredCp1, 'EB 98 ');
  const rtSentinel = Buffer.from([0xd5, 0xb0, 0xa3, 0x8b, 0xbc]);
  let foreign = 0;
  let resyncFailures = 0;
  const started = Date.now();
  const cases = 150_000;
  for (let n = 0; n < cases; n++) {
    const framer = new MedibusFramer();
    const kind = n % 3; // random bytes, several edits of a session slice, one edit of a clean message
    const base = messages[n % messages.length]!;
    let input: Buffer;
    if (kind === 0) input = randomBytes(random, 300);
    else if (kind === 1) {
      const at = Math.floor(random() * (session.length - 200));
      input = mutate(session.subarray(at, at + 200), random);
    } else input = singleEdit(base, random);
    const out: MedibusFrame[] = [];
    for (const c of chunks(input, random)) framer.push(c, (f) => out.push(f));
    const before = out.length;
    // Whatever came before: two CRs close what may be open, then a clean response and a realtime record come through.
    framer.push(Buffer.concat([Buffer.from('\r\r'), sentinel, rtSentinel]), (f) => out.push(f));
    const tail = out.slice(before).map((f) => JSON.stringify(f));
    if (!tail.includes(JSON.stringify({ type: 'response', code: CMD.measuredCp1, data: 'EB 98 ' })) || !tail.includes(JSON.stringify({ type: 'realtime', mask: 5, values: [0x8f0, 0xf0b] }))) {
      resyncFailures++;
    }
    if (kind === 2) {
      const slow = out.slice(0, before).filter((f) => f.type === 'response' || f.type === 'command');
      if (slow.length > 0 && !originals.has(slow.map((f) => JSON.stringify(f)).join())) foreign++;
    }
  }
  t.equal(resyncFailures, 0, 'resynchronised after every input');
  t.equal(foreign, 0, 'a single corrupted byte never produced a message that was not sent');
  t.ok(Date.now() - started < 120_000, 'no pathological slowness');
});
