// The POCT1-A framer: messages split at their root end tag, prolog and garbage skipped, cut-short and oversized
// messages dropped with resynchronisation. Fuzzing: fuzz.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { Poct1Framer, type Poct1Message } from '../../../drivers/poct1a/framer.js';
import { ack } from '../../../drivers/poct1a/messages.js';
import { parseXml } from '../../../drivers/poct1a/xml.js';
import { packageRoot } from '../../../src/core/paths.js';

const conversation = readFileSync(join(packageRoot(), 'fixtures/poct1a/conversation.xml'));

function messages(input: Buffer | string, framer = new Poct1Framer()): Poct1Message[] {
  const out: Poct1Message[] = [];
  framer.push(Buffer.isBuffer(input) ? input : Buffer.from(input), (m) => out.push(m));
  return out;
}

t.test('a device conversation splits into its messages, with control ids', async (t) => {
  const framer = new Poct1Framer();
  const ms = messages(conversation, framer);
  t.same(
    ms.map((m) => `${m.type}#${m.controlId}`),
    ['HEL.R01#1', 'DST.R01#2', 'ACK.R01#3', 'ACK.R01#4', 'OBS.R01#42', 'OBS.R02#43', 'EOT.R01#44', 'ACK.R01#45'],
  );
  t.equal(framer.stats.frames, 8);
  t.equal(framer.stats.bytesDropped, 0, 'XML declarations and blanks between messages are not garbage');
});

t.test('byte-at-a-time gives the same messages', async (t) => {
  const framer = new Poct1Framer();
  const out: string[] = [];
  for (let i = 0; i < conversation.length; i++) framer.push(conversation.subarray(i, i + 1), (m) => out.push(`${m.type}#${m.controlId}`));
  t.same(out, messages(conversation).map((m) => `${m.type}#${m.controlId}`));
});

t.test('garbage between messages is skipped and counted; a cut-short message is dropped at the next one', async (t) => {
  const good = ack(7, '42', 'AA', Date.UTC(2024, 0, 1));
  const framer = new Poct1Framer();
  const ms = messages(`\x00\xffjunk<junk>${good}<OBS.R01><HDR><HDR.control_id V="1"/>${good}`, framer);
  t.same(ms.map((m) => m.type), ['ACK.R01', 'ACK.R01']);
  t.equal(framer.stats.framesDropped, 1, 'the cut-short OBS.R01');
  t.ok(framer.stats.bytesDropped > 10);
});

t.test('a message that is not well-formed XML is dropped; one past the size limit too', async (t) => {
  const framer = new Poct1Framer(4096);
  const good = ack(7, '42', 'AA', 0);
  const ms = messages(`<KPA.R01><HDR><a></b></HDR></KPA.R01>${good}<OBS.R01>${'<x/>'.repeat(2000)}</OBS.R01>${good}`, framer);
  t.same(ms.map((m) => m.type), ['ACK.R01', 'ACK.R01']);
  t.equal(framer.stats.framesDropped, 2);
});

t.test('the XML parser refuses DOCTYPEs and unknown entities, and bounds depth', async (t) => {
  t.throws(() => parseXml('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'));
  t.throws(() => parseXml('<x V="&bogus;"/>'));
  t.throws(() => parseXml(`${'<a>'.repeat(100)}${'</a>'.repeat(100)}`));
  t.same(parseXml('<x V="a&amp;b"/>').attrs, { V: 'a&b' });
});
