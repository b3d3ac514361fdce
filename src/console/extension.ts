// The crew console as a daemon extension: HTTPS with the box's certificate on the vehicle LAN, the built page from
// the installed package, a login per local broker user (the broker's own password check), and live data as MQTT
// over WebSocket into the local broker on the same origin — with the broker's roles and ACLs, so a consumer's page
// cannot publish a crew action even by hand. Off unless `console.enabled`.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { BatchedFeed } from '../broker/batched-feed.js';
import type { LocalBroker, LoggedInUser } from '../broker/local-broker.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import { ConsoleState } from './console-state.js';
import { MqttWebSocket } from './mqtt-websocket.js';
import { ConsoleRoutes } from './routes.js';
import { Sessions } from './sessions.js';
import { StatePush } from './state-push.js';
import { StaticFiles } from './static-files.js';

export interface ConsoleParts {
  broker: LocalBroker;
  /** The batched record feed the page subscribes to instead of one message per record. */
  feed: BatchedFeed;
  /** Whether remote setpoints are enabled (their control methods exist). */
  setpoints: boolean;
}

function readPem(file: string | undefined, what: string): Buffer {
  if (!file) throw new Error(`console.${what} is needed to serve HTTPS`);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read console.${what} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

export class ConsoleExtension implements Extension {
  readonly name = 'console';
  private server: https.Server | undefined;
  private mqtt: MqttWebSocket<LoggedInUser> | undefined;
  private push: StatePush | undefined;
  private boundPort = 0;

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: ConsoleParts,
  ) {}

  /** Consoles connected now (their WebSockets). */
  get liveClients(): number {
    return this.mqtt?.clients ?? 0;
  }

  /** The port actually bound (the config may say 0). */
  get port(): number {
    return this.boundPort;
  }

  async start(): Promise<void> {
    const { config, log, clock, topics, control } = this.env;
    const settings = config.console;
    if (!settings.enabled) return;
    const tls = { cert: readPem(settings.cert, 'cert'), key: readPem(settings.key, 'key') };
    const files = new StaticFiles();
    files.load();
    if (files.problem) log.error({ problem: files.problem }, 'console: no page to serve');
    const sessions = new Sessions(settings.sessionMinutes * 60_000, clock);
    const consoleLog = log.child({ part: 'console' });
    const state = new ConsoleState(clock, control, this.parts.setpoints);
    const push = new StatePush({
      state,
      wanted: () => mqtt.clients > 0,
      publish: (payload) => this.parts.broker.publish(topics.consoleState, payload, { qos: 0 }),
      onError: (err) => consoleLog.warn({ err: err.message }, 'console: state not pushed'),
    });
    const routes = new ConsoleRoutes({
      vehicle: config.vehicle.id,
      topics,
      broker: this.parts.broker,
      control,
      state,
      decided: () => void push.pushNow(),
      sessions,
      clock,
      log: consoleLog,
      setpoints: this.parts.setpoints,
    });
    const server = https.createServer(tls, (req, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      void (async () => {
        if (await routes.handle(req, res, path)) return;
        if ((req.method === 'GET' || req.method === 'HEAD') && files.serve(req, res, path)) return;
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      })();
    });
    const mqtt = new MqttWebSocket<LoggedInUser>({
      admit: (req) => sessions.fromCookie(req.headers.cookie),
      serve: (stream, user) => this.parts.broker.handleLoggedIn(stream, user),
    });
    mqtt.attach(server);
    this.parts.feed.readBy(() => mqtt.clients > 0);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`console cannot listen on ${settings.host}:${settings.port} (${(err as NodeJS.ErrnoException).code})`)));
      server.listen(settings.port, settings.host, () => resolve());
    });
    this.server = server;
    this.mqtt = mqtt;
    push.start();
    this.push = push;
    this.boundPort = (server.address() as AddressInfo).port;
    this.env.statusSections.set('console', () => ({ url: `https://${settings.host}:${this.boundPort}/`, liveClients: mqtt.clients }));
    consoleLog.info({ host: settings.host, port: this.boundPort }, 'console listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.push?.stop();
    this.mqtt?.close();
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
