import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { NmeaFramer, nmeaChecksum } from '../../../drivers/nmea0183/framer.js';
import { packageRoot } from '../../../src/core/paths.js';
import { chunks, mutate, randomBytes, seededRandom, singleEdit } from '../../helpers/fuzz.js';

const frames = (input: Buffer | string, framer = new NmeaFramer()) => {
  const out: string[] = [];
  framer.push(Buffer.isBuffer(input) ? input : Buffer.from(input, 'latin1'), (f) => out.push(f));
  return { out, stats: framer.stats };
};

t.test('verifies the XOR checksum and hands over the body', async (t) => {
  const { out, stats } = frames('$GNRMC,171926.00,A,4404.14063,N,12118.85478,W,0.117,,180315,,,A*76\r\n');
  t.same(out, ['GNRMC,171926.00,A,4404.14063,N,12118.85478,W,0.117,,180315,,,A']);
  t.equal(stats.frames, 1);
  t.equal(nmeaChecksum('GPGGA,,,,,,0,00,99.99,,,,,,'), '48', 'checksum of the reference no-fix GGA');
});

t.test('a bad checksum is counted and never delivered', async (t) => {
  const { out, stats } = frames('$GNRMC,171926.00,A,4404.14063,N,12118.85478,W,0.117,,180315,,,A*77\r\n');
  t.same(out, []);
  t.equal(stats.checksumErrors, 1);
  t.equal(stats.framesDropped, 1);
});

t.test('a sentence without checksum is not trusted', async (t) => {
  const { out, stats } = frames('$GPGGA,,,,,,0,00,99.99,,,,,,\r\n');
  t.same(out, []);
  t.equal(stats.framesDropped, 1);
});

t.test('lower-case hex and LF-only line ends are accepted', async (t) => {
  const body = 'GPVTG,221.16,T,,M,30.324,N,56.191,K,A';
  const { out } = frames(`$${body}*${nmeaChecksum(body).toLowerCase()}\n`);
  t.same(out, [body]);
});

t.test('resynchronises after garbage, a cut sentence and over-long lines', async (t) => {
  const good = '$GPGGA,,,,,,0,00,99.99,,,,,,*48\r\n';
  const input = `\x00\xff garbage $GPRMC,1234${good}${'$GPXXX,' + 'A'.repeat(300)}\r\n\x01$GP\x02${good}`;
  const { out, stats } = frames(input);
  t.same(out, ['GPGGA,,,,,,0,00,99.99,,,,,,', 'GPGGA,,,,,,0,00,99.99,,,,,,']);
  t.ok(stats.bytesDropped > 0);
  t.ok(stats.framesDropped >= 3, 'cut, over-long and binary-poisoned sentences counted');
});

t.test('byte-at-a-time delivery gives the same frames as one chunk', async (t) => {
  const log = readFileSync(join(packageRoot(), 'fixtures/nmea0183/neo-m8n.log'));
  const whole = frames(log).out;
  const framer = new NmeaFramer();
  const split: string[] = [];
  for (let i = 0; i < log.length; i++) framer.push(log.subarray(i, i + 1), (f) => split.push(f));
  t.same(split, whole);
  t.ok(whole.length > 200);
});

t.test('fuzz: 100k random and mutated inputs never crash, hang or deliver a corrupted sentence', async (t) => {
  const random = seededRandom(0xa3b1);
  const log = readFileSync(join(packageRoot(), 'fixtures/nmea0183/bt451.log'));
  const originals = new Set(frames(log).out);
  const lines = log.toString('latin1').split('\n').filter((l) => l.startsWith('$')).map((l) => Buffer.from(`${l.trim()}\r\n`, 'latin1'));
  const sentinel = '$GPGGA,,,,,,0,00,99.99,,,,,,*48\r\n';
  let cases = 0;
  let foreign = 0;
  let resyncFailures = 0;
  for (; cases < 100_000; cases++) {
    const framer = new NmeaFramer();
    const line = lines[cases % lines.length]!;
    const kind = cases % 3; // 0 random bytes, 1 several edits, 2 a single edit
    const input = kind === 0 ? randomBytes(random, 200) : kind === 1 ? mutate(line, random) : singleEdit(line, random);
    const out: string[] = [];
    for (const c of chunks(input, random)) framer.push(c, (f) => out.push(f));
    // Whatever came before, a clean sentence after a line break must come through.
    framer.push(Buffer.from(`\r\n${sentinel}`, 'latin1'), (f) => out.push(f));
    if (out[out.length - 1] !== 'GPGGA,,,,,,0,00,99.99,,,,,,') resyncFailures++;
    // A single-byte corruption of a real sentence must never come out as some other sentence.
    if (kind === 2) for (const f of out.slice(0, -1)) if (!originals.has(f)) foreign++;
  }
  t.equal(cases, 100_000);
  t.equal(resyncFailures, 0, 'always resynchronised');
  t.equal(foreign, 0, 'no single-byte corruption slipped through the checksum');
});
