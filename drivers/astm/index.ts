// astm — point-of-care analysers (blood gas, cardiac markers) speaking ASTM E1381 (LIS1-A) framing with E1394
// (LIS2-A2) records, over serial or TCP, or raw E1394 records without framing. Results become `lab` records.
import { Type, type Static } from '@sinclair/typebox';
import { LAB_STALE_AFTER_MS } from '../lab/result.js';
import { createTestMap, TestMapOption } from '../lab/test-map.js';
import { framedDriver } from '../sdk/pipeline.js';
import { AstmDecoder } from './decoder.js';
import { AstmCaptureFramer } from './capture-framer.js';
import { AstmFramer, AstmRawFramer } from './framer.js';
import { AstmSession } from './session.js';
import { astmSimulator } from './simulator.js';

const ms = (def: number, min: number, description: string) =>
  Type.Integer({ minimum: min, maximum: 600_000, default: def, description });

export const AstmOptions = Type.Object(
  {
    framing: Type.Unsafe<'e1381' | 'raw'>({
      type: 'string',
      enum: ['e1381', 'raw'],
      default: 'e1381',
      description: 'e1381: ENQ/STX…ETX/EOT link protocol with checksums (usual); raw: E1394 records, one per line, no link protocol',
    }),
    timeZone: Type.String({
      pattern: '^(local|Z|[+-][0-9]{2}(:?[0-9]{2})?)$',
      default: 'local',
      description: "How the analyser's times (YYYYMMDDHHMMSS, no zone) are read: local (the gateway's zone) or an offset such as +01:00",
    }),
    tests: TestMapOption,
    answerQueries: Type.Boolean({
      default: true,
      description: 'Answer a host query (Q record) with "no information", so an analyser set to ask for orders does not wait',
    }),
    link: Type.Object(
      {
        replyTimeoutMs: ms(15_000, 500, 'E1381 sender timeout for ACK (standard: 15 s)'),
        receiveTimeoutMs: ms(30_000, 500, 'E1381 receiver timeout for the next frame (standard: 30 s)'),
        busyRetryMs: ms(10_000, 100, 'Wait before bidding again after a busy NAK (standard: at least 10 s)'),
        contentionRetryMs: ms(20_000, 100, 'Wait before bidding again after losing contention (standard: at least 20 s)'),
        maxRetries: Type.Integer({ minimum: 1, maximum: 20, default: 6, description: 'Retransmissions of a frame (standard: 6)' }),
      },
      { additionalProperties: false, default: {}, description: "E1381 timers: change only if the analyser's manual says so" },
    ),
  },
  { additionalProperties: false },
);
export type AstmOptions = Static<typeof AstmOptions>;

export const astm = framedDriver({
  name: 'astm',
  summary: 'Point-of-care analyser (blood gas, cardiac markers), ASTM E1381/E1394 (LIS1-A/LIS2-A2) or raw E1394',
  optionsSchema: AstmOptions,
  transports: ['serial', 'tcp-client', 'tcp-server'],
  transportDefaults: { baudRate: 9600 },
  staleAfterMs: LAB_STALE_AFTER_MS,
  createFramer: (o) => (o.framing === 'raw' ? new AstmRawFramer() : new AstmFramer()),
  // A capture is read whatever it kept of the link protocol (E1381 frames with or without ENQ/EOT, plain records).
  createCaptureFramer: (o) => (o.framing === 'raw' ? new AstmRawFramer() : new AstmCaptureFramer()),
  createDecoder: (o, ids) => new AstmDecoder(ids, createTestMap(o.tests), { timeZone: o.timeZone }),
  createSession: (o, io) => new AstmSession(io, { framing: o.framing, answerQueries: o.answerQueries, timers: o.link }),
  simulator: astmSimulator,
});
