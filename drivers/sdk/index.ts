// The driver SDK: what a driver folder imports.
export * from './driver.js';
export * from './framer.js';
export * from './link.js';
export * from './pipeline.js';
export * from './settings.js';
export * from './simulator.js';
export { openSimPort, openPty, type SimPort } from './sim-port.js';
export { DeviceSupervisor, type DeviceSpec, type DeviceStatus, type SupervisorDeps } from './supervisor.js';
export * from './transports/index.js';
export { isoMs, rxNow, type RxTime, type Clock } from '../../src/core/clock.js';
