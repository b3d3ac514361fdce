// An MLLP listener for the framing tests that shares no code with the gateway: plain net, its own byte-level frame
// cutting (VT … FS CR, written out here) and ACKs written by hand. The stand-in listener cuts frames with the project's
// own MllpFrames, so a framing bug on the sending side could hide behind the same bug on the receiving side; here every
// byte each connection received is kept, and the test checks them against the messages.
import net from 'node:net';

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

export interface ByteConnection {
  /** Every byte this connection delivered to the listener, in order (up to a cut, when the listener cut it). */
  bytes: Buffer;
  /** True when the listener hung up on it in the middle of a frame. */
  cut: boolean;
}

/** Decides, for each frame start on a connection, whether to hang up after `n` bytes of that frame (undefined: keep it). */
export type CutPolicy = (connection: number, frameOnConnection: number) => number | undefined;

export class ByteListener {
  readonly connections: ByteConnection[] = [];
  /** The text of every whole frame received, in arrival order, across connections. */
  readonly frames: string[] = [];
  private server: net.Server | undefined;

  constructor(private readonly cut: CutPolicy = () => undefined) {}

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  async start(): Promise<void> {
    const server = net.createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private serve(socket: net.Socket): void {
    const index = this.connections.length;
    const conn: ByteConnection = { bytes: Buffer.alloc(0), cut: false };
    this.connections.push(conn);
    let pending = Buffer.alloc(0);
    let framesHere = 0;
    socket.on('data', (chunk: Buffer) => {
      if (conn.cut) return;
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i]!;
        if (pending.length === 0 && byte === VT) {
          const cutAt = this.cut(index, framesHere);
          if (cutAt !== undefined) {
            // Takes cutAt bytes of this frame, then hangs up, as an engine that dies mid-read would.
            conn.bytes = Buffer.concat([conn.bytes, chunk.subarray(i, i + cutAt)]);
            conn.cut = true;
            socket.destroy();
            return;
          }
        }
        conn.bytes = Buffer.concat([conn.bytes, chunk.subarray(i, i + 1)]);
        pending = Buffer.concat([pending, chunk.subarray(i, i + 1)]);
        const n = pending.length;
        if (n >= 3 && pending[0] === VT && pending[n - 2] === FS && pending[n - 1] === CR) {
          const text = pending.subarray(1, n - 2).toString('utf8');
          pending = Buffer.alloc(0);
          framesHere++;
          this.frames.push(text);
          socket.write(ack(text));
        }
      }
    });
    socket.on('error', () => socket.destroy());
  }
}

/** An AA for the message, framed by hand; MSA-2 is the message's MSH-10. */
function ack(text: string): Buffer {
  const id = text.split('\r')[0]!.split('|')[9]!;
  const body = `MSH|^~\\&|HIS|HOSP|AMBULINK|AMB-1|20261206120000||ACK^R01^ACK|A${id}|P|2.6\rMSA|AA|${id}\r`;
  return Buffer.concat([Buffer.from([VT]), Buffer.from(body, 'utf8'), Buffer.from([FS, CR])]);
}

/** The bytes a correct sender puts on the wire for these messages, one frame each, nothing else. */
export function framed(bodies: readonly string[]): Buffer {
  return Buffer.concat(bodies.map((b) => Buffer.concat([Buffer.from([VT]), Buffer.from(b, 'utf8'), Buffer.from([FS, CR])])));
}
