import net from 'node:net';
import { ByteLinkBase } from '../link.js';
import type { TcpClientTransportConfig } from './config.js';

export class TcpClientLink extends ByteLinkBase {
  readonly description: string;

  private constructor(private readonly socket: net.Socket, cfg: TcpClientTransportConfig) {
    super();
    this.description = `tcp ${cfg.host}:${cfg.port}`;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk) => this.deliver(chunk));
    socket.on('error', (err) => this.closed(err));
    socket.on('close', () => this.closed());
  }

  static open(cfg: TcpClientTransportConfig): Promise<TcpClientLink> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: cfg.host, port: cfg.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${cfg.host}:${cfg.port} timed out`));
      }, cfg.connectTimeoutMs ?? 10_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new TcpClientLink(socket, cfg));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
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
