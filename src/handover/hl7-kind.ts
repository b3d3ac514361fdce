// Destination kind `hl7v2-mllp`: HL7 v2 ORU messages (the HL7 builder) to an interface engine over MLLP, plain TCP or
// TLS (mutual TLS with a client certificate).
import { accessSync, constants, readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import type { Encounter } from '../encounter/encounter.js';
import { Hl7Builder, type HandoverEncounter } from './hl7/index.js';
import { defineKind, type KindProblem } from './kind.js';
import { MllpTransport, reconnectBackoff, type MllpTlsOptions } from './mllp-transport.js';

const Tls = Type.Object(
  {
    ca: Type.Optional(Type.String({ minLength: 1, description: "CA certificate(s) (PEM) the engine's certificate must chain to; default: the system's" })),
    cert: Type.Optional(Type.String({ minLength: 1, description: 'Client certificate (PEM), for mutual TLS; needs key' })),
    key: Type.Optional(Type.String({ minLength: 1, description: 'Private key (PEM) of the client certificate' })),
    passphraseFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding the key passphrase; never inline' })),
    servername: Type.Optional(Type.String({ minLength: 1, description: "Name the engine's certificate must carry (default: host, when it is a name)" })),
    rejectUnauthorized: Type.Boolean({ default: true, description: "Verify the engine's certificate; false only on the bench" }),
  },
  { additionalProperties: false, description: 'TLS to the engine; files by path, relative to this YAML file' },
);

const Hl7MllpOptions = Type.Object({
  host: Type.String({ minLength: 1, description: "The interface engine's MLLP listener (Mirth, Rhapsody, Cloverleaf …)" }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  tls: Type.Optional(Tls),
  ackTimeoutMs: Type.Integer({ minimum: 100, default: 10_000, description: 'No ACK naming the message (MSA-2 = MSH-10) within this: resent, same MSH-10' }),
  connectTimeoutMs: Type.Integer({ minimum: 100, default: 10_000 }),
  reconnectInitialMs: Type.Integer({ minimum: 10, default: 500, description: 'First reconnect delay; doubles up to reconnectMaxMs, with jitter; never gives up' }),
  reconnectMaxMs: Type.Integer({ minimum: 100, default: 30_000 }),
  sendingApplication: Type.String({ minLength: 1, default: 'AMBULINK', description: 'MSH-3' }),
  sendingFacility: Type.Optional(Type.String({ minLength: 1, description: 'MSH-4 (default: the vehicle id)' })),
  receivingApplication: Type.String({ minLength: 1, description: 'MSH-5: the interface engine, as it expects to be named' }),
  receivingFacility: Type.String({ minLength: 1, description: 'MSH-6: the receiving hospital' }),
  processingId: Type.Unsafe<'P' | 'T' | 'D'>({ type: 'string', enum: ['P', 'T', 'D'], default: 'P', description: 'MSH-11: P production, T training, D debugging' }),
  assigningAuthority: Type.Optional(Type.String({ minLength: 1, description: 'PID-3.4 / PV1-19.4 (default: the sending facility)' })),
  quietMs: Type.Optional(Type.Integer({ minimum: 100, description: "A device's observation cycle is sent after this long without a new value (default 2000)" })),
  cycleWindowMs: Type.Optional(Type.Integer({ minimum: 0, description: 'Values of one device within this of the first belong to one cycle (default 1000)' })),
});
type Hl7MllpOptions = Static<typeof Hl7MllpOptions>;

const TLS_FILES = ['ca', 'cert', 'key', 'passphraseFile'] as const;

function checkTls(options: Hl7MllpOptions, abs: (path: string) => string): KindProblem[] {
  const tls = options.tls;
  if (!tls) return [];
  const problems: KindProblem[] = [];
  if (Boolean(tls.cert) !== Boolean(tls.key)) {
    problems.push({ path: ['tls'], message: 'a client certificate needs its key, and a key its certificate', hint: 'give both cert and key for mutual TLS, or neither' });
  }
  for (const k of TLS_FILES) {
    const file = tls[k];
    if (!file) continue;
    try {
      accessSync(abs(file), constants.R_OK);
    } catch (err) {
      problems.push({ path: ['tls', k], message: `cannot read ${abs(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, hint: 'check the path (relative to this YAML file) and that the ambulink user may read it' });
    }
  }
  return problems;
}

function tlsOptions(options: Hl7MllpOptions, destination: string): MllpTlsOptions | undefined {
  const tls = options.tls;
  if (!tls) return undefined;
  const read = (k: (typeof TLS_FILES)[number]) => {
    const file = tls[k];
    if (!file) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      throw new Error(`handover destination "${destination}": cannot read tls.${k} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const passphrase = read('passphraseFile')?.toString('utf8').trim();
  return {
    ...(tls.ca ? { ca: read('ca')! } : {}),
    ...(tls.cert ? { cert: read('cert')! } : {}),
    ...(tls.key ? { key: read('key')! } : {}),
    ...(passphrase ? { passphrase } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
    rejectUnauthorized: tls.rejectUnauthorized,
  };
}

/**
 * The patient as PID/PV1 name them: the encounter id and the sex the crew entered (the crew enters no name or case
 * number on the box). The worked examples in docs/ are built through this, so they show what the daemon sends.
 */
export function handoverEncounter(e: Encounter | undefined): HandoverEncounter | undefined {
  if (!e) return undefined;
  return { id: e.id, ...(e.sex === 'male' || e.sex === 'female' ? { sex: e.sex } : {}) };
}

export const hl7v2Mllp = defineKind<Hl7MllpOptions>({
  type: 'hl7v2-mllp',
  summary: 'HL7 v2 ORU^R01 (IHE PCD-01 vitals, POCT results) and ORU^R40 (PCD-04 alarms) to an interface engine over MLLP (TLS optional)',
  optionsSchema: Hl7MllpOptions,
  resolvePaths: (options, abs) => {
    const tls = options.tls;
    if (tls) for (const k of TLS_FILES) if (tls[k]) tls[k] = abs(tls[k]);
  },
  check: checkTls,
  create: (options, ctx) => {
    const facility = options.sendingFacility ?? ctx.vehicle;
    const builder = new Hl7Builder({
      sendingApplication: options.sendingApplication,
      sendingFacility: facility,
      receivingApplication: options.receivingApplication,
      receivingFacility: options.receivingFacility,
      vehicle: ctx.vehicle,
      encounter: () => handoverEncounter(ctx.encounter()),
      processingId: options.processingId,
      ...(options.assigningAuthority ? { assigningAuthority: options.assigningAuthority } : {}),
      ...(options.quietMs !== undefined ? { quietMs: options.quietMs } : {}),
      ...(options.cycleWindowMs !== undefined ? { cycleWindowMs: options.cycleWindowMs } : {}),
    });
    const tls = tlsOptions(options, ctx.destination);
    const transport = new MllpTransport({
      host: options.host,
      port: options.port,
      ackTimeoutMs: options.ackTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      reconnect: reconnectBackoff(options.reconnectInitialMs, options.reconnectMaxMs),
      ...(tls ? { tls } : {}),
      log: ctx.log,
    });
    return { builder, transport };
  },
});
