// The setting capability of a Modbus ventilator, for the setpoint service: the writable points of the map, one write
// request per write (no retry, ever), and a fresh read of the point that reads the applied value back. Whatever goes
// wrong is thrown as a SettingWriteError with its reason; nothing here decides that a write "worked" — the caller
// compares the readback with what it asked for.
import type { ModbusRTU } from 'modbus-serial/ModbusRTU.js';
import type { FramerStats } from '../sdk/framer.js';
import { SettingWriteError, type SettingCapability, type WritableSetting } from '../sdk/settings.js';
import type { CompiledMap, CompiledPoint } from './map.js';
import type { RequestQueue } from './request-queue.js';
import { counted, failureReason, readArea, writeHolding } from './transactions.js';
import { pointValue, registersFor } from './values.js';

/** Tolerance for "on the grid" (min + k·step) against floating-point noise in the caller's arithmetic. */
const GRID_EPS = 1e-6;

export class ModbusSettings implements SettingCapability {
  private readonly settings: readonly WritableSetting[];

  constructor(
    private readonly map: CompiledMap,
    private readonly client: ModbusRTU,
    private readonly queue: RequestQueue,
    private readonly stats: FramerStats,
  ) {
    this.settings = [...map.writable.values()].map((p) => ({
      name: p.name,
      metric: p.metric!,
      unit: p.unit!,
      min: p.writable!.min,
      max: p.writable!.max,
      step: p.writable!.step,
    }));
  }

  list(): readonly WritableSetting[] {
    return this.settings;
  }

  async write(name: string, value: number): Promise<void> {
    const point = this.point(name);
    const { min, max, step } = point.writable!;
    const k = (value - min) / step;
    if (!Number.isFinite(value) || value < min - GRID_EPS || value > max + GRID_EPS || Math.abs(k - Math.round(k)) > GRID_EPS) {
      throw new SettingWriteError('rejected', `${value} is not an allowed value of ${name} (${min}–${max} in steps of ${step})`);
    }
    const registers = registersFor(point, min + Math.round(k) * step);
    if (!registers) throw new SettingWriteError('rejected', `${value} cannot be represented in ${name}'s register`);
    await this.transact(`write ${name}`, () => writeHolding(this.client, point.unitId, point.address, registers));
  }

  async readBack(name: string): Promise<number> {
    const rb = this.point(name).readback!;
    const data = await this.transact(`read back ${name}`, () => readArea(this.client, rb.unitId, rb.area, rb.address, rb.words));
    const value = pointValue(rb, data, 0);
    if (Number.isNaN(value)) throw new SettingWriteError('rejected', `the device gave no valid value for ${name}`);
    return value;
  }

  private point(name: string): CompiledPoint {
    const point = this.map.writable.get(name);
    if (!point) throw new SettingWriteError('rejected', `no writable setting "${name}"; writable: ${[...this.map.writable.keys()].join(', ')}`);
    return point;
  }

  /** One request, ahead of the polls, never retried; failures become SettingWriteErrors. */
  private async transact<T>(what: string, request: () => Promise<T>): Promise<T> {
    try {
      return await this.queue.run(() => counted(this.stats, request), true);
    } catch (err) {
      if (err instanceof SettingWriteError) throw err;
      const reason = failureReason(err);
      throw new SettingWriteError(reason, `${what}: ${reason === 'rejected' ? 'the device refused' : reason === 'timeout' ? 'no answer' : 'not connected'} (${(err as Error).message})`);
    }
  }
}
