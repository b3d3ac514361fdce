import dgram from 'node:dgram';
import net from 'node:net';
import { ByteLinkBase } from '../link.js';
import type { UdpTransportConfig } from './config.js';

/** A connected UDP socket: datagrams go to the device's host:port, and only its datagrams come back. */
export class UdpLink extends ByteLinkBase {
  override readonly datagrams = true;
  readonly description: string;

  private constructor(private readonly socket: dgram.Socket, cfg: UdpTransportConfig) {
    super();
    this.description = `udp ${cfg.host}:${cfg.port}`;
    socket.on('message', (msg) => this.deliver(msg));
    socket.on('error', (err) => this.closed(err));
    socket.on('close', () => this.closed());
  }

  static open(cfg: UdpTransportConfig): Promise<UdpLink> {
    const socket = dgram.createSocket(net.isIPv6(cfg.host) ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(cfg.localPort ?? 0, cfg.localAddress, () => {
        socket.connect(cfg.port, cfg.host, () => {
          socket.removeListener('error', reject);
          resolve(new UdpLink(socket, cfg));
        });
      });
    });
  }

  write(data: Buffer): void {
    this.socket.send(data, (err) => {
      // ECONNREFUSED on a connected UDP socket means nobody listens there (yet): the session's timers notice
      // the silence; a send error is not worth closing the link for.
      if (err && (err as NodeJS.ErrnoException).code !== 'ECONNREFUSED') this.closed(err);
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
