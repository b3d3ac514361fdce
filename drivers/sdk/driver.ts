// The contract between the daemon and a driver. A driver is a framer, a decoder, a session and a simulator; the
// SDK composes them (pipeline.ts) and the supervisor (supervisor.ts) keeps the link to the device alive.
import type { TObject, Static } from '@sinclair/typebox';
import type { CanonicalRecord, DeviceIdentity } from '../../src/schema/index.js';
import type { Clock, RxTime } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import type { DeviceMemory } from './device-memory.js';
import type { FramerStats } from './framer.js';
import type { Link } from './link.js';
import type { SettingCapability } from './settings.js';
import type { SimulatorDefinition } from './simulator.js';
import type { TransportDefaults, TransportType } from './transports/config.js';

/** Who a record is about: stamped by decoders into every record they build. */
export interface RecordIds {
  readonly vehicle: string;
  readonly device: string;
  readonly driver: string;
}

export type RecordSink = (record: CanonicalRecord) => void;

/**
 * One frame in, canonical records out. No I/O and no clock reads: time comes in with the frame. It may keep state
 * between frames (a GPS epoch being merged, a waveform configuration), but nothing else.
 */
export interface Decoder<F> {
  decode(frame: F, rx: RxTime, out: RecordSink): void;
  /** End of input or of the link: emit what is held back, or drop it knowingly. */
  flush?(rx: RxTime, out: RecordSink): void;
}

/** What a session may do: talk to the device, pass frames on to the decoder, report identity, give up the link. */
export interface SessionIo<F> {
  readonly clock: Clock;
  readonly log: Logger;
  write(bytes: Buffer): void;
  decode(frame: F, rx: RxTime): void;
  emit(record: CanonicalRecord): void;
  /**
   * Resolves once every record emitted so far will be delivered or announced (written to the outbox). A protocol that
   * acknowledges what it received (ASTM, POCT1-A, HL7 over MLLP) acknowledges after this, so that a record the device
   * was told it delivered is never lost to a crash of the gateway.
   */
  stored(): Promise<void>;
  setIdentity(identity: DeviceIdentity): void;
  /** The link is unusable (handshake failed, device silent): drop it; the supervisor reconnects with backoff. */
  fail(reason: string): void;
}

/**
 * The protocol's conversation: handshake, polling, keep-alive, timeouts. The only part that writes to the device and
 * the only part with timers. A passive protocol (NMEA) has none and every frame goes to the decoder.
 */
export interface Session<F> {
  start(): void;
  onFrame(frame: F, rx: RxTime): void;
  /** Orderly goodbye (e.g. MEDIBUS STOP); clears every timer. */
  stop(): Promise<void> | void;
}

export interface DriverContext<O> {
  readonly options: O;
  readonly ids: RecordIds;
  readonly clock: Clock;
  readonly log: Logger;
  emit(record: CanonicalRecord): void;
  /** See SessionIo.stored. */
  stored(): Promise<void>;
  setIdentity(identity: DeviceIdentity): void;
  fail(reason: string): void;
  /** What the driver keeps of this device across links and restarts (absent when nothing is kept: tests, `ambulink capture`). */
  readonly memory?: DeviceMemory;
}

/** A driver attached to one link. */
export interface DriverInstance {
  /** The link's frame counters, read by the supervisor for device records. */
  readonly stats: FramerStats;
  /** Present only for devices that can be written (setpoints); see settings.ts. */
  readonly settings?: SettingCapability;
  stop(): Promise<void> | void;
}

/** Runs a raw device-side capture through the same framer and decoder as the live driver. */
export interface OfflineDecoder {
  push(chunk: Buffer, rx: RxTime, out: RecordSink): void;
  end(rx: RxTime, out: RecordSink): void;
  readonly stats: FramerStats;
}

export interface Driver<S extends TObject = TObject> {
  readonly name: string;
  readonly summary: string;
  /** The driver's `options:` block in the vehicle YAML (TypeBox, with defaults). */
  readonly optionsSchema: S;
  readonly transports: readonly TransportType[];
  readonly transportDefaults?: TransportDefaults;
  /** How long without a record before the device is marked stale, unless the vehicle config says otherwise. */
  readonly staleAfterMs?: number;
  /**
   * Semantic checks of the options, run by the config loader after the schema passed (so defaults are filled in);
   * every problem is reported with the YAML line it points at. Absent when the schema says it all.
   */
  validateOptions?(options: Static<S>): OptionProblem[];
  attach(link: Link, ctx: DriverContext<Static<S>>): DriverInstance;
  /** Absent for drivers whose transport does its own framing (Modbus). */
  offline?(options: Static<S>, ids: RecordIds): OfflineDecoder;
  readonly simulator?: SimulatorDefinition;
}

/**
 * A problem with a device's `options:` that the JSON Schema cannot express (overlapping registers, a reference to a
 * name that does not exist). `path` is relative to `options`, e.g. ['points', 3, 'address'].
 */
export interface OptionProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
  readonly hint?: string;
}

/** A driver of any options type, as held by the registry. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the registry is heterogeneous by design
export type AnyDriver = Driver<any>;
