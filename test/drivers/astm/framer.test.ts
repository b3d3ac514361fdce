// The E1381 framer (and the raw E1394 line framer) on their own: the constructed transfer of the design documents,
// checksums, frame numbers, retransmissions, ETB continuation, resynchronisation. Fuzzing: fuzz-e1381/fuzz-raw.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { ENQ_BYTE, EOT_BYTE, frame, framesOf } from '../../../drivers/astm/e1381.js';
import { AstmFramer, AstmRawFramer, type AstmToken } from '../../../drivers/astm/framer.js';
import { packageRoot } from '../../../src/core/paths.js';
import { fixture, records, tokens } from './helpers.js';

const constructed = fixture('constructed-bloodgas-e1381.bin');

const answers = (toks: AstmToken[]) => toks.flatMap((tok) => (tok.kind === 'frame' ? [tok.duplicate ? 'dup' : tok.answer] : []));

t.test('our frame builder reproduces the constructed transfer byte for byte', async (t) => {
  const text = readFileSync(join(packageRoot(), 'fixtures/astm/constructed-bloodgas-e1381.txt'), 'latin1');
  const recs = [...text.matchAll(/<STX>\d(.*?)<CR><ETX>/g)].map((m) => m[1]!);
  t.equal(recs.length, 9);
  t.same(Buffer.concat([ENQ_BYTE, ...framesOf(recs), EOT_BYTE]), constructed, 'ENQ, 9 frames numbered 1..7,0,1 with the sample checksums, EOT');
  // The one frame the design document spells out in hex.
  t.equal(
    frame(4, Buffer.from('R|1|^^^pH|7.382||7.350^7.450|N||F||||20240315101500\r'), true).toString('hex'),
    '0234527c317c5e5e5e70487c372e3338327c7c372e3335305e372e3435307c4e7c7c467c7c7c7c32303234303331353130313530300d0331300d0a',
  );
});

t.test('the constructed transfer: ENQ, nine records each ACKed, EOT', async (t) => {
  const framer = new AstmFramer();
  const toks = tokens(constructed, framer);
  t.equal(toks[0]?.kind, 'enq');
  t.equal(toks[toks.length - 1]?.kind, 'eot');
  t.same(answers(toks), Array(9).fill('ack'));
  t.same(records(toks).map((r) => r.slice(0, 3)), ['H|\\', 'P|1', 'O|1', 'R|1', 'R|2', 'R|3', 'R|4', 'R|5', 'L|1']);
  t.equal(framer.stats.frames, 9);
  t.equal(framer.stats.framesDropped, 0);
});

t.test('a bad checksum is NAKed, counted and never delivered; the retransmission is taken', async (t) => {
  const [f1, f2] = framesOf(['H|\\^&', 'P|1||X']);
  const bad = Buffer.from(f2!);
  bad[5] = bad[5]! ^ 0x02;
  const framer = new AstmFramer();
  const toks = tokens(Buffer.concat([ENQ_BYTE, f1!, bad, f2!, EOT_BYTE]), framer);
  t.same(answers(toks), ['ack', 'nak', 'ack']);
  t.same(records(toks), ['H|\\^&', 'P|1||X']);
  t.equal(framer.stats.checksumErrors, 1);
  t.equal(framer.stats.framesDropped, 1);
});

t.test('a frame repeated after a lost ACK is acknowledged but delivered once; an out-of-sequence frame is NAKed', async (t) => {
  const [f1, f2, f3] = framesOf(['H|\\^&', 'P|1', 'L|1|N']);
  const toks = tokens(Buffer.concat([ENQ_BYTE, f1!, f1!, f3!, f2!, f3!, EOT_BYTE]));
  t.same(answers(toks), ['ack', 'dup', 'nak', 'ack', 'ack']);
  t.same(records(toks), ['H|\\^&', 'P|1', 'L|1|N']);
});

t.test('frame numbers run 1..7, 0, 1 … across a long transfer', async (t) => {
  const recs = Array.from({ length: 20 }, (_, i) => `R|${i + 1}|^^^pH|7.4`);
  const frames = framesOf(recs);
  t.same(frames.slice(0, 9).map((f) => String.fromCharCode(f[1]!)).join(''), '123456701');
  t.same(records(tokens(Buffer.concat([ENQ_BYTE, ...frames, EOT_BYTE]))), recs);
});

t.test('ETB continuation frames make one record; an ETX frame without CR still ends its record', async (t) => {
  const long = `C|1|I|${'x'.repeat(600)}|G`;
  const frames = framesOf([long], 240);
  t.equal(frames.length, 3);
  t.equal(frames[0]![frames[0]!.length - 5], 0x17, 'first frame ends ETB');
  t.equal(frames[2]![frames[2]!.length - 5], 0x03, 'last frame ends ETX');
  t.same(records(tokens(Buffer.concat([ENQ_BYTE, ...frames, EOT_BYTE]))), [long]);
  const noCr = frame(1, Buffer.from('L|1|N'), true);
  t.same(records(tokens(Buffer.concat([ENQ_BYTE, noCr, EOT_BYTE]))), ['L|1|N']);
});

t.test('frames outside a transfer (no ENQ) are not taken; garbage between frames is skipped', async (t) => {
  const framer = new AstmFramer();
  const [f1] = framesOf(['H|\\^&']);
  const toks = tokens(Buffer.concat([f1!, Buffer.from('\x00\xffnoise'), ENQ_BYTE, Buffer.from('junk'), f1!, EOT_BYTE]), framer);
  t.same(answers(toks), ['ack']);
  t.same(records(toks), ['H|\\^&']);
  t.ok(framer.stats.bytesDropped >= 10);
});

t.test('ACK and NAK from the other side come through as tokens', async (t) => {
  t.same(tokens(Buffer.from([0x06, 0x15])).map((x) => x.kind), ['ack', 'nak']);
});

t.test('byte-at-a-time delivery gives the same tokens as one chunk', async (t) => {
  const whole = tokens(fixture('multiframe-etb.bin'));
  const framer = new AstmFramer();
  const split: AstmToken[] = [];
  const input = fixture('multiframe-etb.bin');
  for (let i = 0; i < input.length; i++) framer.push(input.subarray(i, i + 1), (x) => split.push(x));
  t.same(split, whole);
  t.ok(records(whole).length >= 8);
});

t.test('raw framer: one record per line (CR, LF or CR LF); control characters poison a line', async (t) => {
  const framer = new AstmRawFramer();
  const toks = tokens(Buffer.from('H|\\^&\r\nP|1\rR|1|^^^pH|7.4\n\x01R|bad\r\n\r\nL|1|N\r\n'), framer);
  t.same(records(toks), ['H|\\^&', 'P|1', 'R|1|^^^pH|7.4', 'L|1|N']);
  t.equal(framer.stats.framesDropped, 1);
});
