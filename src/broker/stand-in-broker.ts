// A plain embedded MQTT broker (aedes, MQTT 3.1.1) standing in for the hospital's in `ambulink demo`, and for tests:
// no users, loopback by default. The real hospital runs its own MQTT 5 broker.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';

export class StandInBroker {
  private broker: Aedes | undefined;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  /** Connections that may read but never publish (the demo's hospital view). */
  private readonly readOnly = new WeakSet<Duplex>();

  constructor(
    private readonly host = '127.0.0.1',
    private readonly requestedPort = 0,
  ) {}

  get port(): number {
    return (this.server?.address() as net.AddressInfo | null)?.port ?? 0;
  }

  get url(): string {
    return `mqtt://${this.host}:${this.port}`;
  }

  get aedes(): Aedes | undefined {
    return this.broker;
  }

  async start(): Promise<void> {
    const broker = await Aedes.createBroker({
      authorizePublish: (client, _packet, done) => done(client && this.readOnly.has(client.conn as Duplex) ? new Error('a read-only view') : null),
    });
    const server = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`cannot listen on ${this.host}:${this.requestedPort} (${(err as NodeJS.ErrnoException).code})`)));
      server.listen(this.requestedPort, this.host, () => resolve());
    });
    this.broker = broker;
    this.server = server;
  }

  /** Serves MQTT on a stream (a WebSocket of the hospital view) that may subscribe but not publish. */
  handleReadOnly(stream: Duplex): void {
    if (!this.broker) return void stream.destroy(new Error('the stand-in broker is not running'));
    this.readOnly.add(stream);
    this.broker.handle(stream);
  }

  async stop(): Promise<void> {
    const broker = this.broker;
    const server = this.server;
    this.broker = undefined;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
