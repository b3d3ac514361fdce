import net from 'node:net';
import type { TcpClientTransportConfig } from './config.js';
import { SocketLink } from './socket-link.js';

/** Dials the device; resolves with the link once connected, rejects on refusal or after the connect timeout. */
export function openTcpClient(cfg: TcpClientTransportConfig): Promise<SocketLink> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: cfg.host, port: cfg.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${cfg.host}:${cfg.port} timed out`));
    }, cfg.connectTimeoutMs ?? 10_000);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new SocketLink(socket, `tcp ${cfg.host}:${cfg.port}`));
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
