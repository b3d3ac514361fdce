// poct1a — point-of-care devices speaking CLSI POCT1-A2 (XML over TCP). The device connects to the gateway, which
// plays the data manager; patient results (OBS.R01) and QC (OBS.R02, marked qc) become `lab` records.
import { Type, type Static } from '@sinclair/typebox';
import { LAB_STALE_AFTER_MS } from '../lab/result.js';
import { createTestMap, TestMapOption } from '../lab/test-map.js';
import { framedDriver } from '../sdk/pipeline.js';
import { Poct1Decoder } from './decoder.js';
import { Poct1Framer } from './framer.js';
import { Poct1Session } from './session.js';
import { poct1aSimulator } from './simulator.js';

export const Poct1aOptions = Type.Object(
  {
    tests: TestMapOption,
    timeZone: Type.String({
      pattern: '^(local|Z|[+-][0-9]{2}(:?[0-9]{2})?)$',
      default: 'local',
      description: 'How device times without an offset are read (POCT1-A times normally carry one)',
    }),
    setTime: Type.Boolean({ default: true, description: "Set the device clock to the gateway's at each connection (DTV SET_TIME)" }),
    continuous: Type.Boolean({
      default: true,
      description: 'Keep the device connected and take each result as it is measured (DTV START_CONTINUOUS); false: END after each batch',
    }),
    ackTimeoutMs: Type.Integer({ minimum: 500, maximum: 600_000, default: 30_000, description: "Longest wait for the device's ACK" }),
    idleTimeoutMs: Type.Integer({
      minimum: 1000,
      maximum: 86_400_000,
      default: 300_000,
      description: 'Longest silence (keep-alives count) before the connection is dropped',
    }),
    maxMessageBytes: Type.Integer({ minimum: 4096, maximum: 16 * 1024 * 1024, default: 1024 * 1024 }),
  },
  { additionalProperties: false },
);
export type Poct1aOptions = Static<typeof Poct1aOptions>;

export const poct1a = framedDriver({
  name: 'poct1a',
  summary: 'Point-of-care device (blood gas, cardiac markers), CLSI POCT1-A2; the gateway is the data manager',
  optionsSchema: Poct1aOptions,
  transports: ['tcp-server'],
  staleAfterMs: LAB_STALE_AFTER_MS,
  createFramer: (o) => new Poct1Framer(o.maxMessageBytes),
  createDecoder: (o, ids) => new Poct1Decoder(ids, createTestMap(o.tests), o.timeZone),
  createSession: (o, io) =>
    new Poct1Session(io, { setTime: o.setTime, continuous: o.continuous, ackTimeoutMs: o.ackTimeoutMs, idleTimeoutMs: o.idleTimeoutMs }),
  simulator: poct1aSimulator,
});
