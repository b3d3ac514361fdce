import net from 'node:net';
import { SocketLink } from './socket-link.js';
import type { TcpServerTransportConfig } from './config.js';

export interface TcpListener {
  readonly description: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Listens for devices that connect to the gateway. At most `maxConnections` at once; further connections are
 * refused (closed at once) rather than silently queued.
 */
export function listenTcp(
  cfg: TcpServerTransportConfig,
  onLink: (link: SocketLink) => void,
  onRefused: (remote: string) => void,
): Promise<TcpListener> {
  const host = cfg.host ?? '0.0.0.0';
  const max = cfg.maxConnections ?? 1;
  const live = new Set<net.Socket>();
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      if (live.size >= max) {
        onRefused(`${socket.remoteAddress}:${socket.remotePort}`);
        socket.destroy();
        return;
      }
      live.add(socket);
      socket.on('close', () => live.delete(socket));
      const address = server.address() as net.AddressInfo;
      onLink(new SocketLink(socket, `tcp-server ${host}:${address.port} ← ${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`));
    });
    server.once('error', reject);
    server.listen(cfg.port, host, () => {
      server.removeListener('error', reject);
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        description: `tcp-server ${host}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const s of live) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
