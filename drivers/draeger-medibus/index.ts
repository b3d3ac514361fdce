// draeger-medibus — Dräger ventilators over RS-232 MEDIBUS: measured data (code pages 1 and 2), settings, alarms,
// the ventilation mode and realtime curves (airway pressure, flow, volume, CO2). Read-only: MEDIBUS has no command
// that changes a therapy setting, so this driver declares no setting capability.
import { Type } from '@sinclair/typebox';
import { framedDriver } from '../sdk/pipeline.js';
import { CURVE_NAMES, type CurveName } from './code-tables.js';
import { MedibusDecoder } from './decoder.js';
import { MedibusFramer } from './framer.js';
import { MedibusSession } from './session.js';
import { medibusSimulator } from './simulator.js';

export const MedibusOptions = Type.Object(
  {
    pollIntervalMs: Type.Integer({
      minimum: 200,
      maximum: 60_000,
      default: 1000,
      description: 'How often measured data, alarms, settings and the mode are requested',
    }),
    codePage2: Type.Boolean({ default: true, description: 'Also request measured data and alarms of code page 2' }),
    curves: Type.Array(Type.Unsafe<CurveName>({ type: 'string', enum: [...CURVE_NAMES] }), {
      default: [...CURVE_NAMES],
      uniqueItems: true,
      description: 'Realtime curves to stream, in this order (those the device offers); [] for none',
    }),
    waveformBlockMs: Type.Integer({
      minimum: 100,
      maximum: 5000,
      default: 500,
      description: 'Milliseconds of curve samples per waveform record',
    }),
    alarmPriority: Type.Object(
      {
        high: Type.Integer({ minimum: 1, maximum: 31, default: 11, description: 'MEDIBUS priority from which an alarm is high' }),
        medium: Type.Integer({ minimum: 1, maximum: 31, default: 6, description: 'MEDIBUS priority from which an alarm is medium (below: low)' }),
      },
      {
        additionalProperties: false,
        default: {},
        description: "MEDIBUS alarm priorities (1–31, 31 highest) mapped to IEC 60601-1-8; check the device's MEDIBUS appendix",
      },
    ),
  },
  { additionalProperties: false, description: 'draeger-medibus options' },
);

export const draegerMedibus = framedDriver({
  name: 'draeger-medibus',
  summary: 'Dräger ventilator, RS-232 MEDIBUS (measured data, settings, alarms, mode, realtime curves; read-only)',
  optionsSchema: MedibusOptions,
  transports: ['serial', 'tcp-client'],
  transportDefaults: { baudRate: 19200, dataBits: 8, parity: 'even', stopBits: 1 },
  staleAfterMs: 5000,
  validateOptions: (options) =>
    options.alarmPriority.medium > options.alarmPriority.high
      ? [{ path: ['alarmPriority', 'medium'], message: `medium (${options.alarmPriority.medium}) is above high (${options.alarmPriority.high})`, hint: 'medium must not exceed high' }]
      : [],
  createFramer: () => new MedibusFramer(),
  createDecoder: (options, ids) => new MedibusDecoder(ids, options),
  createSession: (options, io) => new MedibusSession(options, io),
  simulator: medibusSimulator,
});
