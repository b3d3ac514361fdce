// Validation of canonical records at the edge where they leave a driver. The schema is compiled once.
import { Ajv, type ErrorObject } from 'ajv';
import { CanonicalRecordSchema, type CanonicalRecord } from './records.js';

const ajv = new Ajv({ discriminator: true, allErrors: false, strict: true, strictTypes: false, strictRequired: false });
const check = ajv.compile<CanonicalRecord>(CanonicalRecordSchema);

export interface RecordProblem {
  path: string;
  message: string;
}

/** True when the value is a valid canonical record; the type guard lets callers trust it afterwards. */
export function isCanonicalRecord(value: unknown): value is CanonicalRecord {
  return check(value);
}

/** The reasons the last value passed to isCanonicalRecord was rejected, in words. */
export function lastRecordProblems(): RecordProblem[] {
  return (check.errors ?? []).map((e: ErrorObject) => ({
    path: e.instancePath || '/',
    message: `${e.message ?? e.keyword}${e.params && Object.keys(e.params).length ? ' ' + JSON.stringify(e.params) : ''}`,
  }));
}
