// The vehicle YAML's clinical sections: early-warning scores (src/ews) and the care timeline (src/timeline).
import { Type, type Static } from '@sinclair/typebox';

const seconds = (dflt: number, description: string) => Type.Integer({ minimum: 1, default: dflt, description });

export const EarlyWarningSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    devices: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        minItems: 1,
        description:
          'Devices whose measurements the scores use, first fresh one wins (default: every device, the most recently received value). Name the monitor(s) on the patient',
      }),
    ),
    staleAfterS: Type.Object(
      {
        respirationRate: seconds(60, 'A respiration rate older than this is stale (the score is incomplete, never imputed)'),
        spo2: seconds(60, 'SpO2'),
        systolic: seconds(900, 'Systolic pressure (a cuff cycles every few minutes; an arterial line is continuous)'),
        pulse: seconds(60, 'Pulse / heart rate'),
        temperature: seconds(3600, 'Temperature (often measured once)'),
        consciousness: seconds(1800, "The crew's ACVPU assessment"),
        oxygen: seconds(120, "A ventilator's FiO2 setting (the crew's oxygen entry never goes stale: it stands until they change it)"),
      },
      { additionalProperties: false, default: {}, description: 'Per parameter, in seconds of gateway time since the value was received' },
    ),
    assumeAirWithoutOxygenEntry: Type.Boolean({
      default: false,
      description:
        'With no crew oxygen entry and no ventilator FiO2: score NEWS2 as on air (input source "default") instead of incomplete. Only where the service protocol says a patient not recorded on oxygen is on air',
    }),
    alertHoldS: Type.Integer({
      minimum: 0,
      default: 300,
      description: 'A band must stay below the alerted band this long before a new rise alerts again (hysteresis)',
    }),
    refreshS: seconds(30, 'Publish each score at least this often while nothing changes'),
  },
  { additionalProperties: false, default: {}, description: 'NEWS2, qSOFA and shock index computed on the gateway: escalation prompts, not a diagnosis' },
);
export type EarlyWarningConfig = Static<typeof EarlyWarningSection>;

export const Geofence = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' }),
    kind: Type.Union([Type.Literal('scene'), Type.Literal('hospital')], { description: 'scene: arrived/left scene; hospital: arrived at hospital' }),
    name: Type.Optional(Type.String()),
    lat: Type.Number({ minimum: -90, maximum: 90 }),
    lon: Type.Number({ minimum: -180, maximum: 180 }),
    radiusM: Type.Number({ exclusiveMinimum: 0, default: 150, description: 'Inside when the fix is within this many metres' }),
  },
  { additionalProperties: false },
);
export type GeofenceConfig = Static<typeof Geofence>;

export const TimelineSection = Type.Object(
  {
    enabled: Type.Boolean({ default: true }),
    geofences: Type.Array(Geofence, { default: [], description: 'Places whose entry or exit by a GPS fix is a milestone' }),
    targets: Type.Object(
      {
        contactToFirstEcgS: seconds(600, 'Chest-pain-centre target: first ECG within 10 minutes of first medical contact'),
        ecgToTransmittedS: Type.Optional(Type.Integer({ minimum: 1, description: 'Target from first ECG to the 12-lead transmitted' })),
        contactToArrivalS: Type.Optional(Type.Integer({ minimum: 1, description: 'Target from first medical contact to arrival at hospital' })),
      },
      { additionalProperties: false, default: {} },
    ),
  },
  { additionalProperties: false, default: {}, description: 'The care timeline: chest-pain, stroke and trauma milestones with their times and sources' },
);
export type TimelineConfig = Static<typeof TimelineSection>;
