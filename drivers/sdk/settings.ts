// The setting capability: how a driver lets the gateway change a device setting (remote setpoints). Only drivers
// whose device can be written declare it; every read-only protocol (MEDIBUS, GE S/5, IntelliVue, ASTM, POCT1-A,
// NMEA) leaves it out, and a setpoint for such a device is refused with NOT_ENABLED.
import type { MdcTerm, Unit } from '../../src/schema/index.js';

export interface WritableSetting {
  /** The setting's name in the driver's map, e.g. "peep". */
  readonly name: string;
  readonly metric: MdcTerm;
  readonly unit: Unit;
  readonly min: number;
  readonly max: number;
  /** Values must be min + k·step exactly; off-grid values are refused, never rounded. */
  readonly step: number;
}

export class SettingWriteError extends Error {
  constructor(
    /** timeout: no answer in time; rejected: the device refused (e.g. Modbus exception); link: not connected. */
    readonly reason: 'timeout' | 'rejected' | 'link',
    message: string,
  ) {
    super(message);
  }
}

/**
 * What a device may say when it acknowledges a write. `applied`: the device chose the next best value (BICEPS
 * FinMod) — only the device may do so; the gateway never rounds. Most devices (Modbus) say nothing.
 */
export interface WriteAck {
  readonly applied?: number;
}

/** The device's operating mode (BICEPS MDS mode): only `normal` accepts remote setpoints. */
export type OperatingMode = 'normal' | 'demo' | 'service' | 'maintenance';

export interface SettingCapability {
  list(): readonly WritableSetting[];
  /** Exactly one write of the value, no retry. Resolves when the device acknowledged it. */
  write(name: string, value: number): Promise<void | WriteAck>;
  /** A fresh read of the setting from the device (never a cached value). */
  readBack(name: string): Promise<number>;
  /** A fresh read of the operating mode, for devices that report one (absent: judged from the records' validity). */
  operatingMode?(): Promise<OperatingMode>;
}
