// A stand-in for the hospital's interface engine: an HL7 v2 MLLP listener that answers each message through a handler
// (default: AA). Used by `ambulink demo`, by the tests and by the bench; the real hospital runs
// Mirth Connect, Rhapsody, Cloverleaf or the like.
//
// The listening is this file's own (net or tls server) and node-hl7-server builds the ACK (SendResponse). Its Inbound
// is not used, for two reasons. It listens on every interface whatever bindAddress says (2.5.0 passes `hostname` to
// net.Server.listen, which reads `host`), so the demo's engine would be open to the vehicle LAN. And it keeps one
// receive buffer per connection that it never empties: the n-th message on a connection is parsed together with the
// n−1 before it, and the handler called for all of them again (k messages cost k²/2 parses and draw k²/2 ACKs). Here
// the stream is cut into frames (the same MllpFrames the transport uses) and each message handed once to the handler.
// Batches (BHS/FHS) are not accepted: the gateway sends single messages.
import net from 'node:net';
import tls from 'node:tls';
import { MLLPCodec, Message } from 'node-hl7-client';
import { SendResponse } from 'node-hl7-server';
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

/** A TLS handshake not finished by then is dropped (Node's default is two minutes). */
const HANDSHAKE_MS = 5000;

export const answerAA: ListenerHandler = (_message, res) => res.sendResponse('AA');

/**
 * Answers with any code of table 0008. SendResponse's type names only the original-mode codes, but it writes the code
 * given to MSA-1 unchanged, which is how an engine in enhanced mode answers CA/CE/CR.
 */
export function respond(res: SendResponse, code: AckCode): Promise<void> {
  return res.sendResponse(code as 'AA');
}

export class StandInListener {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Every message received, in arrival order (resends included). */
  readonly received: Message[] = [];
  handler: ListenerHandler;

  constructor(private readonly options: StandInListenerOptions = {}) {
    this.handler = options.handler ?? answerAA;
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  /** MSH-10 of every message received, in arrival order. */
  get receivedIds(): string[] {
    return this.received.map((m) => m.get('MSH.10').toString());
  }

  async start(): Promise<void> {
    const { host = '127.0.0.1', port = 0, tls: t } = this.options;
    const serve = (socket: net.Socket) => this.serve(socket);
    // A TLS client refused in the handshake (no certificate, a wrong one) never becomes a connection here: the
    // server ends that socket itself ('tlsClientError'), and one that stalls in the handshake after HANDSHAKE_MS, so
    // that stop() (which waits for every socket) ends.
    const server = t
      ? tls.createServer({ key: t.key, cert: t.cert, ca: t.ca, requestCert: t.requestCert ?? false, handshakeTimeout: HANDSHAKE_MS }, serve)
      : net.createServer(serve);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`HL7 listener cannot listen on ${host}:${port} (${err.code ?? err.message})`)));
      server.listen({ host, port }, () => resolve());
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    this.dropSockets();
    await closed;
  }

  /** Drops every open connection (the listener keeps listening). */
  dropConnections(): void {
    if (this.server) this.dropSockets();
  }

  private dropSockets(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
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
    socket.once('close', () => this.sockets.delete(socket));
  }
}

/** An answer whose MSA-2 names another message: what a confused engine, or a misrouted ACK, looks like. */
export function answerFor(socket: net.Socket, message: Message, code: AckCode, controlId: string): Promise<void> {
  const other = new Message({ text: message.toString() });
  other.set('MSH.10', controlId);
  return respond(new SendResponse(socket, asServerMessage(other), false), code);
}
