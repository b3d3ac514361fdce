// A TCP proxy that behaves like a flaky 5G link between the gateway and the hospital broker: delay with jitter,
// a bandwidth cap, stalls (connections stay open but nothing passes: the half-open link MQTT keep-alive must detect),
// resets, and blackouts (a coverage gap: nothing passes, new connections hang, and when coverage returns the old
// connections are dead). `tc netem` is not available on the CI kernel; this is the project's own.
import net from 'node:net';

export interface LinkProfile {
  /** One-way delay added to every chunk, ms. */
  delayMs: number;
  /** Extra random delay, 0..jitterMs, per chunk (order is kept). */
  jitterMs: number;
  /** Bytes per second in each direction; 0 = unlimited. */
  bytesPerSecond: number;
}

export const CLEAN_LINK: LinkProfile = { delayMs: 0, jitterMs: 0, bytesPerSecond: 0 };

/** Sees every byte that passes, per connection and direction (up: client → target), as it is delivered. */
export interface LinkObserver {
  opened(connection: number): void;
  data(connection: number, direction: 'up' | 'down', chunk: Buffer): void;
  closed(connection: number): void;
}

const HIGH_WATER = 1024 * 1024;

/** One direction of one connection: chunks wait for their due time and the bandwidth budget, in order. */
class Lane {
  private readonly queue: Array<{ chunk: Buffer; due: number }> = [];
  private queuedBytes = 0;
  private lastDue = 0;
  private nextFree = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly from: net.Socket,
    private readonly to: net.Socket,
    private readonly link: LinkEmulator,
    private readonly conn: { held: boolean; id: number },
    private readonly direction: 'up' | 'down',
  ) {
    from.on('data', (chunk: Buffer) => this.enqueue(chunk));
  }

  private enqueue(chunk: Buffer): void {
    const p = this.link.profile;
    const due = Math.max(this.lastDue, Date.now() + p.delayMs + Math.random() * p.jitterMs);
    this.lastDue = due;
    this.queue.push({ chunk, due });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER) this.from.pause();
    this.kick();
  }

  kick(): void {
    if (this.timer || this.link.frozen || this.conn.held) return;
    const head = this.queue[0];
    if (!head) return;
    const p = this.link.profile;
    const now = Date.now();
    const at = Math.max(head.due, p.bytesPerSecond > 0 ? this.nextFree : 0);
    if (at > now) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.kick();
      }, at - now);
      return;
    }
    this.queue.shift();
    this.queuedBytes -= head.chunk.length;
    if (p.bytesPerSecond > 0) this.nextFree = Math.max(now, this.nextFree) + (head.chunk.length * 1000) / p.bytesPerSecond;
    if (!this.to.destroyed) {
      this.to.write(head.chunk);
      this.link.observer?.data(this.conn.id, this.direction, head.chunk);
    }
    if (this.queuedBytes < HIGH_WATER / 2 && this.from.isPaused()) this.from.resume();
    setImmediate(() => this.kick());
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

interface Connection {
  client: net.Socket;
  upstream: net.Socket | undefined;
  lanes: Lane[];
  /** Stalled: open, passing nothing. */
  held: boolean;
  id: number;
}

export class LinkEmulator {
  profile: LinkProfile;
  /** Nothing passes (stall or blackout). */
  frozen = false;
  private blackedOut = false;
  private server: net.Server | undefined;
  private readonly connections = new Set<Connection>();
  /** Counters for the harness's report. */
  readonly counts = { connections: 0, resets: 0, stalls: 0, blackouts: 0 };

  constructor(
    private readonly target: { host: string; port: number },
    profile: LinkProfile = CLEAN_LINK,
    readonly observer?: LinkObserver,
  ) {
    this.profile = { ...profile };
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<void> {
    const server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  private accept(client: net.Socket): void {
    this.counts.connections++;
    client.setNoDelay(true);
    const conn: Connection = { client, upstream: undefined, lanes: [], held: false, id: this.counts.connections };
    this.connections.add(conn);
    this.observer?.opened(conn.id);
    const close = () => {
      this.observer?.closed(conn.id);
      if (!this.connections.delete(conn)) return;
      for (const l of conn.lanes) l.stop();
      client.destroy();
      conn.upstream?.destroy();
    };
    client.on('error', close);
    client.on('close', close);
    if (this.blackedOut) {
      // No coverage: the connection attempt goes nowhere. It is dropped when coverage returns.
      client.pause();
      return;
    }
    this.connectUpstream(conn, close);
  }

  private connectUpstream(conn: Connection, close: () => void): void {
    const upstream = net.connect(this.target.port, this.target.host);
    upstream.setNoDelay(true);
    conn.upstream = upstream;
    upstream.on('error', close);
    upstream.on('close', close);
    conn.lanes = [new Lane(conn.client, upstream, this, conn, 'up'), new Lane(upstream, conn.client, this, conn, 'down')];
  }

  setProfile(profile: Partial<LinkProfile>): void {
    this.profile = { ...this.profile, ...profile };
  }

  /** The open connections stop passing anything, and stay open; new connections work. */
  stall(): void {
    this.counts.stalls++;
    for (const c of this.connections) {
      c.held = true;
      for (const l of c.lanes) l.stop();
    }
  }

  /** Stalled connections pass data again (if both ends are still there). */
  unstall(): void {
    for (const c of this.connections) {
      if (!c.held) continue;
      c.held = false;
      for (const l of c.lanes) l.kick();
    }
  }

  get openConnections(): number {
    return this.connections.size;
  }

  /** Every open connection is reset (RST), as when the modem drops the bearer. */
  reset(): void {
    this.counts.resets++;
    this.dropAll();
  }

  private dropAll(): void {
    for (const c of [...this.connections]) {
      this.observer?.closed(c.id);
      this.connections.delete(c);
      for (const l of c.lanes) l.stop();
      c.client.resetAndDestroy();
      c.upstream?.destroy();
    }
  }

  /** A coverage gap: nothing passes and new connections hang, until blackoutEnd(). */
  blackout(): void {
    this.counts.blackouts++;
    this.blackedOut = true;
    this.frozen = true;
  }

  /** Coverage returns: the connections from before (and those that hung) are dead; new ones work. */
  blackoutEnd(): void {
    this.blackedOut = false;
    this.frozen = false;
    this.dropAll();
  }

  async stop(): Promise<void> {
    this.dropAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
