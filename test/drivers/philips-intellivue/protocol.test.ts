// Protocol building blocks against the reference's vectors: FLOATType, the poll request and MDS Create result bytes,
// the association request and its poll profile, PDU headers, and the relative-clock anchoring.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { associationAccept, associationRequest, CLIENT_PROFILE, readPollProfile } from '../../../drivers/philips-intellivue/association.js';
import { DeviceClock } from '../../../drivers/philips-intellivue/device-clock.js';
import { decodeFloat, encodeFloat } from '../../../drivers/philips-intellivue/float-type.js';
import { extendedPollRequest, mdsCreateResult, newPduHeader, pollRequest, readPduHeader, setWaveListRequest } from '../../../drivers/philips-intellivue/messages.js';
import { ATTR, MDSE_USER_INFO, RO, SPDU, WAVES } from '../../../drivers/philips-intellivue/nomenclature.js';
import { packageRoot } from '../../../src/core/paths.js';

const vectors = readFileSync(join(packageRoot(), 'fixtures/philips-intellivue/intellivue-vectors.txt'), 'latin1').split('\n');

t.test('FLOATType: the reference examples, the four specials, negative values', async (t) => {
  const examples = vectors.find((l) => l.startsWith('# FLOATType examples'))!;
  const pairs = [...examples.matchAll(/([0-9A-F]{8})=([-+\w.]+)/g)].map((m) => [Number.parseInt(m[1]!, 16), m[2]!] as const);
  t.equal(pairs.length, 8, 'eight examples in the vectors file');
  for (const [bits, text] of pairs) {
    const v = decodeFloat(bits);
    if (/^\d/.test(text)) t.equal(v, Number(text), `${bits.toString(16).padStart(8, '0')} = ${text}`);
    else t.ok(Number.isNaN(v), `${bits.toString(16).padStart(8, '0')} (${text}) is no number`);
  }
  t.equal(decodeFloat(0xff000170), 36.8, 'exactly 36.8, not 36.800000000000004');
  t.equal(decodeFloat(encodeFloat(-1.5, 1)), -1.5);
  t.equal(decodeFloat(encodeFloat(-40)), -40);
  t.equal(decodeFloat(0x01fffffe), -20, 'mantissa −2 × 10^1');
  t.equal(decodeFloat(encodeFloat(123456789)), 123456800, 'large values lose digits, not magnitude');
});

t.test("the poll request and MDS Create result are the reference's bytes", async (t) => {
  const hexAfter = (re: RegExp) => Buffer.from(vectors[vectors.findIndex((l) => re.test(l)) + 1]!.replace(/[#\s]/g, ''), 'hex');
  const poll = vectors.find((l) => /^#\s+E1 00 00 02 \| 00 01 00 1C/.test(l))!.replace(/[#|\s]/g, '');
  t.same(pollRequest(0, 0x0006, 1), Buffer.from(poll, 'hex'));
  t.same(mdsCreateResult(1, 0x000abd00), hexAfter(/MDS Create Event Result/));
});

t.test('the association request: 238 bytes, a client poll profile the monitor side reads back', async (t) => {
  const aarq = associationRequest();
  t.equal(aarq.length, 238);
  t.equal(aarq[0], SPDU.CN);
  t.equal(aarq[1], 236, 'length indicator');
  t.same(readPollProfile(aarq), CLIENT_PROFILE);
  const ac = associationAccept({ ...CLIENT_PROFILE, systemType: MDSE_USER_INFO.SYSTEM_TYPE_SERVER, maxMtuRx: 1000 });
  t.equal(ac[0], SPDU.AC);
  t.equal(readPollProfile(ac)?.maxMtuRx, 1000);
  t.equal(readPollProfile(aarq.subarray(0, 160)), undefined, 'a cut request has no readable profile');
  t.equal(readPollProfile(Buffer.from('not an association')), undefined);
});

t.test('PDU headers; extended poll and wave-list SET carry what they say', async (t) => {
  const h = newPduHeader();
  const ext = extendedPollRequest(9, 0x0009, 4, 240_000);
  t.ok(readPduHeader(ext, h));
  t.equal(h.roType, RO.INVOKE);
  t.equal(h.invokeId, 9);
  t.equal(h.end, ext.length);
  t.equal(ext.readUInt16BE(h.body + 10), 0xf13b, 'NOM_ACT_POLL_MDIB_DATA_EXT');
  t.equal(ext.readUInt16BE(ext.length - 8), ATTR.TIME_PD_POLL);
  t.equal(ext.readUInt32BE(ext.length - 4), 240_000, '30 s in 1/8 ms ticks');
  const set = setWaveListRequest(2, [WAVES['ecg-ii'].label]);
  t.same(set.subarray(-8), Buffer.from('0001000400020102', 'hex'), 'a one-entry TextId list: ECG II');
  t.notOk(readPduHeader(associationRequest(), h), 'association messages are not Data Export PDUs');
});

t.test('relative clock: anchored at the first reply, follows the wrap, re-anchors on a restart', async (t) => {
  const offline = new DeviceClock(false);
  const near = 0xffffffff - 8000; // 1 s before the 32-bit wrap
  t.equal(offline.reply(near, 1_000_000), 1_000_000);
  t.equal(offline.reply((near + 16_000) >>> 0, 1_000_000), 1_002_000, 'two seconds later, across the wrap');
  t.equal(offline.at((near + 8000) >>> 0, 0), 1_001_000);
  t.equal(offline.reply(4999, 1_050_000), 1_001_625, 'just past the wrap is still forward');
  const restarted = new DeviceClock(false);
  restarted.reply(8_000_000, 1_000_000);
  t.equal(restarted.reply(1000, 1_050_000), 1_050_000, 'far backwards: the monitor restarted; anchored again');

  const live = new DeviceClock(true);
  t.equal(live.reply(0, 10_000), 10_000);
  t.equal(live.reply(8000, 10_900), 10_900, 'a reply observed after it arrived pulls the anchor back');
  t.equal(live.reply(16_000, 12_000), 11_900, 'later replies keep the smallest delay');
  t.equal(live.reply(24_000, 20_000), 20_000, 'a reply far behind its arrival: anchored again');
  t.equal(live.at(0, 20_000), 17_000, 'three seconds before the anchor');
  t.equal(live.at(40_000, 20_000), 20_000, 'never after the arrival');
});
