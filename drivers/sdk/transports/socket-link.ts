import type net from 'node:net';
import { ByteLinkBase } from '../link.js';

/** A connected TCP socket as a byte link, whichever side dialled. */
export class SocketLink extends ByteLinkBase {
  constructor(
    private readonly socket: net.Socket,
    readonly description: string,
  ) {
    super();
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk) => this.deliver(chunk));
    socket.on('error', (err) => this.closed(err));
    socket.on('close', () => this.closed());
  }

  write(data: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.once('close', () => resolve());
      this.socket.destroy();
    });
  }
}
