// A Modbus ventilator (RTU on a pty, TCP on a port) whose registers follow sim-map.ts and whose values come from the
// lung model: writing a setting changes the ventilation, and the measured values, curves and alarms follow.
// Faults for the setpoint path, on request: a write acknowledged but ignored, applied with a different value,
// applied late, a device that goes silent in the middle of a write, a reboot (settings back to their boot values).
// Tests arm them one write at a time (armFault); `ambulink sim` applies one to every write (--fault).
import { performance } from 'node:perf_hooks';
import { VENT_MODES, type Measured, type VentSettings, type VentilatedLung } from '../sdk/physiology/ventilated-lung.js';
import { lungFrom, ventilatorParams } from '../sdk/physiology/ventilator-params.js';
import { openSimPort, type SimPort } from '../sdk/sim-port.js';
import { SimParamError, numberParam, type RunningSimulator, type SimStartContext, type SimulatorDefinition } from '../sdk/simulator.js';
import { compileMap, type CompiledMap, type CompiledPoint } from './map.js';
import { INTEGER_RANGE, encodeRegisters } from './registers.js';
import { SIMULATED_VENTILATOR_MAP, withDefaults } from './sim-map.js';
import {
  EXCEPTION,
  ModbusException,
  RtuFraming,
  TcpFraming,
  bitsResponse,
  exceptionResponse,
  parseRequest,
  registersResponse,
  writeResponse,
  type SlaveFraming,
} from './slave.js';
import { pointValue } from './values.js';

export const FAULT_KINDS = ['ignore-write', 'apply-different', 'apply-late', 'silent-mid-write', 'reboot'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  readonly kind: FaultKind;
  /** apply-late: delay before the value takes effect; silent-mid-write and reboot: how long the device is gone (ms). */
  readonly delayMs?: number;
  /** apply-different: added to the written value, in the setting's unit (default: two steps). */
  readonly offset?: number;
}

export interface WriteLogEntry {
  readonly name: string;
  readonly value: number;
  readonly fault: FaultKind | undefined;
}

const SETTING_KEYS = ['vt', 'rr', 'peep', 'fio2', 'pinsp', 'ti'] as const;
type SettingKey = (typeof SETTING_KEYS)[number];
const isSettingKey = (s: string): s is SettingKey => (SETTING_KEYS as readonly string[]).includes(s);

const MEASURED: Readonly<Record<string, (m: Measured) => number>> = {
  ppeak: (m) => m.ppeak,
  pplat: (m) => m.pplat,
  pmean: (m) => m.pmean,
  'peep-measured': (m) => m.peep,
  mv: (m) => m.mv,
  vte: (m) => m.vte,
  'rr-measured': (m) => m.rr,
  etco2: (m) => m.etco2,
  spo2: (m) => m.spo2,
  'fio2-measured': (m) => m.fio2,
  vti: (m) => m.vti,
};

const ALARM_SOURCES = { 'paw-high': 'pawHigh', 'mv-low': 'mvLow', apnea: 'apnea', disconnection: 'disconnection' } as const;

/** The raw registers of a value, clamped to what the register type holds (a simulator never fails to encode). */
function registersOf(point: CompiledPoint, value: number): number[] {
  let raw = (value - point.offset) / point.scale;
  const range = INTEGER_RANGE[point.type];
  if (range) raw = Math.min(range[1], Math.max(range[0], Math.round(raw)));
  return encodeRegisters(raw, point.type, point.order);
}

export interface ModbusSimOptions {
  readonly unitId: number;
  /** Applied to every write (ambulink sim --fault); tests arm faults one write at a time instead. */
  readonly fault: Fault | undefined;
  readonly rebootEveryS: number;
}

export class ModbusVentilatorSimulator implements RunningSimulator {
  readonly description: string;
  /** Every write request that reached the device, and the fault it met. */
  readonly writes: WriteLogEntry[] = [];
  private readonly framing: SlaveFraming;
  private readonly holding = new Map<number, number>();
  private readonly armed: Fault[] = [];
  private readonly boot: VentSettings;
  private readonly timers = new Set<NodeJS.Timeout>();
  private silentUntilMs = 0;
  private lastAdvanceMs = performance.now();

  constructor(
    private readonly port: SimPort,
    readonly rtu: boolean,
    readonly lung: VentilatedLung,
    private readonly map: CompiledMap,
    private readonly options: ModbusSimOptions,
  ) {
    this.description = `${port.description} (Modbus ${rtu ? 'RTU' : 'TCP'} ventilator, unit ${options.unitId})`;
    const handle = (unitId: number, pdu: Buffer) => this.handle(unitId, pdu);
    const send = (bytes: Buffer) => this.port.write(bytes);
    this.framing = rtu ? new RtuFraming(handle, send) : new TcpFraming(handle, send);
    this.boot = { ...lung.settings };
  }

  start(): void {
    this.resetRegisters();
    this.port.onData((chunk) => {
      if (!this.silent) this.framing.push(chunk);
    });
    this.every(200, () => {
      const now = performance.now();
      this.lung.advance((now - this.lastAdvanceMs) / 1000);
      this.lastAdvanceMs = now;
    });
    if (this.options.rebootEveryS > 0) this.every(this.options.rebootEveryS * 1000, () => this.reboot(3000));
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.port.close();
  }

  // ---- control, for tests and the bench ---------------------------------------------------------------------

  /** The next write meets this fault (several armed faults meet successive writes). */
  armFault(fault: Fault): void {
    this.armed.push(fault);
  }

  /** Drops the gateway's connection, answers nothing for `ms`, then comes back with the boot settings. */
  reboot(ms: number): void {
    this.silentUntilMs = performance.now() + ms;
    this.port.hangUp();
    this.framing.reset();
    this.after(ms, () => {
      Object.assign(this.lung.settings, this.boot);
      this.resetRegisters();
    });
  }

  /** Answers nothing for `ms` (requests are swallowed, as by a device busy or hung). */
  goSilent(ms: number): void {
    this.silentUntilMs = performance.now() + ms;
  }

  get silent(): boolean {
    return performance.now() < this.silentUntilMs;
  }

  // ---- the device ---------------------------------------------------------------------------------------------

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    this.timers.add(t);
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  /** Holding registers carry the commanded settings; at boot, the boot settings. */
  private resetRegisters(): void {
    this.holding.clear();
    for (const p of this.map.points) {
      if (p.area !== 'holding') continue;
      const value = isSettingKey(p.name) ? this.lung.settings[p.name] : 0;
      registersOf(p, value).forEach((r, i) => this.holding.set(p.address + i, r));
    }
  }

  /** What a point reads now, from the model. */
  private valueOf(p: CompiledPoint, m: Measured, alarms: ReturnType<VentilatedLung['alarms']>): number {
    if (p.kind === 'alarm') {
      const key = ALARM_SOURCES[p.name as keyof typeof ALARM_SOURCES];
      const active = key ? alarms[key] : false;
      return active === p.alarm!.activeWhen ? 1 : 0;
    }
    if (p.kind === 'mode') return VENT_MODES.indexOf(this.lung.settings.mode);
    const setting = p.name.replace(/-readback$/, '');
    if (p.name.endsWith('-readback') && isSettingKey(setting)) return this.lung.settings[setting];
    return MEASURED[p.name]?.(m) ?? 0;
  }

  /** The current image of an area that is computed from the model (input registers, discrete inputs, coils). */
  private image(area: 'input' | 'discrete' | 'coil'): Map<number, number> {
    const m = this.lung.measured();
    const alarms = this.lung.alarms();
    const image = new Map<number, number>();
    for (const p of this.map.points) {
      if (p.area !== area) continue;
      const value = this.valueOf(p, m, alarms);
      if (p.bit !== undefined) image.set(p.address, (image.get(p.address) ?? 0) | (value ? 1 << p.bit : 0));
      else if (p.type === 'bool') image.set(p.address, value);
      else registersOf(p, value).forEach((r, i) => image.set(p.address + i, r));
    }
    return image;
  }

  private handle(unitId: number, pdu: Buffer): Buffer | undefined {
    if (this.silent) return undefined;
    if (unitId !== this.options.unitId && unitId !== 0) return undefined; // not addressed to this device
    try {
      const req = parseRequest(pdu);
      switch (req.fc) {
        case 1:
        case 2: {
          const image = this.image(req.fc === 1 ? 'coil' : 'discrete');
          return bitsResponse(req.fc, this.range(image, req.address, req.quantity).map((v) => v !== 0));
        }
        case 3:
          return registersResponse(3, this.range(this.holding, req.address, req.quantity));
        case 4:
          return registersResponse(4, this.range(this.image('input'), req.address, req.quantity));
        case 6:
          return this.write(req.address, [req.value], () => writeResponse(req));
        case 16:
          return this.write(req.address, req.values, () => writeResponse(req));
        default:
          throw new ModbusException(EXCEPTION.illegalAddress); // no coils here
      }
    } catch (err) {
      if (err instanceof ModbusException) return exceptionResponse(pdu[0]!, err.code);
      return exceptionResponse(pdu[0]!, EXCEPTION.deviceFailure);
    }
  }

  private range(image: ReadonlyMap<number, number>, address: number, quantity: number): number[] {
    const out: number[] = [];
    for (let a = address; a < address + quantity; a++) {
      const v = image.get(a);
      if (v === undefined) throw new ModbusException(EXCEPTION.illegalAddress);
      out.push(v);
    }
    return out;
  }

  /** A write of whole writable points, each value in its range; then the armed (or configured) fault, if any. */
  private write(address: number, registers: number[], ack: () => Buffer): Buffer | undefined {
    const targets: Array<{ point: CompiledPoint; value: number }> = [];
    for (let a = address; a < address + registers.length; ) {
      const point = this.map.points.find((p) => p.area === 'holding' && p.writable && p.address === a && a + p.words <= address + registers.length);
      if (!point) throw new ModbusException(EXCEPTION.illegalAddress);
      const value = pointValue(point, registers, a - address);
      const { min, max, step } = point.writable!;
      const k = (value - min) / step;
      if (!(value >= min - 1e-9 && value <= max + 1e-9) || Math.abs(k - Math.round(k)) > 1e-6) throw new ModbusException(EXCEPTION.illegalValue);
      targets.push({ point, value });
      a += point.words;
    }
    const fault = this.armed.shift() ?? this.options.fault;
    for (const t of targets) this.writes.push({ name: t.point.name, value: t.value, fault: fault?.kind });
    switch (fault?.kind) {
      case undefined:
        for (const t of targets) this.apply(t.point, t.value);
        return ack();
      case 'ignore-write':
        return ack();
      case 'apply-different':
        for (const t of targets) this.apply(t.point, this.different(t.point, t.value, fault.offset));
        return ack();
      case 'apply-late':
        this.after(fault.delayMs ?? 3000, () => targets.forEach((t) => this.apply(t.point, t.value)));
        return ack();
      case 'silent-mid-write':
        this.goSilent(fault.delayMs ?? 5000);
        return undefined;
      case 'reboot':
        this.reboot(fault.delayMs ?? 3000);
        return undefined;
    }
  }

  private different(point: CompiledPoint, value: number, offset: number | undefined): number {
    const { min, max, step } = point.writable!;
    const shifted = value + (offset ?? 2 * step);
    return shifted > max || shifted < min ? value - (offset ?? 2 * step) : shifted;
  }

  private apply(point: CompiledPoint, value: number): void {
    registersOf(point, value).forEach((r, i) => this.holding.set(point.address + i, r));
    if (isSettingKey(point.name)) this.lung.settings[point.name] = value;
  }
}

function faultFrom(params: SimStartContext['params']): Fault | undefined {
  const kind = params.fault;
  if (kind === undefined || kind === '' || kind === 'none') return undefined;
  if (!(FAULT_KINDS as readonly string[]).includes(kind)) throw new SimParamError(`--fault must be one of ${FAULT_KINDS.join(', ')}, got "${kind}"`);
  const delayMs = params['fault-delay-ms'] === undefined ? undefined : numberParam(params, 'fault-delay-ms', 0);
  const offset = params['fault-offset'] === undefined ? undefined : numberParam(params, 'fault-offset', 0);
  return { kind: kind as FaultKind, ...(delayMs !== undefined ? { delayMs } : {}), ...(offset !== undefined ? { offset } : {}) };
}

export async function startModbusVentilatorSimulator(ctx: SimStartContext): Promise<ModbusVentilatorSimulator> {
  const lung = lungFrom(ctx.params);
  const unitId = numberParam(ctx.params, 'unit', 1);
  if (!Number.isInteger(unitId) || unitId < 1 || unitId > 247) throw new SimParamError('--unit must be 1–247');
  const options: ModbusSimOptions = { unitId, fault: faultFrom(ctx.params), rebootEveryS: numberParam(ctx.params, 'reboot-every', 0) };
  const map = compileMap(withDefaults(SIMULATED_VENTILATOR_MAP));
  const port = await openSimPort(ctx.endpoint, ctx.log);
  const sim = new ModbusVentilatorSimulator(port, ctx.endpoint.type === 'pty', lung, map, options);
  sim.start();
  return sim;
}

export const modbusVentilatorSimulator: SimulatorDefinition = {
  summary: 'Modbus ventilator (RTU on a pty, TCP on a port) with a lung model, the register map of sim-map.ts, and write faults',
  endpoints: ['pty', 'tcp-server'],
  params: [
    ...ventilatorParams,
    { name: 'unit', description: 'Modbus unit id', default: '1' },
    { name: 'fault', description: `fault met by every write: none, ${FAULT_KINDS.join(', ')}`, default: 'none' },
    { name: 'fault-delay-ms', description: 'apply-late: delay; silent-mid-write and reboot: time gone', default: '3000 / 5000' },
    { name: 'fault-offset', description: 'apply-different: added to the written value (default two steps)' },
    { name: 'reboot-every', description: 'seconds between spontaneous reboots (0: never)', default: '0' },
  ],
  start: startModbusVentilatorSimulator,
};
