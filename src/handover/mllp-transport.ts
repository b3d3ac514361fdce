// HL7 v2 over MLLP to the hospital's interface engine; the gateway is the client. One connection, kept open and
// re-made forever (exponential backoff with jitter); one message at a time (the queue sends the next only after an
// outcome). node-hl7-client frames what is sent (MLLPCodec) and parses the ACK (Message); its own Client is not used:
// it gives up reconnecting after at most 50 attempts, keeps its own in-memory queue, and does not match an ACK to the
// message it answers, which this transport must do.
//
// An ACK counts only when MSA-2 equals the sent MSH-10 (the message id); anything else is logged and ignored while the
// wait goes on. AA/CA → committed, AE/CE → retry (counted towards parking), AR/CR → rejected. No matching ACK within
// ackTimeoutMs → retry as a link failure (the queue resends the same MSH-10). The connection is kept after one timeout
// (a slow engine's late ACK for the first attempt then still commits the resend: it carries the same id) and re-made
// after two in a row (a half-open link never answers).
import net from 'node:net';
import tls from 'node:tls';
import { MLLPCodec, Message } from 'node-hl7-client';
import { Backoff, type BackoffOptions } from '../core/backoff.js';
import type { Logger } from '../core/logger.js';
import type { DeliveryOutcome, HandoverMessage, HandoverTransport } from './destination.js';
import { MllpFrames } from './mllp-frames.js';

export interface MllpTlsOptions {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly passphrase?: string;
  /** The name the engine's certificate must carry; default: the host, when it is a name. */
  readonly servername?: string;
  readonly rejectUnauthorized: boolean;
}

export interface MllpTransportOptions {
  readonly host: string;
  readonly port: number;
  readonly ackTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly reconnect: BackoffOptions;
  readonly tls?: MllpTlsOptions;
  readonly log: Logger;
}

/** ±30 %: a fleet of vehicles that lost the hospital together (a tunnel, the engine restarting) must not come back in step. */
export const RECONNECT_JITTER = 0.3;

/** The reconnect delays: from initialMs, doubling to maxMs, each ±RECONNECT_JITTER; never gives up. */
export function reconnectBackoff(initialMs: number, maxMs: number): BackoffOptions {
  return { initialMs, maxMs, factor: 2, jitter: RECONNECT_JITTER };
}

/** Consecutive ACK timeouts after which the connection is taken for dead and re-made. */
const TIMEOUTS_BEFORE_RECONNECT = 2;
const ENCODING = 'utf-8';

interface AckWait {
  readonly id: string;
  readonly finish: (outcome: DeliveryOutcome) => void;
}

export class MllpTransport implements HandoverTransport {
  private socket: net.Socket | undefined;
  private connected = false;
  private running = false;
  private state = 'stopped';
  private lastError = '';
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly codec = new MLLPCodec(ENCODING);
  private readonly frames = new MllpFrames(this.codec);
  private readonly backoff: Backoff;
  private readonly onConnected = new Set<() => void>();
  private wait: AckWait | undefined;
  private consecutiveTimeouts = 0;
  /** Answers that matched no message in flight, since start (logged one by one too). */
  ignoredAcks = 0;

  constructor(private readonly options: MllpTransportOptions) {
    this.backoff = new Backoff(options.reconnect);
  }

  get linkState(): string {
    return this.state;
  }

  async start(): Promise<void> {
    this.running = true;
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.reconnectTimer);
    this.wait?.finish({ kind: 'retry', reason: 'stopping', linkFailure: true });
    for (const notify of this.onConnected) notify();
    const socket = this.socket;
    if (socket && !socket.destroyed) {
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.destroy();
      await closed;
    }
    this.state = 'stopped';
  }

  async send(message: HandoverMessage, signal: AbortSignal): Promise<DeliveryOutcome> {
    const socket = await this.connectedSocket(signal);
    // Checked again after the wait: an 'abort' listener added to a signal already aborted is never called.
    if (!socket || signal.aborted) return { kind: 'retry', reason: 'stopping', linkFailure: true };
    return new Promise<DeliveryOutcome>((resolve) => {
      const timer = setTimeout(() => {
        this.consecutiveTimeouts++;
        if (this.consecutiveTimeouts >= TIMEOUTS_BEFORE_RECONNECT) {
          this.options.log.warn({ id: message.id, timeouts: this.consecutiveTimeouts }, 'no ACK on this connection: re-connecting');
          socket.destroy();
        }
        finish({ kind: 'retry', reason: `no ACK within ${this.options.ackTimeoutMs} ms`, linkFailure: true });
      }, this.options.ackTimeoutMs);
      const onAbort = () => finish({ kind: 'retry', reason: 'stopping', linkFailure: true });
      const finish = (outcome: DeliveryOutcome) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.wait === wait) this.wait = undefined;
        resolve(outcome);
      };
      const wait: AckWait = { id: message.id, finish };
      this.wait = wait;
      signal.addEventListener('abort', onAbort, { once: true });
      this.codec.sendMessage(socket, message.body, ENCODING);
    });
  }

  /** The open connection, once there is one; undefined when stopping. */
  private connectedSocket(signal: AbortSignal): Promise<net.Socket | undefined> {
    if (signal.aborted || !this.running) return Promise.resolve(undefined);
    if (this.connected && this.socket) return Promise.resolve(this.socket);
    return new Promise((resolve) => {
      const done = () => {
        this.onConnected.delete(done);
        signal.removeEventListener('abort', done);
        resolve(this.running && !signal.aborted && this.connected ? this.socket : undefined);
      };
      this.onConnected.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private connect(): void {
    if (!this.running) return;
    const { host, port, connectTimeoutMs } = this.options;
    this.state = 'connecting';
    this.frames.reset();
    const t = this.options.tls;
    const socket = t
      ? tls.connect({
          host,
          port,
          ca: t.ca,
          cert: t.cert,
          key: t.key,
          passphrase: t.passphrase,
          servername: t.servername ?? (net.isIP(host) ? undefined : host),
          rejectUnauthorized: t.rejectUnauthorized,
        })
      : net.connect({ host, port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    const connectTimer = setTimeout(() => socket.destroy(new Error(`no connection within ${connectTimeoutMs} ms`)), connectTimeoutMs);
    socket.once(t ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      this.connected = true;
      this.consecutiveTimeouts = 0;
      this.backoff.reset();
      this.state = 'connected';
      this.options.log.info({ host, port, tls: Boolean(t) }, 'MLLP connected');
      for (const notify of [...this.onConnected]) notify();
    });
    socket.on('data', (chunk: Buffer) => {
      for (const text of this.frames.push(chunk)) this.onAnswer(text);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.lastError = err.code ?? err.message;
    });
    socket.once('close', () => {
      clearTimeout(connectTimer);
      const wasConnected = this.connected;
      this.connected = false;
      if (this.socket === socket) this.socket = undefined;
      this.wait?.finish({
        kind: 'retry',
        reason: `connection lost before the ACK${this.lastError ? ` (${this.lastError})` : ''}`,
        linkFailure: true,
      });
      if (!this.running) return;
      const delay = this.backoff.next();
      this.state = `down: ${this.lastError || 'closed by the peer'}`;
      if (wasConnected) this.options.log.warn({ host, port, err: this.lastError || 'closed by the peer' }, 'MLLP connection lost');
      this.lastError = '';
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    });
  }

  private onAnswer(text: string): void {
    const log = this.options.log;
    let code: string;
    let ref: string;
    let note: string;
    try {
      const ack = new Message({ text });
      code = ack.get('MSA.1').toString();
      ref = ack.get('MSA.2').toString();
      note = ack.get('MSA.3').toString();
    } catch (err) {
      this.ignoredAcks++;
      log.warn({ err: (err as Error).message, bytes: text.length }, 'unreadable answer from the engine ignored');
      return;
    }
    const wait = this.wait;
    if (!wait || ref !== wait.id) {
      this.ignoredAcks++;
      log.warn({ msa1: code, msa2: ref, expected: wait?.id ?? null }, 'ACK that answers no message in flight ignored');
      return;
    }
    this.consecutiveTimeouts = 0;
    const detail = `${code}${note ? `: ${note}` : ''}`;
    switch (code) {
      case 'AA':
      case 'CA':
        wait.finish({ kind: 'committed', detail });
        break;
      case 'AR':
      case 'CR':
        wait.finish({ kind: 'rejected', reason: detail });
        break;
      case 'AE':
      case 'CE':
        wait.finish({ kind: 'retry', reason: detail });
        break;
      default:
        // Not an acknowledgment code HL7 defines (table 0008): an answered error, so that it parks rather than loops.
        wait.finish({ kind: 'retry', reason: `unknown acknowledgment code "${code}"` });
    }
  }
}
