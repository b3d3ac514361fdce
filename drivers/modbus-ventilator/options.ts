// The register map in the vehicle YAML (`options:` of a modbus-ventilator device). No vendor publishes a ventilator
// Modbus map, so the map is configuration, in the style of EMQX Neuron's tags: per point the unit id, area, address,
// type, word order, scale and offset, UCUM unit and MDC code, poll group; for settings the writable range and step
// and the point that reads the applied value back. Rules the schema cannot express are checked in validate.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { VALUE_TYPES, WORD_ORDERS } from './registers.js';

function StringEnum<T extends string>(values: readonly T[], options: object = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

const Name = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: 'Lower-case letters, digits and "-"' });

export const AREAS = ['coil', 'discrete', 'input', 'holding'] as const;
export type Area = (typeof AREAS)[number];
export const POINT_KINDS = ['measurement', 'setting', 'alarm', 'mode'] as const;
export type PointKind = (typeof POINT_KINDS)[number];

const Writable = Type.Object(
  {
    min: Type.Number(),
    max: Type.Number(),
    step: Type.Number({ exclusiveMinimum: 0, description: 'Allowed values are min + k·step; others are refused, never rounded' }),
  },
  { additionalProperties: false, description: 'This setting may be written (remote setpoints), within this range and grid' },
);

const Alarm = Type.Object(
  {
    text: Type.String({ minLength: 1, description: 'What the crew and the command centre read, e.g. "Airway pressure high"' }),
    priority: StringEnum(['high', 'medium', 'low'] as const, { default: 'medium', description: 'IEC 60601-1-8 priority' }),
    category: StringEnum(['physiological', 'technical'] as const, { default: 'physiological' }),
    activeWhen: Type.Boolean({ default: true, description: 'The bit value that means "alarm active"' }),
  },
  { additionalProperties: false },
);

export const Point = Type.Object(
  {
    name: Name,
    kind: StringEnum(POINT_KINDS, {
      default: 'measurement',
      description: 'measurement → numeric records; setting → setting records (the value read back); alarm → alarm records on change; mode → the ventilation mode',
    }),
    label: Type.Optional(Type.String({ minLength: 1, description: 'Short display name, e.g. "PEEP"' })),
    unitId: Type.Integer({ minimum: 0, maximum: 247, default: 1, description: 'Modbus unit (slave) id' }),
    area: StringEnum(AREAS, { description: 'coil (FC 1/5), discrete input (FC 2), input register (FC 4), holding register (FC 3/6/16)' }),
    address: Type.Integer({ minimum: 0, maximum: 65535, description: '0-based address: holding register 40001 is address 0' }),
    type: StringEnum(VALUE_TYPES, { default: 'uint16', description: 'bool for coils, discrete inputs and register bits' }),
    order: StringEnum(WORD_ORDERS, { default: 'ABCD', description: 'Byte and word order of multi-byte values (16-bit: ABCD/CDAB = AB, BADC/DCBA = BA)' }),
    bit: Type.Optional(Type.Integer({ minimum: 0, maximum: 15, description: 'A single bit of a register (type bool), 0 = least significant' })),
    scale: Type.Number({ default: 1, description: 'value = raw × scale + offset' }),
    offset: Type.Number({ default: 0 }),
    unit: Type.Optional(Type.String({ minLength: 1, description: 'UCUM unit of the scaled value, e.g. cm[H2O], mL, L/min, /min, %' })),
    mdcUnit: Type.Optional(Type.String({ pattern: '^MDC_DIM_[A-Z0-9_]+$', description: 'MDC unit beside the UCUM one, e.g. MDC_DIM_RESP_PER_MIN for /min' })),
    mdc: Type.Optional(Type.String({ pattern: '^MDC_[A-Z0-9_]+$', description: 'IEEE 11073 term, e.g. MDC_VENT_PRESS_AWAY_END_EXP_POS' })),
    group: Type.Optional(Type.String({ minLength: 1, description: 'Poll group (default: the first group)' })),
    writable: Type.Optional(Writable),
    readback: Type.Optional(Type.String({ minLength: 1, description: 'Point that reads the applied value back (default: this register)' })),
    alarm: Type.Optional(Alarm),
    values: Type.Optional(
      Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.String({ minLength: 1 }), { description: 'Mode: register value → mode name' }),
    ),
  },
  { additionalProperties: false },
);

export const PollGroup = Type.Object(
  {
    name: Name,
    intervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000, default: 1000 }),
    retries: Type.Integer({ minimum: 0, maximum: 5, default: 1, description: 'Retries of a failed read within one poll' }),
  },
  { additionalProperties: false },
);

export const ModbusVentilatorOptions = Type.Object(
  {
    groups: Type.Array(PollGroup, { minItems: 1, default: [{ name: 'default', intervalMs: 1000, retries: 1 }] }),
    points: Type.Array(Point, { minItems: 1, description: 'The register map' }),
    maxGapRegisters: Type.Integer({
      minimum: 0,
      maximum: 32,
      default: 0,
      description: 'Read neighbouring points in one request across at most this many unmapped registers (0: only adjacent ones)',
    }),
    failAfterCycles: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'Poll cycles without any answer after which the link is dropped and reopened',
    }),
  },
  { additionalProperties: false, description: 'modbus-ventilator: the register map and its polling' },
) satisfies TSchema;

export type ModbusVentilatorOptions = Static<typeof ModbusVentilatorOptions>;
export type PointOptions = Static<typeof Point>;
