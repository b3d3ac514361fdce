// One Modbus request at a time: an RTU line cannot carry two, and modbus-serial matches answers to requests by
// order. Polls wait in line; setting writes and readbacks go to the front, so a setpoint never waits for a poll cycle.

interface Waiting {
  task: () => Promise<unknown>;
  resolve: (value: unknown) => void;
  /** Rejected with what the task threw, untouched: modbus-serial's timeout is not an Error instance. */
  reject: (err: unknown) => void;
}

export class RequestQueue {
  private readonly waiting: Waiting[] = [];
  private running: Promise<void> | undefined;
  private closedWith: Error | undefined;

  run<T>(task: () => Promise<T>, urgent = false): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = { task, resolve: resolve as (v: unknown) => void, reject };
      if (urgent) this.waiting.unshift(entry);
      else this.waiting.push(entry);
      this.running ??= this.drain();
    });
  }

  /** Refuses new requests and fails the waiting ones; resolves when the one in flight has finished. */
  async close(reason: Error): Promise<void> {
    this.closedWith = reason;
    for (const w of this.waiting.splice(0)) w.reject(reason);
    await this.running;
  }

  private async drain(): Promise<void> {
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      try {
        next.resolve(await next.task());
      } catch (err) {
        next.reject(err);
      }
    }
    this.running = undefined;
  }
}
