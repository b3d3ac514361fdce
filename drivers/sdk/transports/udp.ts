import dgram from 'node:dgram';
import net from 'node:net';
import { ByteLinkBase } from '../link.js';
import type { UdpTransportConfig } from './config.js';

/** A host of 0.0.0.0 (or ::): no fixed peer; the driver names it later with `connectTo` (e.g. from a discovery). */
export function isAnyHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

/**
 * A connected UDP socket: datagrams go to the device's host:port, and only its datagrams come back. With an "any"
 * host the socket is bound but not connected until the driver calls `connectTo`; until then nothing is sent.
 */
export class UdpLink extends ByteLinkBase {
  override readonly datagrams = true;
  description: string;
  /** The peer datagrams go to, once there is one. */
  remote: { host: string; port: number } | undefined;

  private constructor(private readonly socket: dgram.Socket, cfg: UdpTransportConfig) {
    super();
    this.description = `udp ${cfg.host}:${cfg.port}`;
    if (!isAnyHost(cfg.host)) this.remote = { host: cfg.host, port: cfg.port };
    socket.on('message', (msg) => {
      if (this.remote) this.deliver(msg);
    });
    socket.on('error', (err) => this.closed(err));
    socket.on('close', () => this.closed());
  }

  static open(cfg: UdpTransportConfig): Promise<UdpLink> {
    const socket = dgram.createSocket(net.isIPv6(cfg.host) ? 'udp6' : 'udp4');
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(cfg.localPort ?? 0, cfg.localAddress, () => {
        if (isAnyHost(cfg.host)) {
          socket.removeListener('error', reject);
          return resolve(new UdpLink(socket, cfg));
        }
        socket.connect(cfg.port, cfg.host, () => {
          socket.removeListener('error', reject);
          resolve(new UdpLink(socket, cfg));
        });
      });
    });
  }

  /** Points the link at a peer found at run time (only for a link opened with an "any" host). */
  connectTo(host: string, port: number): Promise<void> {
    if (this.remote) return Promise.reject(new Error(`${this.description} already has a peer`));
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.connect(port, host, () => {
        this.socket.removeListener('error', reject);
        this.remote = { host, port };
        this.description = `udp ${host}:${port}`;
        resolve();
      });
    });
  }

  write(data: Buffer): void {
    if (!this.remote) return; // no peer yet: the session's timers notice the silence
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
