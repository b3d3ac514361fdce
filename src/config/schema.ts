// The vehicle YAML's JSON Schema: core sections declared here, each driver's `options:` and each transport's
// settings composed in from the driver registry and the SDK. config/vehicle.schema.json is generated from this.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { drivers } from '../../drivers/index.js';
import { TRANSPORT_TYPES, transportSchemas } from '../../drivers/sdk/transports/config.js';
import { EarlyWarningSection, TimelineSection } from './clinical.js';
import { HandoverSection, type HandoverConfig } from '../handover/config-schema.js';

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

export const ConsoleSection = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Serve the crew console (off unless configured)' }),
    host: Type.String({ default: '127.0.0.1', description: "Bind address: the box's address on the vehicle LAN for the crew's tablets" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    cert: Type.Optional(Type.String({ minLength: 1, description: "The box's TLS certificate (PEM), relative to this YAML file; needed when enabled" })),
    key: Type.Optional(Type.String({ minLength: 1, description: 'Its private key (PEM); needed when enabled' })),
    sessionMinutes: Type.Integer({ minimum: 1, maximum: 24 * 60, default: 12 * 60, description: 'How long a login lasts (one shift)' }),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The crew console: HTTPS on the vehicle LAN, login per local broker user, live data over MQTT/WebSocket',
  },
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

// Video: cameras (one ffmpeg each), the live SRT leg to the hospital, the recording, retention and upload.
const TestSource = Type.Object(
  {
    type: Type.Literal('test'),
    pattern: StringEnum(['testsrc2', 'smptehdbars', 'smptebars'] as const, { default: 'testsrc2' }),
  },
  { additionalProperties: false, description: 'A synthetic picture from ffmpeg (demo, bench, tests)' },
);
const V4l2Source = Type.Object(
  {
    type: Type.Literal('v4l2'),
    device: Type.String({ minLength: 1, description: 'e.g. /dev/ambulink/cam-cabin (udev name) or /dev/video0' }),
    inputFormat: Type.String({ default: 'mjpeg', description: 'Camera pixel format; mjpeg keeps 720p/1080p within USB 2' }),
  },
  { additionalProperties: false, description: 'A USB (UVC) camera' },
);
const RtspSource = Type.Object(
  {
    type: Type.Literal('rtsp'),
    url: Type.String({ pattern: '^rtsps?://', description: 'rtsp://[user:password@]camera/stream; credentials are redacted in logs and status' }),
    transport: StringEnum(['tcp', 'udp'] as const, { default: 'tcp' }),
    timeoutMs: Type.Integer({ minimum: 500, default: 5000, description: 'Socket timeout: a frozen camera ends the pull after this' }),
  },
  { additionalProperties: false, description: 'An IP camera pulled over RTSP' },
);
const sourceTypes = { test: TestSource, v4l2: V4l2Source, rtsp: RtspSource } as const;
/** Checked per `type` (as device transports are), so an error names the one key that is wrong. */
const VideoSource = Type.Unsafe<Static<typeof TestSource> | Static<typeof V4l2Source> | Static<typeof RtspSource>>({
  type: 'object',
  description: 'Where the picture comes from: test | v4l2 | rtsp',
  required: ['type'],
  properties: { type: { type: 'string', enum: Object.keys(sourceTypes) } },
  allOf: Object.entries(sourceTypes).map(([type, schema]) => ({
    if: { properties: { type: { const: type } }, required: ['type'] },
    then: schema,
  })),
});

const EncoderName = StringEnum(['libx264', 'vaapi', 'nvenc', 'v4l2m2m'] as const);

const Camera = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String()),
    enabled: Type.Boolean({ default: true }),
    source: VideoSource,
    width: Type.Integer({ minimum: 16, maximum: 7680, default: 1280 }),
    height: Type.Integer({ minimum: 16, maximum: 4320, default: 720 }),
    fps: Type.Integer({ minimum: 1, maximum: 120, default: 30 }),
    encoders: Type.Array(EncoderName, {
      default: ['libx264'],
      minItems: 1,
      description: 'Preference order; each is probed with a one-frame test encode at start, libx264 is the fallback',
    }),
    recordBitrateKbps: Type.Integer({ minimum: 100, default: 2500, description: 'The one encode: recording at this fixed rate' }),
    live: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        maxBitrateKbps: Type.Optional(
          Type.Integer({ minimum: 100, description: 'Live ceiling (default: the recording rate, sent without a second encode)' }),
        ),
        minBitrateKbps: Type.Integer({ minimum: 100, default: 300, description: 'Live floor when the uplink is poor' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false },
);

const Video = Type.Object(
  {
    ffmpegPath: Type.Optional(Type.String({ minLength: 1, description: 'Default: $FFMPEG_PATH, ffmpeg-static, then ffmpeg on PATH' })),
    srtLiveTransmitPath: Type.Optional(Type.String({ minLength: 1, description: 'Default: srt-live-transmit on PATH (Debian: srt-tools)' })),
    recordDir: Type.Optional(Type.String({ minLength: 1, description: 'Where segments and manifests go (default: <dataDir>/video)' })),
    segmentSeconds: Type.Integer({ minimum: 2, maximum: 600, default: 10, description: 'Segment length, cut on the UTC clock' }),
    stallTimeoutMs: Type.Integer({ minimum: 1000, default: 8000, description: 'No encoder progress for this long: restart' }),
    live: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^srt://[^?]+:[0-9]+$', description: 'Hospital SRT ingest, srt://host:port (we call it)' }),
          passphraseFile: Type.Optional(Type.String({ minLength: 1, description: 'AES passphrase (10–79 characters), in a file; never inline' })),
          pbkeylen: Type.Union([Type.Literal(16), Type.Literal(24), Type.Literal(32)], { default: 32 }),
          latencyMs: Type.Integer({ minimum: 20, maximum: 8000, default: 1200, description: 'SRT latency; 3–4× the RTT, more on cellular' }),
          configErrorRetryMs: Type.Integer({ minimum: 1000, default: 300_000, description: 'Retry period after a rejected passphrase' }),
        },
        { additionalProperties: false, description: 'The live leg to the hospital' },
      ),
    ),
    upload: Type.Optional(
      Type.Object(
        {
          url: Type.String({ pattern: '^https?://', description: 'tus (resumable upload) endpoint of the hospital' }),
          maxKbps: Type.Integer({ minimum: 0, default: 0, description: '0 = unthrottled when no live video runs' }),
          maxKbpsWhileLive: Type.Integer({ minimum: 1, default: 500, description: 'Throttle while any live leg is connected' }),
        },
        { additionalProperties: false, description: 'Upload of closed segments' },
      ),
    ),
    retention: Type.Object(
      {
        evictUploadedBelowFreePercent: Type.Number({ minimum: 0, maximum: 100, default: 15, description: 'Free space under this: delete uploaded segments, oldest first' }),
        alarmBelowFreePercent: Type.Number({ minimum: 0, maximum: 100, default: 5, description: 'Free space under this: storage alarm' }),
        evictUnuploaded: Type.Boolean({ default: false, description: 'At the alarm level, also delete segments never uploaded (each one alarmed and in the manifest)' }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Camera pipeline settings shared by all cameras' },
);

const Setpoints = Type.Object(
  {
    enabled: Type.Boolean({ default: false, description: 'Accept remote ventilator setpoints from the hospital (through the uplink)' }),
    policyFile: Type.String({ default: '/etc/ambulink/setpoint-policy.json', description: 'Signed policy: trusted clinician keys, roles, revocations, clinical limits' }),
    authorityKeyFile: Type.String({ default: '/etc/ambulink/policy-authority.pub', description: "PEM public key of the policy authority that signs the policy" }),
    confirm: Type.Object(
      {
        required: Type.Boolean({ default: true, description: 'The crew must confirm every remote setpoint' }),
        timeoutS: Type.Integer({ minimum: 5, maximum: 300, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    maxLifetimeS: Type.Integer({ minimum: 5, maximum: 60, default: 60, description: 'Longest accepted expiresAt − issuedAt' }),
    skewS: Type.Integer({ minimum: 0, maximum: 5, default: 5, description: 'Clock skew allowed before issuedAt/notBefore' }),
    queueLength: Type.Integer({ minimum: 1, maximum: 10, default: 4, description: 'Commands queued per device; more are refused' }),
    maxTimeToFinishMs: Type.Integer({ minimum: 500, default: 5000, description: 'Write plus readback must finish within this' }),
    readbackIntervalMs: Type.Integer({ minimum: 50, default: 250 }),
    leaseS: Type.Integer({ minimum: 10, default: 600, description: 'Remote authority lapses after this long without a command' }),
    vitalsDevice: Type.Optional(Type.String({ description: 'Device whose SpO2 the interlocks read (default: the freshest of any)' })),
    rateLimit: Type.Object(
      {
        perMinute: Type.Integer({ minimum: 1, default: 6 }),
        failuresBeforeSuspend: Type.Integer({ minimum: 1, default: 5 }),
        failureWindowS: Type.Integer({ minimum: 1, default: 300 }),
        suspendS: Type.Integer({ minimum: 1, default: 300 }),
      },
      { additionalProperties: false, default: {} },
    ),
    time: Type.Object(
      {
        requireSync: Type.Boolean({ default: true, description: 'Refuse remote setpoints while the clock is not synchronised' }),
        syncFile: Type.String({ default: '/run/systemd/timesync/synchronized', description: "The time service's synchronised flag (touched on every sync)" }),
        stepThresholdMs: Type.Integer({ minimum: 100, default: 1000 }),
        checkIntervalMs: Type.Integer({ minimum: 100, default: 1000 }),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'Remote ventilator setpoints (see the README: Remote setpoints and the audit log)' },
);

const MiB = 1024 * 1024;

const quota = (bytes: number) =>
  Type.Integer({ minimum: 65_536, default: bytes, description: 'Disk quota of this class, in bytes of stored records' });

/** A class that is never evicted and never expires: its quota is watched and reported, never enforced by dropping. */
function protectedClass(description: string, quotaBytes: number) {
  return Type.Object({ quotaBytes: quota(quotaBytes) }, { additionalProperties: false, default: {}, description });
}

/** A class that may be evicted when quotas are reached and that expires. */
function evictableClass(description: string, quotaBytes: number, expirySeconds: number) {
  return Type.Object(
    {
      quotaBytes: quota(quotaBytes),
      expirySeconds: Type.Integer({
        minimum: 0,
        default: expirySeconds,
        description: 'Records older than this are dropped (announced on …/loss) and carry it as MQTT 5 message expiry; 0 = never',
      }),
    },
    { additionalProperties: false, default: {}, description },
  );
}

export const OutboxSection = Type.Object(
  {
    dir: Type.Optional(Type.String({ minLength: 1, description: 'LevelDB directory (default: {storage.dataDir}/outbox)' })),
    maxBytes: Type.Integer({
      minimum: 1_048_576,
      default: 2048 * MiB,
      description: 'Total disk quota: past it, location, waveform and diagnostic records are evicted (lowest class, oldest first)',
    }),
    syncIntervalMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 200,
      description: 'A write is fsynced at least this often (alarm, event, loss and audit writes always at once): the power-loss window',
    }),
    memoryRingBytes: Type.Integer({
      minimum: 65_536,
      default: 32 * MiB,
      description: 'While storage is unwritable (disk full, read-only), records wait in a memory ring of this size',
    }),
    classes: Type.Object(
      {
        alarm: protectedClass('Alarms, events, loss records, audit checkpoints, setpoint results: never evicted, never expire', 256 * MiB),
        lab: protectedClass('Lab (POCT) results: never evicted, never expire', 64 * MiB),
        numeric: protectedClass('Numerics and device settings: never evicted, never expire', 512 * MiB),
        location: evictableClass('Positions: evicted third', 128 * MiB, 86_400),
        waveform: evictableClass('Waveforms: evicted second', 1024 * MiB, 3_600),
        diagnostic: evictableClass('Device status and gateway health: evicted first', 64 * MiB, 3_600),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: 'The store-and-forward outbox (LevelDB): every record is on disk before it is sent, and deleted only on PUBACK',
  },
);

const UplinkTls = Type.Object(
  {
    ca: Type.Optional(Type.String({ minLength: 1, description: "CA certificate file (PEM) that signed the hospital broker's certificate" })),
    cert: Type.Optional(Type.String({ minLength: 1, description: "This vehicle's client certificate (PEM), for mutual TLS" })),
    key: Type.Optional(Type.String({ minLength: 1, description: 'Private key of the client certificate (PEM)' })),
    passphraseFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the private key passphrase; never inline' })),
    servername: Type.Optional(Type.String({ minLength: 1, description: 'Name to verify in the broker certificate (default: the URL host)' })),
    rejectUnauthorized: Type.Boolean({ default: true, description: 'Verify the broker certificate; false only on the bench' }),
  },
  { additionalProperties: false, description: 'TLS files by path, relative to this YAML file' },
);

export const UplinkSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    url: Type.String({
      pattern: '^(mqtt|mqtts|tcp|tls|ssl)://[^\\s/]+/?$',
      description: "The hospital broker, e.g. mqtts://broker.hospital.example:8883",
    }),
    protocolVersion: Type.Union([Type.Literal('auto'), Type.Literal(5), Type.Literal(4)], {
      default: 'auto',
      description: 'auto: MQTT 5, falling back to 3.1.1 when the broker refuses 5; 4 = 3.1.1',
    }),
    clientId: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Default: ambulink-{vehicle id}' })),
    username: Type.Optional(Type.String({ minLength: 1 })),
    passwordFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the password; never inline' })),
    tls: Type.Optional(UplinkTls),
    keepaliveSeconds: Type.Integer({ minimum: 2, maximum: 600, default: 15 }),
    stallTimeoutMs: Type.Optional(
      Type.Integer({ minimum: 1000, description: 'No PUBACK for this long while messages are in flight: tear down and reconnect (default: the keep-alive)' }),
    ),
    connectTimeoutMs: Type.Integer({ minimum: 1000, default: 10_000 }),
    reconnectInitialMs: Type.Integer({ minimum: 10, default: 500, description: 'First reconnect delay; doubles up to reconnectMaxMs, with jitter' }),
    reconnectMaxMs: Type.Integer({ minimum: 100, default: 30_000 }),
    inflight: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 16,
      description: "Messages in flight (published, PUBACK pending); capped by the broker's receive maximum",
    }),
    batchMaxRecords: Type.Integer({ minimum: 1, maximum: 10_000, default: 500, description: 'Most records of one stream in one message' }),
    batchMaxBytes: Type.Integer({ minimum: 1024, maximum: 16 * MiB, default: 65_536, description: 'Largest message payload' }),
    statusIntervalMs: Type.Integer({ minimum: 1000, default: 10_000, description: 'How often the retained status (with outbox figures) is refreshed' }),
  },
  { additionalProperties: false, description: "The uplink to the hospital's MQTT broker over the 5G link" },
);

const Audit = Type.Object(
  {
    checkpointEvery: Type.Integer({ minimum: 1, default: 100, description: 'Sign a checkpoint after this many entries' }),
    checkpointIntervalS: Type.Integer({ minimum: 1, default: 60, description: '… and at least this often while entries are written' }),
  },
  { additionalProperties: false, default: {}, description: 'The tamper-evident audit log in <dataDir>/audit' },
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
        options: d.optionsSchema,
        transport: { properties: { type: { enum: [...d.transports] } } },
      },
    },
  }));
  // The core keys come first in allOf: ajv evaluates allOf before its sibling keywords, and a device written without
  // `options:` must get its empty object (the core default) before the driver's branch fills in the driver's defaults.
  return Type.Unsafe({ allOf: [base, ...byTransport, ...byDriver] });
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
    console: ConsoleSection,
    devices: Type.Array(deviceSchema(), { default: [] }),
    video: Video,
    cameras: Type.Array(Camera, { default: [], description: 'Cameras: one ffmpeg and one encode each' }),
    policies: Policies,
    setpoints: Setpoints,
    audit: Audit,
    outbox: OutboxSection,
    uplink: Type.Optional(UplinkSection),
    earlyWarning: EarlyWarningSection,
    timeline: TimelineSection,
    handover: Type.Optional(HandoverSection),
  },
  { additionalProperties: false, $id: SCHEMA_ID, title: 'ambulink vehicle configuration' },
);

export type LocalBrokerUserConfig = Static<typeof LocalBrokerUser>;
export type ConsoleConfig = Static<typeof ConsoleSection>;
export type CameraConfig = Static<typeof Camera>;
export type VideoConfig = Static<typeof Video>;
export type EncoderName = Static<typeof EncoderName>;
export type OutboxConfig = Static<typeof OutboxSection>;
export type UplinkConfig = Static<typeof UplinkSection>;

/** The typed view of a validated config. Transport and options are narrowed by the driver that reads them. */
export interface VehicleConfig extends Omit<Static<typeof VehicleConfigSchema>, 'devices' | 'handover'> {
  devices: DeviceConfig[];
  handover?: HandoverConfig;
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
