// Destination kind `fhir-r4`: FHIR R4 Bundles (the FHIR builder: per-device transaction Bundles in the PoCD shape and
// the ATMIST handover document) to a FHIR server over HTTPS (custom CA, mutual TLS, bearer token). A Bundle the
// validator refuses is never queued: it is logged and announced as a gateway event `handover.invalid`.
import { accessSync, constants } from 'node:fs';
import { isoMs } from '../core/clock.js';
import { SCHEMA_VERSION, type EventRecord } from '../schema/index.js';
import { FhirBuilder, type FhirProblem } from './fhir/builder.js';
import { FhirHttpsTransport } from './fhir/https-transport.js';
import { FhirOptions } from './fhir/options.js';
import { ValidatorThread } from './fhir/validator-thread.js';
import { defineKind, type KindContext, type KindProblem } from './kind.js';

const FILES = ['caFile', 'certFile', 'keyFile', 'bearerTokenFile'] as const;

function check(options: FhirOptions, abs: (path: string) => string): KindProblem[] {
  const problems: KindProblem[] = [];
  if (Boolean(options.certFile) !== Boolean(options.keyFile)) {
    problems.push({ path: ['certFile'], message: 'a client certificate needs its key, and a key its certificate', hint: 'give both certFile and keyFile for mutual TLS, or neither' });
  }
  if (options.baseUrl.startsWith('http:') && (options.caFile || options.certFile)) {
    problems.push({ path: ['baseUrl'], message: 'TLS files are given but baseUrl is http://', hint: 'use https:// (http:// is for a local stand-in only)' });
  }
  for (const k of FILES) {
    const file = options[k];
    if (!file) continue;
    try {
      accessSync(abs(file), constants.R_OK);
    } catch (err) {
      problems.push({ path: [k], message: `cannot read ${abs(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, hint: 'check the path (relative to this YAML file) and that the ambulink user may read it' });
    }
  }
  return problems;
}

/** The announcement of a refused Bundle: which destination, what, and the validator's first words (no PHI). */
function invalidRecord(ctx: KindContext, p: FhirProblem): EventRecord {
  const at = isoMs(ctx.clock.wallMs());
  return {
    kind: 'event',
    schema: SCHEMA_VERSION,
    vehicle: ctx.vehicle,
    device: 'gateway',
    driver: 'handover',
    observedAt: at,
    receivedAt: at,
    mono: ctx.clock.monoMs(),
    event: 'handover.invalid',
    detail: { destination: ctx.destination, what: p.what, ...(p.device ? { device: p.device } : {}), errors: p.errors.slice(0, 10), errorCount: p.errors.length },
  };
}

export const fhirR4 = defineKind<FhirOptions>({
  type: 'fhir-r4',
  summary: 'FHIR R4 transaction Bundles per update cycle (PoCD Device/DeviceMetric/Observation, vital-signs LOINC) and the ATMIST handover document at arrival, to a FHIR server over HTTPS',
  optionsSchema: FhirOptions,
  resolvePaths: (options, abs) => {
    for (const k of FILES) {
      const file = options[k];
      if (file) options[k] = abs(file);
    }
  },
  check,
  create: (options, ctx) => {
    // The validator's own thread: it indexes the R4 definitions now (seconds), and judges each cycle (up to hundreds
    // of milliseconds) off the loop that drives the devices. The builder stops it.
    const validator = new ValidatorThread();
    validator.start();
    const builder = new FhirBuilder(options, {
      vehicle: ctx.vehicle,
      encounter: ctx.encounter,
      validator,
      onInvalid: (p) => {
        ctx.log.warn({ what: p.what, device: p.device, errors: p.errors.slice(0, 10) }, 'FHIR resource refused by the validator: not queued');
        // After the builder's call returns: the announcement goes back through the bus to every builder.
        const record = invalidRecord(ctx, p);
        queueMicrotask(() => ctx.ingest(record));
      },
    });
    return { builder, transport: new FhirHttpsTransport(options) };
  },
});
