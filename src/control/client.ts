// The CLI's side of the control socket.
import { existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SOCKET, type ControlResponse } from './protocol.js';

export class DaemonNotRunning extends Error {}
export class DaemonError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where `ambulink demo` keeps its files and control socket, so `ambulink status` in another terminal finds it. */
export function demoDir(): string {
  return process.env.AMBULINK_DEMO_DIR ?? join(tmpdir(), `ambulink-demo-${process.getuid?.() ?? 'user'}`);
}

/** The socket to use: --socket, then $AMBULINK_SOCKET, then the system daemon's, then a running demo's. */
export function resolveSocket(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.AMBULINK_SOCKET) return process.env.AMBULINK_SOCKET;
  if (existsSync(DEFAULT_SOCKET)) return DEFAULT_SOCKET;
  const demo = join(demoDir(), 'control.sock');
  if (existsSync(demo)) return demo;
  return DEFAULT_SOCKET;
}

function connect(path: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    socket.once('connect', () => resolve(socket));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
        reject(new DaemonNotRunning(`ambulink is not running (no daemon answers on ${path}). Start it with "systemctl start ambulink" or "ambulink demo".`));
      } else if (err.code === 'EACCES') {
        reject(new DaemonError('permission', `no permission to use ${path}: run as root or as a member of the socket's group`));
      } else reject(err);
    });
  });
}

/** Calls one method and returns its result. */
export async function callDaemon(socketPath: string, method: string, params: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<unknown> {
  const socket = await connect(socketPath);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new DaemonError('timeout', `the daemon did not answer "${method}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const nl = buffer.indexOf('\n');
      if (nl === -1) return;
      clearTimeout(timer);
      socket.end();
      const res = JSON.parse(buffer.slice(0, nl)) as ControlResponse;
      if ('event' in res) return reject(new DaemonError('protocol', 'unexpected event'));
      if (res.ok) resolve(res.result);
      else reject(new DaemonError(res.error.code, res.error.message));
    });
    socket.on('close', () => {
      clearTimeout(timer);
      reject(new DaemonError('closed', 'the daemon closed the connection'));
    });
    socket.write(`${JSON.stringify({ id: 1, method, params })}\n`);
  });
}

/** Calls a streaming method; `onEvent` gets each event until the daemon ends the stream or `signal` aborts. */
export async function streamDaemon(
  socketPath: string,
  method: string,
  params: Record<string, unknown>,
  onEvent: (event: unknown) => void,
  signal?: AbortSignal,
): Promise<void> {
  const socket = await connect(socketPath);
  return new Promise((resolve, reject) => {
    signal?.addEventListener('abort', () => {
      socket.destroy();
      resolve();
    });
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const res = JSON.parse(buffer.slice(0, nl)) as ControlResponse;
        buffer = buffer.slice(nl + 1);
        if ('event' in res) onEvent(res.event);
        else {
          socket.end();
          if (res.ok) resolve();
          else reject(new DaemonError(res.error.code, res.error.message));
        }
      }
    });
    socket.on('close', () => resolve());
    socket.write(`${JSON.stringify({ id: 1, method, params })}\n`);
  });
}
