// The device side of a link, for simulators: a pty (through socat), a TCP listener or dialer, or a UDP socket.
// Simulator logic writes bytes and reads bytes; where they go is this file's business.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../src/core/logger.js';
import { describeEndpoint, type SimEndpoint } from './simulator.js';

export interface SimPort {
  readonly description: string;
  /** Bytes to the gateway; dropped (and counted) while no gateway is attached. */
  write(data: Buffer): void;
  onData(listener: (chunk: Buffer) => void): void;
  /** The gateway attached (TCP accepted/connected, pty opened is not observable, UDP first datagram). */
  onPeer(listener: () => void): void;
  /**
   * Connection-oriented ports: drop the current connection, as a device does at the end of a conversation. A port
   * that dials (tcp-client) dials again after `redialAfterMs`; the others wait for the gateway to come back.
   */
  hangUp(redialAfterMs?: number): void;
  readonly dropped: number;
  close(): Promise<void>;
}

abstract class SimPortBase implements SimPort {
  abstract readonly description: string;
  dropped = 0;
  protected dataListener: ((chunk: Buffer) => void) | undefined;
  protected peerListener: (() => void) | undefined;
  abstract write(data: Buffer): void;
  abstract close(): Promise<void>;
  hangUp(_redialAfterMs?: number): void {}
  onData(listener: (chunk: Buffer) => void): void {
    this.dataListener = listener;
  }
  onPeer(listener: () => void): void {
    this.peerListener = listener;
  }
}

/**
 * A pseudo-terminal made by socat: the slave appears at `path` (a symlink to /dev/pts/N), the master is socat's
 * stdio, which is ours. socat keeps the master open when the gateway closes and reopens the slave, and removes the
 * link when it ends, so killing the simulator looks to the gateway like an unplugged cable.
 */
class PtyPort extends SimPortBase {
  readonly description: string;
  private exited = false;

  constructor(private readonly child: ChildProcess, path: string) {
    super();
    this.description = `pty ${path}`;
    child.stdout!.on('data', (chunk: Buffer) => this.dataListener?.(chunk));
    child.on('exit', () => (this.exited = true));
    child.stdin!.on('error', () => undefined);
  }

  write(data: Buffer): void {
    if (this.exited) {
      this.dropped += data.length;
      return;
    }
    this.child.stdin!.write(data);
  }

  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}

export async function openPty(path: string, log: Logger): Promise<SimPort> {
  const child = spawn('socat', ['-d', `PTY,link=${path},raw,echo=0,mode=660`, 'STDIO'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (err) =>
      reject(new Error(`cannot start socat for a pty (${err.message}); install it with: apt-get install socat`)),
    );
    child.once('exit', (code) => reject(new Error(`socat exited (${code}) before ${path} appeared: ${stderr.trim()}`)));
  });
  const appeared = (async () => {
    for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(25);
    if (!existsSync(path)) throw new Error(`pty ${path} did not appear within 5 s`);
  })();
  try {
    await Promise.race([appeared, failed]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  failed.catch(() => undefined);
  log.debug({ path }, 'pty ready');
  return new PtyPort(child, path);
}

/** The simulator listens; one gateway connection at a time (a newer one replaces the older). */
class TcpServerPort extends SimPortBase {
  description = '';
  private socket: net.Socket | undefined;
  constructor(private readonly server: net.Server) {
    super();
  }
  attach(socket: net.Socket): void {
    this.socket?.destroy();
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.dataListener?.(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
    this.peerListener?.();
  }
  write(data: Buffer): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(data);
    else this.dropped += data.length;
  }
  override hangUp(): void {
    this.socket?.destroy();
  }
  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The simulator dials the gateway and redials every second until closed. */
class TcpClientPort extends SimPortBase {
  readonly description: string;
  private socket: net.Socket | undefined;
  private stopped = false;
  private redialMs = 1000;
  constructor(private readonly host: string, private readonly port: number) {
    super();
    this.description = `tcp-client → ${host}:${port}`;
  }
  connect(): void {
    if (this.stopped) return;
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.socket = socket;
      this.peerListener?.();
    });
    socket.on('data', (chunk) => this.dataListener?.(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      if (!this.stopped) setTimeout(() => this.connect(), this.redialMs).unref();
      this.redialMs = 1000;
    });
  }
  override hangUp(redialAfterMs = 1000): void {
    if (!this.socket) return;
    this.redialMs = redialAfterMs;
    this.socket.destroy();
  }
  write(data: Buffer): void {
    if (this.socket && !this.socket.destroyed) this.socket.write(data);
    else this.dropped += data.length;
  }
  close(): Promise<void> {
    this.stopped = true;
    this.socket?.destroy();
    return Promise.resolve();
  }
}

/** The simulator binds a UDP port and answers the last peer that wrote to it. */
class UdpPort extends SimPortBase {
  readonly description: string;
  private peer: { address: string; port: number } | undefined;
  constructor(private readonly socket: dgram.Socket, host: string, port: number) {
    super();
    this.description = `udp ${host}:${port}`;
    socket.on('message', (msg, rinfo) => {
      const fresh = !this.peer || this.peer.address !== rinfo.address || this.peer.port !== rinfo.port;
      this.peer = { address: rinfo.address, port: rinfo.port };
      if (fresh) this.peerListener?.();
      this.dataListener?.(msg);
    });
  }
  write(data: Buffer): void {
    if (!this.peer) {
      this.dropped += data.length;
      return;
    }
    this.socket.send(data, this.peer.port, this.peer.address);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export async function openSimPort(endpoint: SimEndpoint, log: Logger): Promise<SimPort> {
  switch (endpoint.type) {
    case 'pty':
      return openPty(endpoint.path, log);
    case 'tcp-server': {
      const server = net.createServer();
      const port = new TcpServerPort(server);
      server.on('connection', (s) => port.attach(s));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(endpoint.port, endpoint.host, () => resolve());
      });
      const addr = server.address() as net.AddressInfo;
      port.description = `tcp-server ${endpoint.host}:${addr.port}`;
      return port;
    }
    case 'tcp-client': {
      const port = new TcpClientPort(endpoint.host, endpoint.port);
      port.connect();
      return port;
    }
    case 'udp': {
      const socket = dgram.createSocket(net.isIPv6(endpoint.host) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(endpoint.port, endpoint.host, () => resolve());
      });
      const addr = socket.address();
      return new UdpPort(socket, endpoint.host, addr.port);
    }
    default:
      throw new Error(`unknown simulator endpoint ${describeEndpoint(endpoint)}`);
  }
}
