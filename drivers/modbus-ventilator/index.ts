// modbus-ventilator — a ventilator described by a register map in the vehicle YAML, over Modbus RTU (serial) or TCP:
// measurements, settings (read back), alarms and the mode are polled; writable settings are offered to the setpoint
// service through the driver's setting capability (one write, then a fresh readback).
import type { Driver, DriverInstance } from '../sdk/driver.js';
import { newFramerStats } from '../sdk/framer.js';
import { compileMap, validateMap } from './map.js';
import { ModbusVentilatorOptions } from './options.js';
import { ModbusPoller } from './poller.js';
import { RequestQueue } from './request-queue.js';
import { ModbusSettings } from './settings.js';
import { modbusVentilatorSimulator } from './simulator.js';

export const modbusVentilator: Driver<typeof ModbusVentilatorOptions> = {
  name: 'modbus-ventilator',
  summary: 'Ventilator with a Modbus register map (RTU or TCP): measurements, settings, alarms, mode; writable settings',
  optionsSchema: ModbusVentilatorOptions,
  transports: ['modbus-tcp', 'modbus-rtu'],
  transportDefaults: { baudRate: 19200, dataBits: 8, parity: 'even', stopBits: 1 },
  staleAfterMs: 5000,
  validateOptions: validateMap,
  attach(link, ctx): DriverInstance {
    if (link.kind !== 'modbus') throw new Error(`modbus-ventilator needs a Modbus transport, not ${link.description}`);
    const map = compileMap(ctx.options);
    const stats = newFramerStats();
    const queue = new RequestQueue();
    const poller = new ModbusPoller(map, { client: link.client, queue, stats, ctx });
    const settings = map.writable.size > 0 ? new ModbusSettings(map, link.client, queue, stats) : undefined;
    poller.start();
    return {
      stats,
      ...(settings ? { settings } : {}),
      async stop() {
        poller.stop();
        await queue.close(new Error('the ventilator link is closed'));
      },
    };
  },
  simulator: modbusVentilatorSimulator,
};
