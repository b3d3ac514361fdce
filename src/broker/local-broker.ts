// The embedded MQTT broker (aedes) for in-vehicle consumers: the crew tablet, displays, local apps. Bound to loopback
// by default; every client authenticates; consumers may read but never publish, and only the crew role may publish,
// and only crew actions. The daemon publishes in-process, without a socket.
import { timingSafeEqual, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { Aedes, type Client, type AuthenticateError } from 'aedes';
import type { Logger } from '../core/logger.js';
import type { Topics } from '../core/topics.js';
import type { LocalBrokerUserConfig } from '../config/schema.js';

export interface LocalBrokerSettings {
  host: string;
  port: number;
  users: LocalBrokerUserConfig[];
}

export type Role = LocalBrokerUserConfig['role'];

/** A local broker user whose password was checked when they logged in (the crew console's session). */
export interface LoggedInUser {
  username: string;
  role: Role;
}

/** A crew action as published on the local broker by an authenticated crew client. */
export interface CrewAction {
  /** The topic below the crew prefix, e.g. "setpoint/confirm". */
  action: string;
  payload: Buffer;
  username: string;
}

interface Credential {
  digest: Buffer;
  role: Role;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

function authError(message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: 4 as const }) as AuthenticateError;
}

export class LocalBroker {
  private broker: Aedes | undefined;
  private server: net.Server | undefined;
  private readonly roles = new WeakMap<Client, Role>();
  private readonly usernames = new WeakMap<Client, string>();
  private readonly crewListeners: Array<(action: CrewAction) => void> = [];
  /** Connections whose user logged in before the MQTT CONNECT (the console's WebSocket, behind its session). */
  private readonly loggedIn = new WeakMap<Duplex, LoggedInUser>();
  private credentials = new Map<string, Credential>();
  private boundPort = 0;

  constructor(
    private readonly settings: LocalBrokerSettings,
    private readonly topics: Topics,
    private readonly log: Logger,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  get clients(): number {
    return (this.broker as unknown as { connectedClients?: number } | undefined)?.connectedClients ?? 0;
  }

  async start(): Promise<void> {
    this.credentials = new Map(
      this.settings.users.map((u) => {
        let password: string;
        try {
          password = readFileSync(u.passwordFile, 'utf8').trim();
        } catch (err) {
          throw new Error(`local broker user ${u.username}: cannot read passwordFile ${u.passwordFile} (${(err as NodeJS.ErrnoException).code})`);
        }
        if (!password) throw new Error(`local broker user ${u.username}: passwordFile ${u.passwordFile} is empty`);
        return [u.username, { digest: digest(password), role: u.role }];
      }),
    );
    const broker = await Aedes.createBroker({
      authenticate: (client, username, password, done) => {
        const session = this.loggedIn.get(client.conn as Duplex);
        // A logged-in connection is its user's and nobody else's; any other needs the password.
        const role = session ? (session.username === username ? session.role : undefined) : this.verify(username, password);
        if (!role) {
          this.log.warn({ client: client.id, username }, 'local broker: authentication failed');
          return done(authError('bad username or password'), false);
        }
        this.roles.set(client, role);
        this.usernames.set(client, username!);
        done(null, true);
      },
      authorizePublish: (client, packet, done) => {
        if (client === null) return done(null); // the daemon itself
        const role = this.roles.get(client);
        if (role === 'crew' && packet.topic.startsWith(`${this.topics.crew}/`)) return done(null);
        this.log.warn({ client: client.id, role, topic: packet.topic }, 'local broker: publish refused');
        done(new Error('not authorised to publish here'));
      },
      authorizeSubscribe: (client, sub, done) => {
        if (sub.topic === '#' || sub.topic.startsWith(`${this.topics.root}/`) || sub.topic === this.topics.root || sub.topic === this.topics.consoleFeed || sub.topic === this.topics.consoleState) {
          return done(null, sub);
        }
        this.log.warn({ client: client.id, topic: sub.topic }, 'local broker: subscription refused');
        done(null, null);
      },
    });
    this.broker = broker;
    broker.on('publish', (packet, client) => {
      // Only what an authenticated crew client published under crew/ (authorizePublish let nothing else through).
      if (!client || this.roles.get(client) !== 'crew' || !packet.topic.startsWith(`${this.topics.crew}/`)) return;
      const action: CrewAction = { action: packet.topic.slice(this.topics.crew.length + 1), payload: Buffer.from(packet.payload), username: this.usernames.get(client) ?? '' };
      for (const listener of this.crewListeners) listener(action);
    });
    const server = net.createServer(broker.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) =>
        reject(new Error(`local broker cannot listen on ${this.settings.host}:${this.settings.port} (${(err as NodeJS.ErrnoException).code})`)),
      );
      server.listen(this.settings.port, this.settings.host, () => resolve());
    });
    this.boundPort = (server.address() as net.AddressInfo).port;
    this.log.info({ host: this.settings.host, port: this.boundPort, users: this.credentials.size }, 'local broker listening');
  }

  /** The role of a user whose password is right; undefined for anyone else. The console's login uses it too. */
  verify(username: string | undefined, password: string | Buffer | undefined): Role | undefined {
    const cred = username === undefined ? undefined : this.credentials.get(username);
    // Compare digests so the comparison time does not depend on the password's length or content.
    if (!cred || !password || !timingSafeEqual(cred.digest, digest(password))) return undefined;
    return cred.role;
  }

  /**
   * Serves MQTT on a stream whose user has already logged in (the console's WebSocket): the CONNECT must name that
   * user, and the same roles and ACLs apply as on the TCP listener.
   */
  handleLoggedIn(stream: Duplex, user: LoggedInUser): void {
    if (!this.broker) return void stream.destroy(new Error('the local broker is not running'));
    this.loggedIn.set(stream, user);
    this.broker.handle(stream);
  }

  /** Crew actions (confirmations, encounter open/close) for the services that act on them. */
  onCrewAction(listener: (action: CrewAction) => void): void {
    this.crewListeners.push(listener);
  }

  publish(topic: string, payload: string | Buffer, options: { qos?: 0 | 1; retain?: boolean } = {}): void {
    this.broker?.publish(
      {
        cmd: 'publish',
        topic,
        payload: typeof payload === 'string' ? Buffer.from(payload) : payload,
        qos: options.qos ?? 0,
        retain: options.retain ?? false,
        dup: false,
      },
      () => undefined,
    );
  }

  async stop(): Promise<void> {
    const server = this.server;
    const broker = this.broker;
    this.server = undefined;
    this.broker = undefined;
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
