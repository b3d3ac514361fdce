// Runs validateFhirBundle in a worker (validator-worker.ts): the caller's event loop never waits for the validator.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FhirValidation } from './validate.js';
import type { ValidateAnswer, ValidateRequest } from './validator-worker.js';

// The worker's file beside this one, .js when built and .ts when the tests run the sources.
const WORKER = new URL(`./validator-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

export class ValidatorThread {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: FhirValidation) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  /** Starts the worker; it indexes the definitions at once, and requests sent meanwhile wait in its queue. */
  start(): void {
    this.failure = undefined;
    const worker = new Worker(WORKER);
    worker.on('message', ({ id, validation }: ValidateAnswer) => {
      this.pending.get(id)?.resolve(validation);
      this.pending.delete(id);
    });
    const fail = (err: Error): void => {
      this.failure = err;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.worker === worker) fail(new Error(`the FHIR validator thread ended (exit code ${code})`));
    });
    this.worker = worker;
  }

  /** The body as received (JSON text of a Bundle). Rejects if the validator thread failed. */
  validateBundle(text: string): Promise<FhirValidation> {
    const worker = this.worker;
    if (this.failure) return Promise.reject(this.failure);
    if (!worker) return Promise.reject(new Error('the FHIR validator thread is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: ValidateRequest = { id, text };
      worker.postMessage(request);
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    for (const p of this.pending.values()) p.reject(new Error('the FHIR validator thread was stopped'));
    this.pending.clear();
    await worker.terminate();
  }
}
