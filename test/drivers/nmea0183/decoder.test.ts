// The decoder on sentences built by the NMEA 0183 rules: cycles from several talkers, numeric cycle times, dates
// from ZDA, GNS and GLL, mode from GSA.
import t from 'tap';
import { NmeaDecoder } from '../../../drivers/nmea0183/decoder.js';
import { NmeaFramer, nmeaChecksum } from '../../../drivers/nmea0183/framer.js';
import { parseTimeOfDay } from '../../../drivers/nmea0183/sentences.js';
import { isCanonicalRecord, type LocationRecord } from '../../../src/schema/index.js';

const GATEWAY_NOW = Date.UTC(2026, 11, 6, 13, 0, 0);

/** Frames the bodies as a receiver would send them (checksum, CR LF) and decodes them. */
function decode(bodies: string[]): LocationRecord[] {
  const out: LocationRecord[] = [];
  const dec = new NmeaDecoder({ vehicle: 'V', device: 'gps', driver: 'nmea0183' });
  const framer = new NmeaFramer();
  const rx = { wallMs: GATEWAY_NOW, monoMs: 1 };
  const sink = (r: unknown) => out.push(r as LocationRecord);
  const bytes = Buffer.from(bodies.map((b) => `$${b}*${nmeaChecksum(b)}\r\n`).join(''), 'latin1');
  framer.push(bytes, (body) => dec.decode(body, rx, sink));
  dec.flush(rx, sink);
  for (const r of out) if (!isCanonicalRecord(r)) throw new Error(`not canonical: ${JSON.stringify(r)}`);
  return out;
}

t.test('cycle times compare as numbers', async (t) => {
  t.equal(parseTimeOfDay('130711'), parseTimeOfDay('130711.00'));
  t.equal(parseTimeOfDay('030129.0'), parseTimeOfDay('030129.00'));
  t.equal(parseTimeOfDay('030129.5'), parseTimeOfDay('030129') + 500);
  t.equal(parseTimeOfDay('246000'), undefined, 'out of range');
  t.equal(parseTimeOfDay('1307'), undefined, 'too short');
  const r = decode([
    'GPGGA,130711,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPRMC,130711.00,A,4807.0380,N,01131.0000,E,022.4,084.4,230394,003.1,W,A',
  ]);
  t.equal(r.length, 1, 'one cycle, not two');
  t.equal(r[0]!.observedAt, '1994-03-23T13:07:11.000Z');
  t.equal(r[0]!.altitude, 545.4);
  t.ok(Math.abs(r[0]!.speed! - 22.4 * 0.514444) < 1e-3);
});

t.test('the same sentence type from two talkers in one cycle is one fix', async (t) => {
  const cycle = (s: string) => [
    `GPGGA,${s},5541.1956,N,03737.2877,E,1,10,0.7,166.2,M,14.5,M,,`,
    `GLGGA,${s},5541.1956,N,03737.2877,E,1,05,0.7,166.2,M,14.5,M,,`,
    'GNGSA,A,3,03,19,27,13,,,,,,,,,1.1,0.7,0.9',
    'GNGSA,A,3,73,82,71,72,80,,,,,,,,1.1,0.7,0.9',
    `GNRMC,${s},A,5541.1956,N,03737.2877,E,0.52,301.26,260514,,,A`,
    `GPVTG,301.26,T,,M,0.52,N,0.96,K,A`,
    `GNVTG,301.26,T,,M,0.52,N,0.96,K,A`,
  ];
  const r = decode([...cycle('081412.000'), ...cycle('081413.000'), ...cycle('081414.000')]);
  t.same(r.map((x) => x.observedAt), ['2014-05-26T08:14:12.000Z', '2014-05-26T08:14:13.000Z', '2014-05-26T08:14:14.000Z']);
  for (const x of r) {
    t.equal(x.fix, '3d');
    t.equal(x.altitude, 166.2, 'altitude and speed in the same record');
    t.ok(x.speed! > 0.26 && x.speed! < 0.27);
    t.equal(x.satellites, 15, 'GPS and GLONASS satellites add up');
  }
});

t.test('a GN count is the total: a GP count beside it does not add', async (t) => {
  const r = decode([
    'GNGGA,132819.60,4134.497,N,09345.034,W,2,10,0.9,278.161,M,-31.442,M,6.6,0133',
    'GPGGA,132819.60,4134.497,N,09345.034,W,2,07,0.9,278.161,M,-31.442,M,6.6,0133',
    'GNRMC,132819.60,A,4134.497,N,09345.034,W,0.148,124.888,180320,11.5985,E,D',
  ]);
  t.equal(r.length, 1);
  t.equal(r[0]!.satellites, 10);
});

t.test('fixes before the first RMC, or with no RMC at all, are dated by ZDA', async (t) => {
  const r = decode([
    'GPGGA,235958.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPZDA,235958.00,31,12,2019,00,00',
    'GPGGA,235959.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPGGA,000000.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPGGA,000001.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
  ]);
  t.same(r.map((x) => x.observedAt), [
    '2019-12-31T23:59:58.000Z',
    '2019-12-31T23:59:59.000Z',
    '2020-01-01T00:00:00.000Z',
    '2020-01-01T00:00:01.000Z',
  ], 'the ZDA date is kept and carried across midnight');
  t.ok(r.every((x) => x.timeSource === 'receiver'));
});

t.test('a ZDA sent just after midnight dates the fix of just before it', async (t) => {
  const r = decode([
    'GPGGA,235959.90,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPZDA,000000.10,01,01,2020,00,00',
  ]);
  t.equal(r[0]!.observedAt, '2019-12-31T23:59:59.900Z');
});

t.test('no date known: the record says its date is the gateway’s, never silently', async (t) => {
  const r = decode([
    'GPGGA,125959.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPGGA,130000.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
    'GPRMC,130000.00,A,4807.038,N,01131.000,E,0.0,0.0,230394,,,A',
    'GPGGA,130001.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
  ]);
  t.equal(r[0]!.timeSource, 'receiver-time-of-day');
  t.equal(r[0]!.observedAt, '2026-12-06T12:59:59.000Z', "the receiver's time of day on the gateway's date");
  t.equal(r[1]!.timeSource, 'receiver');
  t.equal(r[1]!.observedAt, '1994-03-23T13:00:00.000Z');
  t.equal(r[2]!.observedAt, '1994-03-23T13:00:01.000Z', 'the RMC date is kept for the GGA after it');
  const untimed = decode(['GPRMC,,V,,,,,,,,,,N', 'GPGGA,,,,,,0,00,99.99,,,,,,']);
  t.equal(untimed[0]!.timeSource, 'gateway');
  t.equal(untimed[0]!.observedAt, untimed[0]!.receivedAt);
  t.equal(untimed[0]!.fix, 'none');
});

t.test('a void RMC does not set the date (receivers send a stale clock while they have no fix)', async (t) => {
  const r = decode([
    'GPRMC,080000.00,V,,,,,,,010180,,,N',
    'GPGGA,080001.00,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,',
  ]);
  t.equal(r[1]!.timeSource, 'receiver-time-of-day');
});

t.test('a GLL-only receiver yields positions', async (t) => {
  const r = decode([
    'ECGLL,5119.881,N,00125.169,E,164326,A,D',
    'ECGLL,5119.881,N,00125.170,E,164328,A,D',
    'ECGLL,5119.881,N,00125.171,E,164330,V,N',
  ]);
  t.equal(r.length, 3);
  t.equal(r[0]!.fix, '2d');
  t.ok(Math.abs(r[0]!.lat! - (51 + 19.881 / 60)) < 1e-9);
  t.ok(Math.abs(r[1]!.lon! - (1 + 25.17 / 60)) < 1e-9);
  t.equal(r[2]!.fix, 'none', 'status V');
  t.notOk('lat' in r[2]!);
});

t.test('a GNS receiver carries its mode, not `fix: none`', async (t) => {
  const r = decode([
    'GPGNS,112257.00,3844.24011,N,00908.43828,W,AN,03,10.5,,,,',
    'GNGNS,112258.00,3844.24011,N,00908.43828,W,NDA,12,0.9,42.0,46.0,,',
    'GNGNS,112259.00,,,,,NNN,00,,,,,',
    'GNGNS,112300.00,3844.24011,N,00908.43828,W,EN,05,2.0,42.0,46.0,,',
  ]);
  t.same(r.map((x) => x.fix), ['2d', '3d', 'none', '3d']);
  t.equal(r[0]!.validity, 'valid');
  t.equal(r[1]!.altitude, 42);
  t.equal(r[1]!.satellites, 12);
  t.equal(r[3]!.validity, 'questionable', 'estimated (dead reckoning)');
});

t.test('mode comes from GSA: 2D drops the held altitude, GSA 1 is no fix', async (t) => {
  const r = decode([
    'GNGGA,135651.997,5543.0328,N,03724.7198,E,1,06,01.8,165.6,M,14.6,M,,',
    'GNRMC,135651.997,A,5543.0328,N,03724.7198,E,00.00,129.5,051209,,,A',
    'GNGSA,A,2,19,27,,,,,,,,,,,02.1,01.8,00.9',
    'GNGSA,A,2,67,84,83,75,,,,,,,,,02.1,01.8,00.9',
    'GNGGA,135652.997,5543.0328,N,03724.7198,E,1,06,01.8,165.6,M,14.6,M,,',
    'GNRMC,135652.997,A,5543.0328,N,03724.7198,E,00.00,129.5,051209,,,A',
    'GNGSA,A,3,19,27,,,,,,,,,,,02.1,01.8,00.9',
    'GNGSA,A,3,67,84,83,75,,,,,,,,,02.1,01.8,00.9',
    'GNGGA,135653.997,5543.0328,N,03724.7198,E,1,06,01.8,165.6,M,14.6,M,,',
    'GNRMC,135653.997,A,5543.0328,N,03724.7198,E,00.00,129.5,051209,,,A',
    'GNGSA,A,1,,,,,,,,,,,,,,,',
  ]);
  t.same(r.map((x) => x.fix), ['2d', '3d', 'none']);
  t.notOk('altitude' in r[0]!, 'a 2D fix has no measured altitude');
  t.equal(r[1]!.altitude, 165.6);
});

t.test('a learnt cycle leaves as soon as its last sentence arrives, and relearns when the receiver changes', async (t) => {
  const out: LocationRecord[] = [];
  const dec = new NmeaDecoder({ vehicle: 'V', device: 'gps', driver: 'nmea0183' });
  const rx = { wallMs: GATEWAY_NOW, monoMs: 1 };
  const feed = (body: string) => dec.decode(body, rx, (r) => out.push(r as LocationRecord));
  const cycle = (s: string, vtg = false) => {
    feed(`GPGGA,${s},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,`);
    feed('GPGSA,A,3,04,05,09,12,,,,,,,,,2.5,1.3,2.1');
    feed(`GPRMC,${s},A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W,A`);
    if (vtg) feed('GPVTG,084.4,T,,M,022.4,N,041.5,K,A');
  };
  cycle('120000');
  cycle('120001');
  t.equal(out.length, 2, 'the first cycle leaves when the second starts, the second on its own RMC');
  cycle('120002', true);
  t.equal(out.length, 3, 'each leaves on its RMC');
  cycle('120003', true); // the receiver now sends VTG after RMC
  t.equal(out.length, 3, 'sentences after the learnt end: the end is learnt again');
  cycle('120004', true);
  t.equal(out.length, 5, 'and from then on each cycle leaves on its VTG');
  t.same(out.map((r) => r.observedAt.slice(11, 19)), ['12:00:00', '12:00:01', '12:00:02', '12:00:03', '12:00:04']);
});

t.test('a sentence of a cycle already sent (the receiver sends it in some cycles only) makes no second record', async (t) => {
  const cycle = (s: string, gll: boolean) => [
    `GPRMC,${s},A,4808.9985,N,01135.0868,E,000.0,000.0,280319,003.0,E,A`,
    `GPGGA,${s},4808.9985,N,01135.0868,E,1,04,01.3,00462.8,M,0046.2,M,,`,
    'GPGSA,A,3,,21,,,,06,18,,05,,,,02.3,01.3,01.9',
    ...(gll ? [`GPGLL,4808.9985,N,01135.0868,E,${s},A,A`] : []),
  ];
  const r = decode([...cycle('164520.99', false), ...cycle('164521.99', false), ...cycle('164522.99', true), ...cycle('164523.99', false)]);
  t.same(r.map((x) => x.observedAt.slice(11)), ['16:45:20.990Z', '16:45:21.990Z', '16:45:22.990Z', '16:45:23.990Z']);
  t.ok(r.every((x) => x.fix === '3d' && x.altitude === 462.8), 'each the whole cycle');
});

t.test('the untimed void sentences of a receiver without time do not void its first timed fix', async (t) => {
  const r = decode([
    'GPRMC,,V,,,,,,,260810,1.0,E,N',
    'GPGGA,,,,,,0,00,,,M,,M,,',
    'GPGLL,,,,,,V,N',
    'GPRMC,200004,A,5504.4343,N,01025.5386,E,0.0,0.0,260810,1.0,E,D',
    'GPGGA,200004,5504.4343,N,01025.5386,E,2,03,2.5,-9.1,M,43.9,M,,',
  ]);
  t.same(r.map((x) => x.fix), ['none', '3d']);
  t.equal(r[1]!.observedAt, '2010-08-26T20:00:04.000Z');
});

t.test('a VTG at the end of the cycle belongs to that cycle, also when the log starts with one', async (t) => {
  const cycle = (s: string, course: string) => [
    `GNRMC,${s},A,5002.453527,N,01958.831794,E,0.0,${course},301120,,,A,V`,
    `GNGGA,${s},5002.453527,N,01958.831794,E,1,13,0.9,202.1,M,,M,,`,
    'GNGSA,A,3,01,03,04,09,17,21,22,,,,,,1.6,0.9,1.3,1',
    'GNGSA,A,3,68,70,79,84,,,,,,,,,1.6,0.9,1.3,2',
    `GNVTG,${course},T,,M,0.0,N,0.0,K,A`,
  ];
  const r = decode(['GNVTG,99.0,T,,M,0.0,N,0.0,K,A', ...cycle('080408.00', '16.6'), ...cycle('080409.00', ''), ...cycle('080410.00', '17.0')]);
  t.same(r.map((x) => x.course), [16.6, undefined, 17]);
});
