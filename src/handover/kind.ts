// What a kind of handover destination is: what its options are (a TypeBox schema, composed into the vehicle config
// schema), what the schema cannot check (files readable, pairs complete), and how to make its builder and transport.
// The queue is the same for every kind. The registry of kinds is kinds.ts.
import type { TObject } from '@sinclair/typebox';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Encounter } from '../encounter/encounter.js';
import type { CanonicalRecord } from '../schema/index.js';
import type { HandoverBuilder, HandoverTransport } from './destination.js';

/** Where a destination's parts live and what they may read. */
export interface KindContext {
  readonly destination: string;
  readonly vehicle: string;
  readonly log: Logger;
  readonly clock: Clock;
  /** The encounter open now, if any (read when a message is built). */
  readonly encounter: () => Encounter | undefined;
  /** The record gate's door, for a kind's own announcements (e.g. a message its validator refused to queue). */
  readonly ingest: (record: CanonicalRecord) => void;
}

/** A problem with a destination's options that the schema cannot state; path is relative to the destination. */
export interface KindProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly hint?: string;
}

export interface DestinationKind<O = Record<string, unknown>> {
  readonly type: string;
  readonly summary: string;
  /** The kind's own keys of a destination (beside name, kind and the queue's keys), with their defaults. */
  readonly optionsSchema: TObject;
  /** Relative file paths in the options, made absolute (relative to the YAML file) once the config is valid. */
  readonly resolvePaths?: (options: O, abs: (path: string) => string) => void;
  /** Checked at config load, on options that passed the schema; `abs` resolves a path as resolvePaths will. */
  readonly check?: (options: O, abs: (path: string) => string) => KindProblem[];
  create(options: O, ctx: KindContext): { builder: HandoverBuilder; transport: HandoverTransport };
}

/**
 * A kind with its options typed (Static of its optionsSchema), as the registry holds it: options reach a kind only after the
 * config schema (which includes this kind's optionsSchema) validated them, so the narrowing here is what ajv checked.
 */
export function defineKind<O>(kind: DestinationKind<O>): DestinationKind {
  return kind as unknown as DestinationKind;
}
