export * from './records.js';
export * from './codes.js';
export * from './validate.js';
