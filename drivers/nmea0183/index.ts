// nmea0183 — GPS/GNSS receivers: RMC, GGA, GNS, GLL, VTG, GSA, ZDA from any talker, merged per fix cycle into
// `location` records.
import { Type } from '@sinclair/typebox';
import { framedDriver } from '../sdk/pipeline.js';
import { NmeaDecoder } from './decoder.js';
import { NmeaFramer } from './framer.js';
import { nmeaSimulator } from './simulator.js';

export const NmeaOptions = Type.Object({}, { additionalProperties: false, description: 'nmea0183 has no options' });

export const nmea0183 = framedDriver({
  name: 'nmea0183',
  summary: 'GPS/GNSS receiver, NMEA 0183 (RMC, GGA, GNS, GLL, VTG, GSA, ZDA; any talker)',
  optionsSchema: NmeaOptions,
  transports: ['serial', 'tcp-client', 'udp'],
  transportDefaults: { baudRate: 4800 },
  staleAfterMs: 5000,
  createFramer: () => new NmeaFramer(),
  createDecoder: (_options, ids) => new NmeaDecoder(ids),
  simulator: nmeaSimulator,
});
