// The canonical record: one JSON shape for everything that leaves a driver.
// Defined once with TypeBox, so the JSON Schema (compiled by ajv in validate.ts) and the TypeScript types are the
// same declaration and cannot drift apart. This folder imports nothing else of ours.
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox';

export const SCHEMA_VERSION = 1 as const;

/** ISO-8601 UTC with milliseconds, e.g. 2026-11-25T10:00:00.000Z (what Date.prototype.toISOString gives). */
export const IsoTime = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$',
  description: 'ISO-8601 UTC with milliseconds',
});

/** How far a value can be trusted. A device's "invalid" marker becomes `invalid`, never a number. */
export const Validity = Type.Union([
  Type.Literal('valid'),
  Type.Literal('questionable'),
  Type.Literal('invalid'),
  Type.Literal('calibrating'),
  Type.Literal('unavailable'),
  Type.Literal('demo'),
]);
export type Validity = Static<typeof Validity>;

/** IEEE 11073-10101 term: numeric code (partition << 16 | term) and reference id. */
export const MdcTerm = Type.Object(
  { code: Type.Integer({ minimum: 0 }), ref: Type.String({ pattern: '^MDC_[A-Z0-9_]+$' }) },
  { additionalProperties: false },
);
export type MdcTerm = Static<typeof MdcTerm>;

/** A unit: the UCUM string, with the MDC unit code beside it where one exists. */
export const Unit = Type.Object(
  { ucum: Type.String({ minLength: 1 }), mdc: Type.Optional(Type.Integer({ minimum: 0 })) },
  { additionalProperties: false },
);
export type Unit = Static<typeof Unit>;

/** The device's own code for the thing, kept so that nothing is lost in translation. */
export const VendorCode = Type.Object(
  { code: Type.Union([Type.String(), Type.Integer()]), name: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
export type VendorCode = Static<typeof VendorCode>;

export const DeviceIdentity = Type.Object(
  {
    manufacturer: Type.Optional(Type.String()),
    model: Type.Optional(Type.String()),
    serial: Type.Optional(Type.String()),
    firmware: Type.Optional(Type.String()),
    protocol: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type DeviceIdentity = Static<typeof DeviceIdentity>;

/** A per-stream sequence number: 64-bit unsigned, as a decimal string (JSON numbers lose precision above 2^53). */
export const Seq = Type.String({ pattern: '^(0|[1-9][0-9]{0,19})$' });

/** Fields every record carries. `seq` and `historical` are set by the outbox when the record is made durable/sent. */
const envelope = {
  schema: Type.Literal(SCHEMA_VERSION),
  vehicle: Type.String({ minLength: 1, maxLength: 64 }),
  device: Type.String({ minLength: 1, maxLength: 64 }),
  driver: Type.String({ minLength: 1 }),
  /** When the device observed it (device time corrected by the gateway's per-device offset). */
  observedAt: IsoTime,
  /** When the gateway received it (gateway wall clock). */
  receivedAt: IsoTime,
  /** Gateway monotonic clock at receipt, milliseconds since boot: orders records when the wall clock steps. */
  mono: Type.Number({ minimum: 0 }),
  encounter: Type.Optional(Type.String({ minLength: 1 })),
  source: Type.Optional(DeviceIdentity),
  /** Per-stream sequence number, 64-bit unsigned as a decimal string (JSON numbers lose precision above 2^53). */
  seq: Type.Optional(Seq),
  historical: Type.Optional(Type.Boolean()),
};

function recordOf<K extends string, P extends TProperties>(kind: K, props: P, extra: Record<string, unknown> = {}) {
  return Type.Object({ kind: Type.Literal(kind), ...envelope, ...props }, { additionalProperties: false, ...extra });
}

// A value is a number exactly when the validity says it can be trusted to be one.
const valueMatchesValidity = {
  if: { properties: { validity: { enum: ['invalid', 'unavailable'] } } },
  then: { properties: { value: { type: 'null' } } },
  else: { properties: { value: { not: { type: 'null' } } } },
};

/** A reference or alarm-limit range as the device gave it, with its bounds when they could be read. */
export const ReferenceRange = Type.Object(
  { low: Type.Optional(Type.Number()), high: Type.Optional(Type.Number()), text: Type.String() },
  { additionalProperties: false },
);

export const NumericRecord = recordOf(
  'numeric',
  {
    metric: MdcTerm,
    value: Type.Union([Type.Number(), Type.Null()]),
    unit: Unit,
    validity: Validity,
    /** HL7 OBX-7: the device's reference (or alarm-limit) range for this value. */
    referenceRange: Type.Optional(ReferenceRange),
    label: Type.Optional(Type.String()),
    vendor: Type.Optional(VendorCode),
  },
  valueMatchesValidity,
);
export type NumericRecord = Static<typeof NumericRecord>;

export const WaveformRecord = recordOf('waveform', {
  metric: MdcTerm,
  unit: Unit,
  /** Samples per second. */
  rate: Type.Number({ exclusiveMinimum: 0 }),
  /** Physical value of sample i = samples[i] * scale.factor + scale.offset, in `unit`. observedAt = first sample. */
  scale: Type.Object(
    { factor: Type.Number(), offset: Type.Number() },
    { additionalProperties: false },
  ),
  samples: Type.Array(Type.Number()),
  validity: Validity,
  label: Type.Optional(Type.String()),
  vendor: Type.Optional(VendorCode),
});
export type WaveformRecord = Static<typeof WaveformRecord>;

export const AlarmRecord = recordOf('alarm', {
  /** Stable identity of this alarm condition on this device, so its state changes can be followed. */
  alarmId: Type.String({ minLength: 1 }),
  code: Type.Optional(MdcTerm),
  text: Type.String(),
  /** IEC 60601-1-8 priority; `info` is an information signal. */
  priority: Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low'), Type.Literal('info')]),
  category: Type.Union([Type.Literal('physiological'), Type.Literal('technical')]),
  state: Type.Union([
    Type.Literal('active'),
    Type.Literal('latched'),
    Type.Literal('acknowledged'),
    Type.Literal('cleared'),
  ]),
  /** The measurement the alarm is about, when the device says. */
  about: Type.Optional(MdcTerm),
  vendor: Type.Optional(VendorCode),
});
export type AlarmRecord = Static<typeof AlarmRecord>;

export const SettingRecord = recordOf(
  'setting',
  {
    metric: MdcTerm,
    value: Type.Union([Type.Number(), Type.String(), Type.Null()]),
    unit: Type.Optional(Unit),
    validity: Validity,
    label: Type.Optional(Type.String()),
    vendor: Type.Optional(VendorCode),
  },
  valueMatchesValidity,
);
export type SettingRecord = Static<typeof SettingRecord>;

export const LabRecord = recordOf('lab', {
  test: Type.Object(
    {
      loinc: Type.String({ pattern: '^[0-9]{1,7}-[0-9]$' }),
      name: Type.String(),
      /** Short display name (the LOINC SHORTNAME, e.g. "CRP SerPl-mCnc", or the test map's own). */
      shortName: Type.Optional(Type.String({ minLength: 1 })),
    },
    { additionalProperties: false },
  ),
  value: Type.Union([Type.Number(), Type.Null()]),
  /** Qualitative or non-numeric result as given (e.g. "POS", ">50"). */
  text: Type.Optional(Type.String()),
  unit: Type.Optional(Unit),
  referenceRange: Type.Optional(ReferenceRange),
  /** Abnormal flags as given by the analyser (HL7 table 0078 style: L, H, LL, HH, N, A …). */
  flags: Type.Array(Type.String()),
  status: Type.Union([
    Type.Literal('final'),
    Type.Literal('preliminary'),
    Type.Literal('corrected'),
    Type.Literal('cancelled'),
    Type.Literal('partial'),
  ]),
  validity: Validity,
  specimen: Type.Optional(
    Type.Object(
      { id: Type.Optional(Type.String()), type: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
  ),
  patientId: Type.Optional(Type.String()),
  operator: Type.Optional(Type.String()),
  instrument: Type.Optional(Type.String()),
  collectedAt: Type.Optional(IsoTime),
  /** A quality-control measurement, never a patient result. */
  qc: Type.Boolean(),
  /** The analyser's comments on this result, as given (e.g. "haemolysed sample"). */
  notes: Type.Optional(Type.Array(Type.String())),
  vendor: Type.Optional(VendorCode),
});
export type LabRecord = Static<typeof LabRecord>;

export const LocationRecord = recordOf('location', {
  /** none = no usable fix (lat/lon absent); 2d/3d as the receiver reports. */
  fix: Type.Union([Type.Literal('none'), Type.Literal('2d'), Type.Literal('3d')]),
  /** GGA fix quality: 0 none, 1 GPS, 2 DGPS, 4 RTK fixed, 5 RTK float, 6 dead reckoning … */
  quality: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
  /** WGS-84 decimal degrees. */
  lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
  lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
  /** Metres above mean sea level. */
  altitude: Type.Optional(Type.Number()),
  geoidSeparation: Type.Optional(Type.Number()),
  /** Metres per second over ground. */
  speed: Type.Optional(Type.Number({ minimum: 0 })),
  /** Degrees true, 0 ≤ course < 360. */
  course: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 360 })),
  satellites: Type.Optional(Type.Integer({ minimum: 0 })),
  hdop: Type.Optional(Type.Number({ minimum: 0 })),
  validity: Validity,
  /**
   * Where observedAt comes from: `receiver` (its date and time), `receiver-time-of-day` (its time of day, but it has
   * not sent a date yet: the date is the gateway's nearest one), `gateway` (the receiver sent no time: receivedAt).
   */
  timeSource: Type.Optional(
    Type.Union([Type.Literal('receiver'), Type.Literal('receiver-time-of-day'), Type.Literal('gateway')]),
  ),
});
export type LocationRecord = Static<typeof LocationRecord>;

export const DeviceCounters = Type.Object(
  {
    framesOk: Type.Integer({ minimum: 0 }),
    framesDropped: Type.Integer({ minimum: 0 }),
    bytesDropped: Type.Integer({ minimum: 0 }),
    checksumErrors: Type.Integer({ minimum: 0 }),
    records: Type.Integer({ minimum: 0 }),
    reconnects: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type DeviceCounters = Static<typeof DeviceCounters>;

export const DeviceState = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('connected'),
  Type.Literal('stale'),
  Type.Literal('disconnected'),
  Type.Literal('stopped'),
]);
export type DeviceState = Static<typeof DeviceState>;

export const DeviceRecord = recordOf('device', {
  state: DeviceState,
  /** Where the device is attached, e.g. "serial /dev/ambulink/gps @4800". */
  transport: Type.String(),
  identity: Type.Optional(DeviceIdentity),
  counters: DeviceCounters,
  /** Last error, in words, when disconnected. */
  error: Type.Optional(Type.String()),
});
export type DeviceRecord = Static<typeof DeviceRecord>;

export const EventRecord = recordOf('event', {
  /** Dotted name, e.g. encounter.opened, crew.action, setpoint.state. */
  event: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$' }),
  detail: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
export type EventRecord = Static<typeof EventRecord>;

/**
 * Explicit accounting of records the outbox gave up on: a contiguous seq range of one stream, evicted when a disk quota
 * was reached, expired under its class's message expiry, or lost from the memory ring while storage was unwritable.
 * Loss is never silent: these travel at the highest priority on `…/loss`. Made by the gateway (device "gateway").
 */
export const LossRecord = recordOf('loss', {
  /** The stream that lost records, "{device}/{kind}" for device records (e.g. "mon/waveform"). */
  stream: Type.String({ minLength: 1 }),
  firstSeq: Seq,
  lastSeq: Seq,
  /** Records lost in [firstSeq, lastSeq]: the whole range (ranges are contiguous). */
  count: Type.Integer({ minimum: 1 }),
  reason: Type.Union([
    /** The disk quota was reached: the lowest priority class goes first, oldest first. */
    Type.Literal('evicted'),
    /** Older than its priority class's message expiry before it could be delivered. */
    Type.Literal('expired'),
    /** Storage was unwritable and the bounded memory ring overflowed. */
    Type.Literal('overflow'),
    /**
     * Handed out but perhaps never stored: held in memory while storage was unwritable when the daemon stopped, or
     * skipped after a power cut. Some of these may have reached the hospital; none will be reused.
     */
    Type.Literal('not-persisted'),
  ]),
  /** The priority class the stream belongs to. */
  class: Type.String({ minLength: 1 }),
  /** When the first and last lost records were stored by the gateway, when known. */
  firstAt: Type.Optional(IsoTime),
  lastAt: Type.Optional(IsoTime),
});
export type LossRecord = Static<typeof LossRecord>;

/** A code from a terminology other than MDC and LOINC (SNOMED CT for the early-warning scores). */
export const Coding = Type.Object(
  { system: Type.String({ minLength: 1 }), code: Type.String({ minLength: 1 }), display: Type.String({ minLength: 1 }) },
  { additionalProperties: false },
);
export type Coding = Static<typeof Coding>;

/** The early-warning scores the gateway computes (src/ews). */
export const ScoreName = Type.Union([Type.Literal('news2'), Type.Literal('qsofa'), Type.Literal('shock-index')]);
export type ScoreName = Static<typeof ScoreName>;

/** Every band of every score: NEWS2 low … high, qSOFA negative/positive, shock index normal/elevated/high. */
export const ScoreBand = Type.Union([
  Type.Literal('low'),
  Type.Literal('low-medium'),
  Type.Literal('medium'),
  Type.Literal('high'),
  Type.Literal('negative'),
  Type.Literal('positive'),
  Type.Literal('normal'),
  Type.Literal('elevated'),
]);
export type ScoreBand = Static<typeof ScoreBand>;

/** One value a score used (or would have used, when stale): where it came from, what it was, when. */
export const ScoreInput = Type.Object(
  {
    /** device: a measurement; crew: entered by the crew; default: an assumption the config asks for (oxygen: air). */
    source: Type.Union([Type.Literal('device'), Type.Literal('crew'), Type.Literal('default')]),
    /** The device id, or the crew user who entered it. */
    by: Type.String({ minLength: 1 }),
    metric: Type.Optional(MdcTerm),
    value: Type.Union([Type.Number(), Type.String(), Type.Boolean()]),
    unit: Type.Optional(Unit),
    observedAt: IsoTime,
    /** How old it was when the score was computed (gateway monotonic clock), ms. */
    ageMs: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type ScoreInput = Static<typeof ScoreInput>;

export const ScoreComponent = Type.Object(
  {
    parameter: Type.String({ pattern: '^[a-z][A-Za-z0-9]*$' }),
    /** used: scored; missing: no usable value; stale: a value older than its staleness threshold (never imputed). */
    state: Type.Union([Type.Literal('used'), Type.Literal('missing'), Type.Literal('stale')]),
    /** The sub-score (NEWS2 0–3, qSOFA 0–1); absent when not scored, and for the shock index (a ratio). */
    points: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
    code: Type.Optional(Coding),
    input: Type.Optional(ScoreInput),
    /** Why a parameter is missing, in words. */
    reason: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type ScoreComponent = Static<typeof ScoreComponent>;

/**
 * An early-warning score, recomputed on every new input and published when it changes (and at least every refresh
 * interval). An escalation prompt, not a diagnosis. Made by the gateway (device "gateway", driver "ews").
 */
export const ScoreRecord = recordOf('score', {
  score: ScoreName,
  code: Type.Optional(Coding),
  /** incomplete: a parameter is missing or stale; value is then null and atLeast says what is already certain. */
  status: Type.Union([Type.Literal('complete'), Type.Literal('incomplete')]),
  value: Type.Union([Type.Number(), Type.Null()]),
  /** Null when the missing parameters could still change it. */
  band: Type.Union([ScoreBand, Type.Null()]),
  atLeast: Type.Optional(Type.Object({ value: Type.Number(), band: Type.Optional(ScoreBand) }, { additionalProperties: false })),
  /** NEWS2: the SpO2 scale in use (2 only when the crew set it for this encounter). */
  scale: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(2)])),
  components: Type.Array(ScoreComponent),
  missing: Type.Array(Type.String()),
  stale: Type.Array(Type.String()),
});
export type ScoreRecord = Static<typeof ScoreRecord>;

/** A score's band rose: once per rise, with hysteresis (src/ews/band-alerter.ts). Routed by its code and priority. */
export const AlertRecord = recordOf('alert', {
  score: ScoreName,
  code: Type.Optional(Coding),
  /** The band before; null for the first band seen in this encounter. */
  from: Type.Union([ScoreBand, Type.Null()]),
  to: ScoreBand,
  value: Type.Union([Type.Number(), Type.Null()]),
  status: Type.Union([Type.Literal('complete'), Type.Literal('incomplete')]),
  /** IEC 60601-1-8 style priority, for routing. */
  priority: Type.Union([Type.Literal('high'), Type.Literal('medium'), Type.Literal('low')]),
  text: Type.String({ minLength: 1 }),
});
export type AlertRecord = Static<typeof AlertRecord>;

export const MilestoneName = Type.Union([
  Type.Literal('first-medical-contact'),
  Type.Literal('first-ecg'),
  Type.Literal('12-lead-transmitted'),
  Type.Literal('12-lead-acknowledged'),
  Type.Literal('troponin-result'),
  Type.Literal('arrived-scene'),
  Type.Literal('left-scene'),
  Type.Literal('arrived-hospital'),
  Type.Literal('pre-arrival-alert'),
]);
export type MilestoneName = Static<typeof MilestoneName>;

export const TimelineInterval = Type.Object(
  {
    name: Type.Union([Type.Literal('contact-to-first-ecg'), Type.Literal('ecg-to-transmitted'), Type.Literal('contact-to-arrival')]),
    /** Milliseconds between the two milestones; null while the second has not happened. */
    ms: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
    /** The chest-pain-centre target, when there is one. */
    targetMs: Type.Optional(Type.Number({ minimum: 0 })),
    /** Whether the target was met; absent while open or without a target. */
    met: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type TimelineInterval = Static<typeof TimelineInterval>;

/** A care-pathway milestone (chest pain, stroke, trauma): once per encounter, with its time and source. */
export const MilestoneRecord = recordOf('milestone', {
  milestone: MilestoneName,
  /** When it happened (the device's observation time, the GPS fix, or the crew's entry). */
  at: IsoTime,
  /** Where it came from (`source` in every record is the device identity). */
  origin: Type.Union([Type.Literal('device'), Type.Literal('crew'), Type.Literal('gps'), Type.Literal('hospital')]),
  /** The device id, crew user, geofence id or hospital sender. */
  by: Type.String({ minLength: 1 }),
  /** The crew's pre-arrival alert to the receiving hospital. */
  preArrival: Type.Optional(Type.Union([Type.Literal('stemi'), Type.Literal('stroke'), Type.Literal('trauma')])),
  /** The result behind it, where there is one (the troponin value, the geofence). */
  detail: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]))),
  /** The pathway intervals as they stand at this milestone. */
  intervals: Type.Array(TimelineInterval),
});
export type MilestoneRecord = Static<typeof MilestoneRecord>;

export const recordSchemas = [
  NumericRecord,
  WaveformRecord,
  AlarmRecord,
  SettingRecord,
  LabRecord,
  LocationRecord,
  DeviceRecord,
  EventRecord,
  LossRecord,
  ScoreRecord,
  AlertRecord,
  MilestoneRecord,
] as const;

export type CanonicalRecord =
  | NumericRecord
  | WaveformRecord
  | AlarmRecord
  | SettingRecord
  | LabRecord
  | LocationRecord
  | DeviceRecord
  | EventRecord
  | LossRecord
  | ScoreRecord
  | AlertRecord
  | MilestoneRecord;

export type RecordKind = CanonicalRecord['kind'];
export const RECORD_KINDS: readonly RecordKind[] = recordSchemas.map(
  (s) => (s.properties.kind as { const: RecordKind }).const,
);

/** The whole record schema, discriminated on `kind` (ajv's discriminator keeps errors to the one matching kind). */
export const CanonicalRecordSchema = {
  $id: 'https://ambulink.invalid/schema/record.json',
  type: 'object',
  discriminator: { propertyName: 'kind' },
  required: ['kind'],
  oneOf: recordSchemas as readonly TObject[],
} as const;
