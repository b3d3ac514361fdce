// The simulator's replay: a log cut into the cycles the decoder reads, paced by the log's own times.
import t from 'tap';
import { nmeaChecksum } from '../../../drivers/nmea0183/framer.js';
import { epochsOf, retime } from '../../../drivers/nmea0183/simulator.js';

t.test('the simulator replays cycles as the decoder reads them: numeric times, GLL and GNS, several talkers', async (t) => {
  const log = [
    'GPGGA,081412.000,5541.1956,N,03737.2877,E,1,10,0.7,166.2,M,14.5,M,,',
    'GLGGA,081412.000,5541.1956,N,03737.2877,E,1,05,0.7,166.2,M,14.5,M,,',
    'GNRMC,081412.00,A,5541.1956,N,03737.2877,E,0.52,301.26,260514,,,A',
    'GNGNS,081413.00,5541.1956,N,03737.2877,E,AN,12,0.9,42.0,46.0,,',
    'ECGLL,5119.881,N,00125.169,E,081415,A,D',
  ].map((b) => `$${b}*${nmeaChecksum(b)}`).join('\r\n');
  const epochs = epochsOf(log);
  t.same(epochs.map((e) => e.bodies.length), [3, 1, 1]);
  t.same(epochs.map((e) => e.stepMs), [1000, 2000, 1000], 'paced by the log; the last one by the default step');
  const now = new Date(Date.UTC(2026, 11, 6, 9, 30, 5, 250));
  t.match(retime(epochs[1]!.bodies[0]!, now), /^GNGNS,093005\.25,/);
  t.match(retime(epochs[2]!.bodies[0]!, now), /,093005\.25,A,D$/);
});
