// The FHIR validator in a worker (validator-worker.ts): the caller's event loop never waits for it. A thread that
// ends (out of memory, say) is replaced by the next request, and a request it was judging is asked once more of the
// new one: a thread's death is rarely the items' fault, and when it is, the second death rejects the request.
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FhirValidation, FhirValidator, ValidateItem } from './validate.js';
import type { ValidateAnswer, ValidateRequest } from './validator-worker.js';

// The worker's file beside this one, .js when built and .ts when the tests run the sources.
const WORKER = new URL(`./validator-worker${extname(fileURLToPath(import.meta.url))}`, import.meta.url);

class ThreadEnded extends Error {}

interface Pending {
  readonly resolve: (v: FhirValidation[]) => void;
  readonly reject: (e: Error) => void;
}

export class ValidatorThread implements FhirValidator {
  private worker: Worker | undefined;
  private running = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Starts the thread; it indexes the definitions at once, and requests sent meanwhile wait in its queue. */
  start(): void {
    this.running = true;
    this.worker ??= this.spawn();
  }

  /** Each item's validation, in order. Rejects when stopped, or when the thread ended twice while judging these. */
  async validate(items: readonly ValidateItem[]): Promise<FhirValidation[]> {
    try {
      return await this.ask(items);
    } catch (err) {
      if (!(err instanceof ThreadEnded) || !this.running) throw err;
      return this.ask(items);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    const worker = this.worker;
    this.worker = undefined;
    const stopped = [...this.pending.values()];
    this.pending.clear();
    for (const p of stopped) p.reject(new Error('the FHIR validator thread was stopped'));
    // Not waited for: a thread inside one of the definitions' JSON.parse calls ends only once it returns (up to a
    // second here, more on a busy box), and the daemon must stop within its grace for work it no longer wants.
    // Unreferenced, the ending thread keeps no process alive.
    worker?.unref();
    void worker?.terminate();
  }

  private ask(items: readonly ValidateItem[]): Promise<FhirValidation[]> {
    if (!this.running) return Promise.reject(new Error('the FHIR validator thread is not running'));
    const worker = (this.worker ??= this.spawn());
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: ValidateRequest = { id, items };
      worker.postMessage(request);
    });
  }

  private spawn(): Worker {
    const worker = new Worker(WORKER);
    worker.on('message', ({ id, validations }: ValidateAnswer) => {
      const p = this.pending.get(id);
      this.pending.delete(id);
      p?.resolve([...validations]);
    });
    // Only the current thread's end fails what is pending (a stopped or replaced thread's exit is no news), and the
    // next request starts a new thread.
    const ended = (err: Error): void => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const failed = [...this.pending.values()];
      this.pending.clear();
      for (const p of failed) p.reject(new ThreadEnded(err.message));
    };
    worker.on('error', ended);
    worker.on('exit', (code) => ended(new Error(`the FHIR validator thread ended (exit code ${code})`)));
    return worker;
  }
}
