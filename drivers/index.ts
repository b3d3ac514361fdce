// The driver registry: every protocol the gateway speaks. A new driver adds one line here.
import type { AnyDriver } from './sdk/driver.js';
import { nmea0183 } from './nmea0183/index.js';
import { philipsIntellivue } from './philips-intellivue/index.js';

export const drivers: readonly AnyDriver[] = [nmea0183, philipsIntellivue];

const byName = new Map(drivers.map((d) => [d.name, d]));

export function findDriver(name: string): AnyDriver | undefined {
  return byName.get(name);
}

export function driverNames(): string[] {
  return drivers.map((d) => d.name);
}
