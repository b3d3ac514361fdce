export * from './protocol.js';
export * from './client.js';
export { ControlServer, ControlMethodError, type MethodHandler, type StreamHandler, type StreamContext } from './server.js';
