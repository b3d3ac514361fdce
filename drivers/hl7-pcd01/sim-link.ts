// The hl7-pcd01 simulator's MLLP connection: send one message, wait for the frame that answers it (original mode).
// Once closed, a send answers "no ACK" at once instead of waiting out its timeout: the simulator's loop may be about
// to send the next message (an alert after an observation report) when it is stopped, and a stop must not wait for
// an answer that cannot come.
import type { Logger } from '../../src/core/logger.js';
import { openSimPort, type SimPort } from '../sdk/sim-port.js';
import type { SimEndpoint } from '../sdk/simulator.js';
import type { Hl7Frame } from './frame.js';
import { MllpFramer } from './framer.js';

export class MllpLink {
  private port: SimPort | undefined;
  private readonly framer = new MllpFramer();
  private waiting: ((frame: Hl7Frame | undefined) => void) | undefined;
  private peer = false;
  private closed = false;

  constructor(
    private readonly endpoint: SimEndpoint,
    private readonly log: Logger,
  ) {}

  get description(): string {
    return this.port?.description ?? 'mllp';
  }

  get connected(): boolean {
    return this.peer && !this.closed;
  }

  async open(): Promise<void> {
    this.framer.reset();
    this.peer = false;
    const port = await openSimPort(this.endpoint, this.log);
    if (this.closed) return void (await port.close()); // stopped meanwhile
    port.onPeer(() => (this.peer = true));
    port.onData((chunk) =>
      this.framer.push(chunk, (frame) => {
        const w = this.waiting;
        this.waiting = undefined;
        w?.(frame);
      }),
    );
    this.port = port;
  }

  write(bytes: Buffer): void {
    this.port?.write(bytes);
  }

  /** The frame that answers `bytes`, or undefined: no answer within `timeoutMs`, or the link was (or got) closed. */
  send(bytes: Buffer, timeoutMs: number): Promise<Hl7Frame | undefined> {
    if (this.closed || !this.port) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.waiting = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      this.port?.write(bytes);
    });
  }

  /** Drops the connection and opens a new one, as a monitor does after a fault (not once closed). */
  async reconnect(): Promise<void> {
    await this.drop();
    if (!this.closed) await this.open();
  }

  /** For good: a send waiting for its answer gets none, and later ones return at once. */
  async close(): Promise<void> {
    this.closed = true;
    await this.drop();
  }

  private async drop(): Promise<void> {
    const w = this.waiting;
    this.waiting = undefined;
    w?.(undefined);
    const port = this.port;
    this.port = undefined;
    this.peer = false;
    await port?.close();
  }
}
