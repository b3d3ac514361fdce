// A stand-in for the hospital's interface engine: an HL7 v2 MLLP listener (node-hl7-server) that answers each message
// through a handler (default: AA). Used by `ambulink demo`, by the tests and by the bench; the real hospital runs
// Mirth Connect, Rhapsody, Cloverleaf or the like.
//
// node-hl7-server 2.5.0 keeps one receive buffer per connection and never empties it: the n-th message on a connection
// is parsed together with the n−1 before it, as a batch, and the handler is called for all of them again (so one
// connection's k messages cost k²/2 parses and draw k²/2 ACKs). Its connection handler is therefore replaced by one
// that cuts the stream into frames (the same MllpFrames the transport uses) and hands each message once to the handler,
// with the server's own SendResponse (which builds the ACK). Batches (BHS/FHS) are not accepted
// here: the gateway sends single messages.
import type net from 'node:net';
import { MLLPCodec, Message } from 'node-hl7-client';
import { SendResponse, Server, type Inbound } from 'node-hl7-server';
import { MllpFrames } from './mllp-frames.js';

/** Original mode (AA/AE/AR) and enhanced mode (CA/CE/CR, the commit-level answers); SendResponse writes it to MSA-1. */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

/** Answers one message: call `res.sendResponse(code)`, answer later, not at all, or close `socket`. */
export type ListenerHandler = (message: Message, res: SendResponse, socket: net.Socket) => void | Promise<void>;

export interface StandInListenerOptions {
  readonly host?: string;
  readonly port?: number;
  /** TLS: key and cert of the listener; ca and requestCert for mutual TLS. */
  readonly tls?: { key: Buffer; cert: Buffer; ca?: Buffer; requestCert?: boolean };
  readonly handler?: ListenerHandler;
  /** Keep every message received in `received` (default true; a long bench keeps none). */
  readonly remember?: boolean;
}

/**
 * node-hl7-server depends on node-hl7-client 2.3 (its own copy), this project on 3.2: the two Message classes differ
 * in private members, so TypeScript calls them incompatible. SendResponse only reads the message's MSH fields through
 * get(), which both versions have, so a 3.2 Message is handed to it as the type it declares.
 */
type ServerMessage = ConstructorParameters<typeof SendResponse>[1];
const asServerMessage = (message: Message) => message as unknown as ServerMessage;

/** The parts of node-hl7-server's Inbound this file reaches into (private in its types, see above). */
interface InboundInternals {
  _socket: net.Server;
  _sockets: net.Socket[];
  _onTcpClientConnected: (socket: net.Socket) => void;
}

export const answerAA: ListenerHandler = (_message, res) => res.sendResponse('AA');

/**
 * Answers with any code of table 0008. SendResponse's type names only the original-mode codes, but it writes the code
 * given to MSA-1 unchanged, which is how an engine in enhanced mode answers CA/CE/CR.
 */
export function respond(res: SendResponse, code: AckCode): Promise<void> {
  return res.sendResponse(code as 'AA');
}

export class StandInListener {
  private inbound: Inbound | undefined;
  /** Every message received, in arrival order (resends included). */
  readonly received: Message[] = [];
  handler: ListenerHandler;

  constructor(private readonly options: StandInListenerOptions = {}) {
    this.handler = options.handler ?? answerAA;
  }

  get port(): number {
    const address = this.inbound && (this.inbound as unknown as InboundInternals)._socket.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  /** MSH-10 of every message received, in arrival order. */
  get receivedIds(): string[] {
    return this.received.map((m) => m.get('MSH.10').toString());
  }

  async start(): Promise<void> {
    const { host = '127.0.0.1', port = 0, tls } = this.options;
    const server = new Server({ bindAddress: host, ...(tls ? { tls: { ...tls, requestCert: tls.requestCert ?? false } } : {}) });
    const inbound = server.createInbound({ port, name: 'ambulinkStandIn' }, () => undefined);
    const internals = inbound as unknown as InboundInternals;
    internals._onTcpClientConnected = (socket) => this.serve(socket, internals);
    await new Promise<void>((resolve, reject) => {
      inbound.once('listen', () => resolve());
      inbound.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`HL7 listener cannot listen on ${host}:${port} (${err.code ?? err.message})`)));
    });
    this.inbound = inbound;
  }

  async stop(): Promise<void> {
    const inbound = this.inbound;
    this.inbound = undefined;
    if (!inbound) return;
    const server = (inbound as unknown as InboundInternals)._socket;
    const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));
    await inbound.close();
    await closed;
  }

  /** Drops every open connection (the listener keeps listening). */
  dropConnections(): void {
    if (!this.inbound) return;
    for (const socket of [...(this.inbound as unknown as InboundInternals)._sockets]) socket.destroy();
  }

  private serve(socket: net.Socket, internals: InboundInternals): void {
    internals._sockets.push(socket);
    socket.setNoDelay(true);
    const frames = new MllpFrames(new MLLPCodec());
    socket.on('data', (chunk: Buffer) => {
      for (const text of frames.push(chunk)) {
        let message: Message;
        try {
          message = new Message({ text });
        } catch {
          continue; // not HL7: an engine would not answer it either
        }
        if (this.options.remember !== false) this.received.push(message);
        const res = new SendResponse(socket, asServerMessage(message), false);
        void Promise.resolve(this.handler(message, res, socket)).catch(() => undefined);
      }
    });
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      const i = internals._sockets.indexOf(socket);
      if (i >= 0) internals._sockets.splice(i, 1);
    });
  }
}

/** An answer whose MSA-2 names another message: what a confused engine, or a misrouted ACK, looks like. */
export function answerFor(socket: net.Socket, message: Message, code: AckCode, controlId: string): Promise<void> {
  const other = new Message({ text: message.toString() });
  other.set('MSH.10', controlId);
  return respond(new SendResponse(socket, asServerMessage(other), false), code);
}
