export { ConsoleExtension, type ConsoleParts } from './extension.js';
export type { SessionInfo, PendingSetpoint, ConsoleStatus } from './api-types.js';
