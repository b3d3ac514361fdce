// ge-s5 — GE/Datex-Ohmeda S/5 Computer Interface (AS/3, CS/3, S/5, Cardiocap 5, CARESCAPE B450/B650/B850, B20–B125):
// displayed values, waveforms and alarm status over RS-232 (19200 8E1 RTS/CTS; 115200 on CARESCAPE SW3 or later).
import { Type } from '@sinclair/typebox';
import { framedDriver } from '../sdk/pipeline.js';
import { GeS5Decoder } from './decoder.js';
import { GeS5Framer } from './framer.js';
import { GeS5Session } from './session.js';
import { geS5Simulator } from './simulator.js';
import { WAVE_NAMES } from './waves.js';

const StringEnum = <T extends string>(values: readonly T[], options: object = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });

export const GeS5Options = Type.Object(
  {
    intervalS: Type.Integer({
      minimum: 5,
      maximum: 3600,
      default: 10,
      description: 'Displayed values every N seconds (the monitor accepts 5 s or more)',
    }),
    classes: Type.Array(StringEnum(['ext1', 'ext2', 'ext3'] as const), {
      default: ['ext1', 'ext3'],
      uniqueItems: true,
      description: 'Extended classes requested besides basic: ext1 arrhythmia + 12-lead ST, ext2 EEG/BIS/entropy, ext3 gas exchange and ventilation',
    }),
    waves: Type.Array(StringEnum(WAVE_NAMES), {
      default: [],
      maxItems: 8,
      uniqueItems: true,
      description: 'Waveforms to stream (at most 8; at 19200 bit/s the monitor sends at most 600 samples/s in total)',
    }),
    alarms: Type.Boolean({ default: true, description: 'Alarm status: in full on attach, then in differential mode (an update whenever it changes)' }),
    driLevel: Type.Integer({
      minimum: 0,
      maximum: 15,
      default: 0,
      description: 'DRI level written in requests; 0 is accepted by every monitor',
    }),
  },
  { additionalProperties: false, description: 'GE S/5 Computer Interface' },
);

export const geS5 = framedDriver({
  name: 'ge-s5',
  summary: 'GE/Datex-Ohmeda S/5 patient monitor (Computer Interface): numerics, waveforms, alarms',
  optionsSchema: GeS5Options,
  transports: ['serial', 'tcp-client'],
  transportDefaults: { baudRate: 19200, dataBits: 8, parity: 'even', stopBits: 1, rtscts: true },
  staleAfterMs: 30_000,
  createFramer: () => new GeS5Framer(),
  createDecoder: (_options, ids, live, memory) => new GeS5Decoder(ids, live, memory),
  createSession: (options, io) => new GeS5Session(options, io),
  simulator: geS5Simulator,
});
