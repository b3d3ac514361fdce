// A TCP listener standing in for a gateway that reads and never answers (a stopped daemon, as far as a device can
// tell): counts connections and bytes. For tests of how a simulator stops while it waits for an answer.
import net from 'node:net';

export interface SilentGateway {
  port: number;
  connections: number;
  bytes: number;
  received: Buffer[];
}

export async function silentGateway(t: { teardown(fn: () => void): void }): Promise<SilentGateway> {
  const g: SilentGateway = { connections: 0, bytes: 0, port: 0, received: [] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    g.connections++;
    sockets.add(s);
    s.on('data', (d) => {
      g.bytes += d.length;
      g.received.push(d);
    });
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  g.port = (server.address() as net.AddressInfo).port;
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return g;
}

/** What `p` settles to, or 'still waiting' when it has not after `ms`. */
export const within = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), ms))]);
