// The daemon's side of the control socket. Mode 0660 and, when configured, group-owned, so only root, the daemon's
// user and the operators' group can talk to it. Extensions register their methods; the server only routes.
import { chownSync, chmodSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { ControlRequest, ControlResponse } from './protocol.js';

export class ControlMethodError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface StreamContext {
  /** Sends one event to the client; returns false once the client has gone. */
  send(event: unknown): boolean;
  /** Resolves when the client hangs up. */
  readonly closed: Promise<void>;
}

export type MethodHandler = (params: Record<string, unknown>) => unknown;
export type StreamHandler = (params: Record<string, unknown>, stream: StreamContext) => void | Promise<void>;

function groupId(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [group, , gid] = line.split(':');
      if (group === name && gid) return Number(gid);
    }
  } catch {
    /* no /etc/group: treat as unknown */
  }
  return undefined;
}

export class ControlServer {
  private server: net.Server | undefined;
  private readonly methods = new Map<string, MethodHandler>();
  private readonly streams = new Map<string, StreamHandler>();
  private readonly sockets = new Set<net.Socket>();

  constructor(
    private readonly path: string,
    private readonly group: string | undefined,
    private readonly log: Logger,
  ) {}

  register(method: string, handler: MethodHandler): void {
    this.methods.set(method, handler);
  }

  /**
   * Calls a method in-process, exactly as a CLI request would (same handler, same audit): for the crew console, which
   * runs inside the daemon. Unknown methods throw ControlMethodError('unknown-method').
   */
  async call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
    const handler = this.methods.get(method);
    if (!handler) throw new ControlMethodError('unknown-method', `the daemon has no method "${method}"`);
    return await handler(params);
  }

  registerStream(method: string, handler: StreamHandler): void {
    this.streams.set(method, handler);
  }

  async start(): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    if (existsSync(this.path)) {
      if (await this.someoneListens()) {
        throw new Error(`another ambulink is already running on ${this.path}`);
      }
      unlinkSync(this.path); // left behind by a daemon that was killed
    }
    const server = net.createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.path, () => resolve());
    });
    chmodSync(this.path, 0o660);
    if (this.group) {
      const gid = groupId(this.group);
      if (gid === undefined) this.log.warn({ group: this.group }, 'control socket group does not exist; left as is');
      else chownSync(this.path, process.getuid?.() ?? -1, gid);
    }
    this.log.info({ socket: this.path }, 'control socket listening');
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (!server?.listening) return; // never ours: a daemon that failed to start must not remove another's socket
    await new Promise<void>((resolve) => server.close(() => resolve()));
    try {
      unlinkSync(this.path);
    } catch {
      /* already gone */
    }
  }

  private someoneListens(): Promise<boolean> {
    return new Promise((resolve) => {
      const probe = net.connect(this.path);
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
  }

  private serve(socket: net.Socket): void {
    this.sockets.add(socket);
    let closedResolve: () => void = () => undefined;
    const closed = new Promise<void>((r) => (closedResolve = r));
    socket.on('close', () => {
      this.sockets.delete(socket);
      closedResolve();
    });
    socket.on('error', () => undefined);
    let buffer = '';
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      if (buffer.length > 1_000_000) return void socket.destroy(); // nobody sends a megabyte request
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line.trim()) void this.handle(line, socket, closed);
      }
    });
  }

  private async handle(line: string, socket: net.Socket, closed: Promise<void>): Promise<void> {
    const reply = (r: ControlResponse) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(r)}\n`);
      return !socket.destroyed;
    };
    let req: ControlRequest;
    try {
      const parsed = JSON.parse(line) as Partial<ControlRequest>;
      if (typeof parsed.id !== 'number' || typeof parsed.method !== 'string') throw new Error('bad request');
      req = { id: parsed.id, method: parsed.method, params: parsed.params ?? {} };
    } catch {
      reply({ id: -1, ok: false, error: { code: 'bad-request', message: 'not a control request' } });
      return;
    }
    const params = req.params ?? {};
    try {
      const stream = this.streams.get(req.method);
      if (stream) {
        await stream(params, { send: (event) => reply({ id: req.id, event }), closed });
        reply({ id: req.id, ok: true, result: null });
        return;
      }
      reply({ id: req.id, ok: true, result: await this.call(req.method, params) });
    } catch (err) {
      const code = err instanceof ControlMethodError ? err.code : 'internal';
      if (code === 'internal') this.log.error({ err: (err as Error).stack, method: req.method }, 'control method failed');
      reply({ id: req.id, ok: false, error: { code, message: (err as Error).message } });
    }
  }
}
