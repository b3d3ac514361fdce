// The console's HTTP API, behind a login with a local broker user: who am I, the gateway's status, the pending
// remote setpoints, and the crew's confirm/reject, which go through the very control methods `ambulink setpoint
// confirm|reject` calls (same checks, same audit entry; the entry names the console and the user).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LocalBroker, LoggedInUser } from '../broker/local-broker.js';
import { ControlMethodError, type ControlServer } from '../control/server.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Topics } from '../core/topics.js';
import type { DecisionAnswer, SessionInfo } from './api-types.js';
import type { ConsoleState } from './console-state.js';
import { HttpError, readJson, sendJson } from './http.js';
import { LoginThrottle } from './login-throttle.js';
import { MQTT_PATH } from './mqtt-websocket.js';
import { clearedCookie, type Sessions } from './sessions.js';

export interface RouteDeps {
  vehicle: string;
  topics: Topics;
  broker: LocalBroker;
  control: ControlServer;
  /** The status and pending setpoints, shared with what is pushed to open consoles. */
  state: ConsoleState;
  /** Called after a crew decision (the open consoles are told at once). */
  decided(): void;
  sessions: Sessions;
  clock: Clock;
  log: Logger;
  /** Whether the setpoint service runs (its control methods exist). */
  setpoints: boolean;
}

export class ConsoleRoutes {
  private readonly throttle: LoginThrottle;

  constructor(private readonly deps: RouteDeps) {
    this.throttle = new LoginThrottle(deps.clock);
  }

  /** Answers an /api/ request; false if the path is not one. */
  async handle(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
    if (!path.startsWith('/api/')) return false;
    try {
      await this.route(req, res, path);
    } catch (err) {
      if (err instanceof HttpError) sendJson(res, err.status, { error: err.message });
      else if (err instanceof ControlMethodError) sendJson(res, err.code === 'not-pending' ? 409 : 400, { error: err.message });
      else {
        this.deps.log.error({ err: (err as Error).stack, path }, 'console: request failed');
        sendJson(res, 500, { error: 'internal error (see the daemon log)' });
      }
    }
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const method = req.method ?? 'GET';
    if (path === '/api/login' && method === 'POST') return this.login(req, res);
    if (path === '/api/logout' && method === 'POST') {
      this.deps.sessions.end(req.headers.cookie);
      return sendJson(res, 200, {}, { 'set-cookie': clearedCookie });
    }
    const user = this.deps.sessions.fromCookie(req.headers.cookie);
    if (!user) throw new HttpError(401, 'log in first');
    if (path === '/api/session' && method === 'GET') return sendJson(res, 200, this.sessionInfo(user));
    // Asked once by a page as it loads; afterwards the page reads what is pushed on the state topic.
    if (path === '/api/status' && method === 'GET') return sendJson(res, 200, await this.deps.state.status());
    if (path === '/api/setpoints' && method === 'GET') return sendJson(res, 200, await this.deps.state.pending());
    if (path === '/api/latest' && method === 'GET') return sendJson(res, 200, await this.deps.state.latest());
    const decision = /^\/api\/setpoints\/(confirm|reject)$/.exec(path)?.[1] as 'confirm' | 'reject' | undefined;
    if (decision && method === 'POST') return sendJson(res, 200, await this.decide(req, user, decision));
    throw new HttpError(404, `no ${method} ${path}`);
  }

  private async login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const address = req.socket.remoteAddress ?? 'unknown';
    const wait = this.throttle.waitS(address);
    if (wait > 0) throw new HttpError(429, `too many failed logins: try again in ${wait} s`);
    const body = await readJson(req);
    const username = typeof body.username === 'string' ? body.username : undefined;
    const password = typeof body.password === 'string' ? body.password : undefined;
    const role = this.deps.broker.verify(username, password);
    if (!role || !username) {
      this.throttle.failed(address);
      this.deps.log.warn({ username, address }, 'console: login failed');
      throw new HttpError(401, 'wrong username or password');
    }
    this.throttle.succeeded(address);
    const user: LoggedInUser = { username, role };
    this.deps.log.info({ username, role, address }, 'console: logged in');
    sendJson(res, 200, this.sessionInfo(user), { 'set-cookie': this.deps.sessions.cookie(this.deps.sessions.create(user)) });
  }

  private sessionInfo(user: LoggedInUser): SessionInfo {
    return { mode: 'vehicle', vehicle: this.deps.vehicle, username: user.username, role: user.role, topicRoot: this.deps.topics.root, mqttPath: MQTT_PATH, feedTopic: this.deps.topics.consoleFeed, stateTopic: this.deps.topics.consoleState };
  }

  private async decide(req: IncomingMessage, user: LoggedInUser, decision: 'confirm' | 'reject'): Promise<DecisionAnswer> {
    // The buttons are hidden from consumers; this is the check that counts.
    if (user.role !== 'crew') throw new HttpError(403, `${user.username} is a ${user.role}: only the crew confirms or rejects setpoints`);
    if (!this.deps.setpoints) throw new HttpError(409, 'remote setpoints are not enabled on this vehicle');
    const body = await readJson(req);
    if (typeof body.commandId !== 'string' || !body.commandId) throw new HttpError(400, 'commandId is needed');
    const answer = (await this.deps.control.call(`setpoint.${decision}`, { commandId: body.commandId, user: user.username, via: 'console' }).finally(() => {
      this.deps.state.pendingChanged();
      this.deps.decided();
    })) as DecisionAnswer;
    this.deps.log.info({ username: user.username, commandId: body.commandId, decision }, 'console: setpoint decision');
    return answer;
  }
}
