// The vehicle YAML's JSON Schema: core sections declared here, each driver's `options:` and each transport's
// settings composed in from the driver registry and the SDK. config/vehicle.schema.json is generated from this.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { drivers } from '../../drivers/index.js';
import { TRANSPORT_TYPES, transportSchemas } from '../../drivers/sdk/transports/config.js';

export const SCHEMA_ID = 'https://ambulink.invalid/schema/vehicle.schema.json';

/** A string from a fixed list, as a plain JSON Schema enum (one clear error instead of one per alternative). */
function StringEnum<T extends string>(values: readonly T[], options: object = {}) {
  return Type.Unsafe<T>({ type: 'string', enum: [...values], ...options });
}

const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$',
  description: 'Letters, digits, "-" and "_"; at most 64 characters; used in MQTT topics',
});

export const LocalBrokerUser = Type.Object(
  {
    username: Type.String({ minLength: 1 }),
    passwordFile: Type.String({
      minLength: 1,
      description: 'File holding the password (relative paths are relative to this YAML file); never inline',
    }),
    role: StringEnum(['consumer', 'crew'] as const, {
      description: 'consumer: read data; crew: read data and send crew actions (confirmations)',
    }),
  },
  { additionalProperties: false },
);

export const LocalBroker = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    host: Type.String({ default: '127.0.0.1', description: 'Bind address; loopback unless tablets connect over the vehicle LAN' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 1883 }),
    users: Type.Array(LocalBrokerUser, { default: [], description: 'Who may connect; nobody connects anonymously' }),
  },
  { additionalProperties: false, default: {}, description: 'The embedded MQTT broker (aedes) for in-vehicle consumers' },
);

const Storage = Type.Object(
  {
    dataDir: Type.String({ default: '/var/lib/ambulink', description: 'State: outbox, audit log, keys' }),
  },
  { additionalProperties: false, default: {} },
);

const Control = Type.Object(
  {
    socket: Type.String({ default: '/run/ambulink/control.sock', description: 'Unix socket of the local CLI' }),
    group: Type.Optional(Type.String({ minLength: 1, description: 'Group that owns the socket (mode 0660)' })),
  },
  { additionalProperties: false, default: {} },
);

const Log = Type.Object(
  {
    level: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, { default: 'info' }),
  },
  { additionalProperties: false, default: {} },
);

const Policies = Type.Object(
  {
    staleAfterMs: Type.Optional(
      Type.Integer({ minimum: 100, description: 'Default time without data before a device is marked stale' }),
    ),
    deviceHeartbeatMs: Type.Integer({
      minimum: 1000,
      default: 30_000,
      description: 'How often device status records are sent while nothing changes',
    }),
  },
  { additionalProperties: false, default: {} },
);

const driverNames = drivers.map((d) => d.name);

/** A device: the core keys, with the transport and options checked per transport type and per driver. */
function deviceSchema(): TSchema {
  const base = Type.Object(
    {
      id: Id,
      name: Type.Optional(Type.String({ description: 'Human name, e.g. "Ventilator (Oxylog)"' })),
      driver: StringEnum(driverNames, { description: 'Protocol driver' }),
      enabled: Type.Boolean({ default: true }),
      transport: Type.Object(
        { type: StringEnum(TRANSPORT_TYPES) },
        { description: 'How the device is attached' },
      ),
      options: Type.Object({}, { default: {}, description: "The driver's own settings" }),
      staleAfterMs: Type.Optional(Type.Integer({ minimum: 100 })),
      simulate: Type.Optional(
        Type.Record(Type.String({ pattern: '^[a-z][a-z0-9-]*$' }), Type.String(), {
          description: 'Simulator parameters for this device, used by `ambulink demo` and `ambulink sim --config` on the bench',
        }),
      ),
    },
    { additionalProperties: false },
  );
  const byTransport = TRANSPORT_TYPES.map((t) => ({
    if: { properties: { transport: { properties: { type: { const: t } }, required: ['type'] } }, required: ['transport'] },
    then: { properties: { transport: transportSchemas[t] } },
  }));
  const byDriver = drivers.map((d) => ({
    if: { properties: { driver: { const: d.name } }, required: ['driver'] },
    then: {
      properties: {
        // The default here too: ajv may reach this branch before the base `options` default is filled in, and a
        // driver's own option defaults are applied only to an options object that exists.
        options: { ...d.optionsSchema, default: {} },
        transport: { properties: { type: { enum: [...d.transports] } } },
      },
    },
  }));
  return { ...base, allOf: [...byTransport, ...byDriver] } as TSchema;
}

export const VehicleConfigSchema = Type.Object(
  {
    vehicle: Type.Object(
      { id: Id, name: Type.Optional(Type.String()) },
      { additionalProperties: false, description: 'This vehicle; the id is the MQTT topic segment' },
    ),
    storage: Storage,
    control: Control,
    log: Log,
    localBroker: LocalBroker,
    devices: Type.Array(deviceSchema(), { default: [] }),
    policies: Policies,
  },
  { additionalProperties: false, $id: SCHEMA_ID, title: 'ambulink vehicle configuration' },
);

export type LocalBrokerUserConfig = Static<typeof LocalBrokerUser>;

/** The typed view of a validated config. Transport and options are narrowed by the driver that reads them. */
export interface VehicleConfig extends Omit<Static<typeof VehicleConfigSchema>, 'devices'> {
  devices: DeviceConfig[];
}

export interface DeviceConfig {
  id: string;
  name?: string;
  driver: string;
  enabled: boolean;
  transport: import('../../drivers/sdk/transports/config.js').TransportConfig;
  options: Record<string, unknown>;
  staleAfterMs?: number;
  simulate?: Record<string, string>;
}

/**
 * The schema as published for editors (config/vehicle.schema.json). A key with a default is filled in by the loader,
 * so the published schema does not call it required (TypeBox lists it as required for the typed view).
 */
export function publishedSchema(): object {
  const relax = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(relax);
    if (!node || typeof node !== 'object') return;
    const o = node as { required?: string[]; properties?: Record<string, { default?: unknown }> };
    if (o.required && o.properties) {
      o.required = o.required.filter((k) => o.properties![k]?.default === undefined);
      if (o.required.length === 0) delete o.required;
    }
    Object.values(o).forEach(relax);
  };
  const schema = JSON.parse(JSON.stringify(VehicleConfigSchema)) as object;
  relax(schema);
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
}
