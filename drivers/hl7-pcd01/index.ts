// hl7-pcd01 — HL7 v2 from patient monitors and monitor gateways (IHE PCD-01 ORU^R01 observations, PCD-04 ORU^R40
// alerts) over MLLP. The gateway listens; monitors connect and push; every message is acknowledged.
import { Type } from '@sinclair/typebox';
import { framedDriver } from '../sdk/pipeline.js';
import { Hl7Decoder } from './decoder.js';
import { Hl7CaptureFramer } from './capture-framer.js';
import { MllpFramer } from './framer.js';
import { MllpAckSession } from './session.js';
import { hl7Simulator } from './simulator.js';

export const Hl7Options = Type.Object(
  {
    sentinels: Type.Array(Type.Number(), {
      default: [-999, -99.9, -100, -10000],
      description: 'Values vendors send for "no data" (GE −999/−99.9, Mindray −100/−10000): reported as invalid, never as numbers',
    }),
    ackApplication: Type.String({ minLength: 1, default: 'AMBULINK', description: 'MSH-3 of the ACKs this gateway sends' }),
    ackFacility: Type.String({ default: '', description: 'MSH-4 of the ACKs' }),
  },
  { additionalProperties: false, description: 'HL7 v2 IHE PCD-01 over MLLP' },
);

export const hl7Pcd01 = framedDriver({
  name: 'hl7-pcd01',
  summary: 'HL7 v2 IHE PCD-01/PCD-04 over MLLP (monitors push ORU^R01 observations and ORU^R40 alerts)',
  optionsSchema: Hl7Options,
  transports: ['tcp-server'],
  transportDefaults: { port: 2575 },
  staleAfterMs: 60_000,
  createFramer: () => new MllpFramer(),
  createCaptureFramer: () => new Hl7CaptureFramer(),
  createDecoder: (options, ids) => new Hl7Decoder(ids, options),
  createSession: (options, io) => new MllpAckSession(options, io),
  simulator: hl7Simulator,
});
