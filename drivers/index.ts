// The driver registry: every protocol the gateway speaks. A new driver adds one line here.
import type { AnyDriver } from './sdk/driver.js';
import { astm } from './astm/index.js';
import { draegerMedibus } from './draeger-medibus/index.js';
import { geS5 } from './ge-s5/index.js';
import { hl7Pcd01 } from './hl7-pcd01/index.js';
import { modbusVentilator } from './modbus-ventilator/index.js';
import { nmea0183 } from './nmea0183/index.js';
import { philipsIntellivue } from './philips-intellivue/index.js';
import { poct1a } from './poct1a/index.js';

const registry: AnyDriver[] = [nmea0183, geS5, hl7Pcd01, philipsIntellivue, draegerMedibus, modbusVentilator, astm, poct1a];
export const drivers: readonly AnyDriver[] = registry;

const byName = new Map(drivers.map((d) => [d.name, d]));

export function findDriver(name: string): AnyDriver | undefined {
  return byName.get(name);
}

export function driverNames(): string[] {
  return drivers.map((d) => d.name);
}

/**
 * Adds a driver outside the registry (a test's own device, a bench tool), before the vehicle config schema is first
 * built: the schema is made from this list when src/config is first imported.
 */
export function registerDriver(driver: AnyDriver): void {
  if (byName.has(driver.name)) return;
  registry.push(driver);
  byName.set(driver.name, driver);
}
