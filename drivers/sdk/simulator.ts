// Simulators speak the device side of a protocol at the byte level, for tests, the demo and the bench technician.
import type { Logger } from '../../src/core/logger.js';

export type SimEndpoint =
  /** A pseudo-terminal whose slave end appears at `path` (the gateway opens it as a serial port). */
  | { type: 'pty'; path: string }
  /** The simulator listens; the gateway dials it (tcp-client / modbus-tcp transports). */
  | { type: 'tcp-server'; host: string; port: number }
  /** The simulator dials the gateway (devices that push, e.g. HL7 over MLLP, POCT1-A). */
  | { type: 'tcp-client'; host: string; port: number }
  /** The simulator binds a UDP port and answers whoever writes to it. */
  | { type: 'udp'; host: string; port: number };

export interface SimParam {
  readonly name: string;
  readonly description: string;
  /** Shown in help; absent means the parameter is optional with no default. */
  readonly default?: string;
  /** A flag without a value (e.g. --retime). */
  readonly flag?: boolean;
}

export interface SimStartContext {
  readonly endpoint: SimEndpoint;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly log: Logger;
}

export interface RunningSimulator {
  /** Where it can be reached, in words. */
  readonly description: string;
  stop(): Promise<void>;
}

export interface SimulatorDefinition {
  readonly summary: string;
  readonly endpoints: readonly SimEndpoint['type'][];
  readonly params: readonly SimParam[];
  start(ctx: SimStartContext): Promise<RunningSimulator>;
}

export function describeEndpoint(e: SimEndpoint): string {
  return e.type === 'pty' ? `pty ${e.path}` : `${e.type} ${e.host}:${e.port}`;
}

export class SimParamError extends Error {}

/** A numeric parameter, with a clear message when it is not a number. */
export function numberParam(params: SimStartContext['params'], name: string, fallback: number): number {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new SimParamError(`--${name} must be a number, got "${raw}"`);
  return n;
}

export function flagParam(params: SimStartContext['params'], name: string): boolean {
  const raw = params[name];
  return raw !== undefined && raw !== 'false' && raw !== '0';
}
