// The `fhir-r4` destination's options in the vehicle YAML (TypeBox, with defaults): where the server is, how to trust
// it and be trusted, and how the builder cuts update cycles.
import { Type, type Static } from '@sinclair/typebox';

export const FhirOptions = Type.Object(
  {
    baseUrl: Type.String({
      pattern: '^https?://',
      description: 'The FHIR server base URL, e.g. https://fhir.hospital.example/r4 (http:// only for a local stand-in)',
    }),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA(s) that signed the server certificate' })),
    certFile: Type.Optional(Type.String({ minLength: 1, description: 'Client certificate (PEM) for mutual TLS' })),
    keyFile: Type.Optional(Type.String({ minLength: 1, description: 'Client private key (PEM) for mutual TLS' })),
    bearerTokenFile: Type.Optional(
      Type.String({ minLength: 1, description: 'File holding the bearer token sent as Authorization: Bearer …' }),
    ),
    timeoutMs: Type.Integer({ minimum: 100, default: 15000, description: 'A request with no answer by then is retried' }),
    cycleMs: Type.Integer({
      minimum: 200,
      default: 5000,
      description: "Longest update cycle per device: a device's values are sent at the latest this long after its first",
    }),
    waveforms: Type.Boolean({ default: true, description: 'Send waveform segments as Observation.valueSampledData' }),
    identifierSystem: Type.String({
      pattern: '^[a-z][a-z0-9+.-]*:',
      default: 'urn:ambulink',
      description: "URI prefix of the system of the encounter's own id (the Encounter identifier the hospital sees)",
    }),
  },
  { additionalProperties: false },
);
export type FhirOptions = Static<typeof FhirOptions>;
