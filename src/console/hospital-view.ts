// The hospital's view of one vehicle, for `ambulink demo`: the same console page, served over plain HTTP on loopback
// beside the stand-in hospital broker, reading what the uplink delivered there (MQTT over WebSocket) — read-only:
// no login, no daemon API, no buttons, and the broker refuses anything its viewers publish. A real hospital runs
// its own broker and its own front end; this is the demo's stand-in for both.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StandInBroker } from '../broker/stand-in-broker.js';
import { topicsFor } from '../core/topics.js';
import type { SessionInfo } from './api-types.js';
import { sendJson } from './http.js';
import { MQTT_PATH, MqttWebSocket } from './mqtt-websocket.js';
import { StaticFiles } from './static-files.js';

export class HospitalView {
  private server: http.Server | undefined;
  private mqtt: MqttWebSocket<true> | undefined;

  constructor(
    private readonly broker: StandInBroker,
    private readonly vehicle: string,
    private readonly host = '127.0.0.1',
    private readonly requestedPort = 0,
  ) {}

  get url(): string {
    return `http://${this.host}:${(this.server?.address() as AddressInfo | null)?.port ?? 0}/`;
  }

  async start(): Promise<void> {
    const files = new StaticFiles();
    files.load();
    if (files.problem) throw new Error(files.problem);
    const session: SessionInfo = { mode: 'hospital', vehicle: this.vehicle, username: 'hospital', role: 'viewer', topicRoot: topicsFor(this.vehicle).root, mqttPath: MQTT_PATH };
    const server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/api/session' && req.method === 'GET') return sendJson(res, 200, session);
      if (path.startsWith('/api/')) return sendJson(res, 404, { error: 'the hospital view is read-only: it has no daemon API' });
      if ((req.method === 'GET' || req.method === 'HEAD') && files.serve(req, res, path)) return;
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    });
    const mqtt = new MqttWebSocket<true>({ admit: () => true, serve: (stream) => this.broker.handleReadOnly(stream) });
    mqtt.attach(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err) => reject(new Error(`the hospital view cannot listen on ${this.host}:${this.requestedPort} (${(err as NodeJS.ErrnoException).code})`)));
      server.listen(this.requestedPort, this.host, () => resolve());
    });
    this.server = server;
    this.mqtt = mqtt;
  }

  async stop(): Promise<void> {
    this.mqtt?.close();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
