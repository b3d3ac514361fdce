// The MQTT uplink to the hospital broker over the 5G link (mqtt.js). It owns one connection at a time and no
// buffer of its own: messages come from a durable source (the outbox), at most `inflight` of them unacknowledged, and
// go back to the source when the connection breaks. mqtt.js's own reconnect and offline queue are switched off: a
// broken or stalled connection is torn down and a fresh client connects after a backoff with jitter.
//
// MQTT 5 where the broker speaks it (message expiry, user properties, receive maximum), 3.1.1 otherwise (aedes):
// everything a consumer needs is in the payload either way.
import mqtt, { type IClientOptions, type IClientPublishOptions, type IConnackPacket, type IPublishPacket, type MqttClient } from 'mqtt';
import { Backoff } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Topics } from '../core/topics.js';
import type { UplinkConfig } from '../config/schema.js';
import { BacklogPacer } from './backlog-pacer.js';
import { BdSeq, statusPayload, type StatusMessage } from './birth-death.js';
import { displayUrl, readSecrets, SecretsError } from './credentials.js';
import { InboundRouter, type InboundHandler } from './inbound.js';
import type { MessageSource, OutgoingMessage } from './source.js';

export interface UplinkOptions {
  vehicle: string;
  config: UplinkConfig;
  topics: Topics;
  log: Logger;
  clock: Clock;
  source: MessageSource;
  /** Where the birth/death sequence number is kept. */
  bdSeqFile: string;
  /** The outbox epoch, for the status message. */
  epoch: () => string;
  /** Everything else the status message carries (version, devices, outbox figures, other sections). */
  statusReport: () => Record<string, unknown>;
}

export type LinkState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

export interface LinkStats {
  url: string;
  state: LinkState;
  /** MQTT version of the current (or last) connection: 5, or 4 for 3.1.1. */
  protocol: 4 | 5 | null;
  connectedSince: string | null;
  /** Round trip publish → PUBACK, ms: smoothed, and the last one. */
  rttMs: number | null;
  lastRttMs: number | null;
  lastPubackAt: string | null;
  window: number;
  inflightMessages: number;
  published: number;
  publishedRecords: number;
  reconnects: number;
  stalls: number;
  bdSeq: number;
  lastError: string | null;
}

/** CONNACK refusals that mean "this broker does not speak MQTT 5": 1 (3.1.1) and 0x84 (5). */
const UNSUPPORTED_PROTOCOL = new Set([1, 0x84]);
const STALL_CHECK_MS = 500;

export class Uplink {
  private client: MqttClient | undefined;
  /** Bumped for every connection: callbacks of an older one are ignored. */
  private generation = 0;
  private state: LinkState = 'disconnected';
  private protocol: 4 | 5;
  private readonly backoff: Backoff;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private stallTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private readonly inflight = new Map<OutgoingMessage, number>();
  /** Status publishes awaiting their PUBACK: they count for stall detection too. */
  private readonly statusInflight = new Map<number, number>();
  private statusCounter = 0;
  private backlogInflight = 0;
  private backlogBytes = 0;
  private readonly pacer: BacklogPacer;
  private pumpTimer: NodeJS.Timeout | undefined;
  private window: number;
  private maxPacket: number;
  private pumping = false;
  private readonly inbound: InboundRouter;
  private readonly bdSeq: BdSeq;
  private connectedAtWall = 0;
  private lastPubackMono = 0;
  private lastPubackWall = 0;
  private rttEwma: number | undefined;
  private lastRtt: number | undefined;
  private published = 0;
  private publishedRecords = 0;
  private reconnects = 0;
  private stalls = 0;
  private lastError: string | undefined;
  private stopped = false;

  constructor(private readonly options: UplinkOptions) {
    const c = options.config;
    this.protocol = c.protocolVersion === 4 ? 4 : 5;
    this.backoff = new Backoff({ initialMs: c.reconnectInitialMs, maxMs: c.reconnectMaxMs, factor: 2, jitter: 0.3 });
    this.window = c.inflight;
    this.maxPacket = c.batchMaxBytes;
    this.pacer = new BacklogPacer(c.batchMaxBytes, c.batchMaxBytes * c.inflight);
    this.inbound = new InboundRouter(options.log);
    this.bdSeq = new BdSeq(options.bdSeqFile);
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  start(): void {
    this.stopped = false;
    this.bdSeq.load();
    this.options.source.onReady(() => this.pump());
    this.connect();
  }

  /** Says goodbye (retained "offline"), disconnects, and hands everything in flight back to the source. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    if (client && client.connected) {
      const goodbye = this.status('offline', 'stopped');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        client.publish(this.options.topics.status, statusPayload(goodbye), { qos: 1, retain: true }, () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    this.dropConnection(false);
    if (client) {
      // A clean DISCONNECT (no Will), unless the link does not even carry that.
      const ended = client.endAsync(false).catch(() => undefined);
      const timer = new Promise<void>((r) => setTimeout(r, 3000).unref());
      await Promise.race([ended, timer]);
      if (!client.disconnected) client.end(true);
    }
  }

  /** Hospital → vehicle: `handler` gets every message on topics matching `filter`, for as long as the uplink runs. */
  subscribe(filter: string, handler: InboundHandler): () => void {
    const sub = this.inbound.add(filter, handler);
    if (this.client && this.connected) this.client.subscribe(filter, { qos: 1 });
    return () => {
      if (this.inbound.remove(sub) && this.client && this.connected) this.client.unsubscribe(filter);
    };
  }

  stats(): LinkStats {
    const round = (n: number | undefined) => (n === undefined ? null : Math.round(n * 100) / 100);
    return {
      url: displayUrl(this.options.config.url),
      state: this.state,
      protocol: this.client || this.published > 0 ? this.protocol : null,
      connectedSince: this.connected ? new Date(this.connectedAtWall).toISOString() : null,
      rttMs: round(this.rttEwma),
      lastRttMs: round(this.lastRtt),
      lastPubackAt: this.lastPubackWall ? new Date(this.lastPubackWall).toISOString() : null,
      window: this.window,
      inflightMessages: this.inflight.size,
      published: this.published,
      publishedRecords: this.publishedRecords,
      reconnects: this.reconnects,
      stalls: this.stalls,
      bdSeq: this.bdSeq.current,
      lastError: this.lastError ?? null,
    };
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Connection

  private connect(): void {
    if (this.stopped) return;
    const { config, log, topics, vehicle } = this.options;
    const generation = ++this.generation;
    this.state = 'connecting';
    let secrets;
    try {
      secrets = readSecrets(config);
    } catch (err) {
      if (!(err instanceof SecretsError)) throw err;
      this.lastError = err.message;
      log.error({ err: err.message }, 'uplink cannot connect');
      this.state = 'disconnected';
      this.scheduleReconnect();
      return;
    }
    const bdSeq = this.bdSeq.next();
    const protocolVersion = this.protocol;
    const will: StatusMessage = { state: 'offline', vehicle, bdSeq, epoch: this.options.epoch(), reason: 'connection lost' };
    const options: IClientOptions = {
      protocolVersion,
      clientId: config.clientId ?? `ambulink-${vehicle}`,
      keepalive: config.keepaliveSeconds,
      connectTimeout: config.connectTimeoutMs,
      reconnectPeriod: 0,
      clean: true,
      // Ping on schedule even while publishing: a half-open link must be noticed whatever the traffic.
      reschedulePings: false,
      queueQoSZero: false,
      will: { topic: topics.status, payload: statusPayload(will), qos: 1, retain: true },
      ...(protocolVersion === 5 ? { properties: { sessionExpiryInterval: 0, requestProblemInformation: true } } : {}),
      ...(secrets.username ? { username: secrets.username } : {}),
      ...(secrets.password ? { password: secrets.password } : {}),
      ...(secrets.ca ? { ca: secrets.ca } : {}),
      ...(secrets.cert ? { cert: secrets.cert } : {}),
      ...(secrets.key ? { key: secrets.key } : {}),
      ...(secrets.passphrase ? { passphrase: secrets.passphrase } : {}),
      ...(secrets.servername ? { servername: secrets.servername } : {}),
      rejectUnauthorized: secrets.rejectUnauthorized,
    };
    const client = mqtt.connect(config.url, options);
    this.client = client;
    client.on('connect', (connack) => {
      if (generation === this.generation) this.onConnected(client, connack, bdSeq);
    });
    client.on('message', (_topic, _payload, packet) => {
      if (generation === this.generation) this.inbound.deliver(packet as IPublishPacket, this.protocol);
    });
    client.on('error', (err: Error & { code?: number | string }) => {
      if (generation !== this.generation) return;
      if (typeof err.code === 'number' && UNSUPPORTED_PROTOCOL.has(err.code) && config.protocolVersion === 'auto' && this.protocol === 5) {
        log.info({ url: displayUrl(config.url) }, 'uplink: the broker does not speak MQTT 5; using 3.1.1');
        this.protocol = 4;
        this.dropConnection(true, 0);
        return;
      }
      this.lastError = err.message;
    });
    client.on('close', () => {
      if (generation !== this.generation) return;
      log.warn({ err: this.lastError }, this.state === 'connected' ? 'uplink connection lost' : 'uplink could not connect');
      this.dropConnection(true);
    });
  }

  private onConnected(client: MqttClient, connack: IConnackPacket, bdSeq: number): void {
    const { config, log } = this.options;
    const props = connack.properties;
    this.window = Math.max(1, Math.min(config.inflight, props?.receiveMaximum ?? config.inflight));
    this.maxPacket = Math.min(config.batchMaxBytes, props?.maximumPacketSize ? props.maximumPacketSize - 1024 : config.batchMaxBytes);
    this.state = 'connected';
    this.connectedAtWall = this.options.clock.wallMs();
    this.lastPubackMono = this.options.clock.monoMs();
    this.pacer.reset(this.lastPubackMono);
    this.lastError = undefined;
    this.backoff.reset();
    log.info({ url: displayUrl(config.url), protocol: this.protocol === 5 ? '5' : '3.1.1', window: this.window, bdSeq }, 'uplink connected');
    // Birth first: consumers learn of the new connection before its data.
    this.publishStatus();
    const filters = this.inbound.filters();
    if (filters.length > 0) client.subscribe(filters, { qos: 1 });
    this.options.source.linkUp();
    this.stallTimer = setInterval(() => this.checkStall(), STALL_CHECK_MS);
    this.stallTimer.unref();
    this.statusTimer = setInterval(() => this.publishStatus(), config.statusIntervalMs);
    this.statusTimer.unref();
    this.pump();
  }

  /** Ends the current connection (if any) and, unless stopping, connects again after a backoff. */
  private dropConnection(reconnect: boolean, delayMs?: number): void {
    const wasConnected = this.state === 'connected';
    this.generation++;
    if (this.stallTimer) clearInterval(this.stallTimer);
    if (this.statusTimer) clearInterval(this.statusTimer);
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    this.stallTimer = this.statusTimer = this.pumpTimer = undefined;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('close');
      client.removeAllListeners('connect');
      client.removeAllListeners('message');
      client.on('error', () => undefined);
      if (!this.stopped) client.end(true);
    }
    this.inflight.clear();
    this.statusInflight.clear();
    this.backlogInflight = 0;
    this.backlogBytes = 0;
    this.options.source.linkDown();
    if (this.stopped) return;
    this.state = 'disconnected';
    if (wasConnected) this.reconnects++;
    if (reconnect) this.scheduleReconnect(delayMs);
  }

  private scheduleReconnect(delayMs?: number): void {
    if (this.stopped || this.reconnectTimer) return;
    const delay = delayMs ?? this.backoff.next();
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** No PUBACK for longer than the keep-alive allows while something is in flight: the link is half-open. */
  private checkStall(): void {
    if (!this.connected) return;
    const now = this.options.clock.monoMs();
    let oldest = Infinity;
    for (const sentAt of this.inflight.values()) {
      oldest = sentAt;
      break;
    }
    for (const sentAt of this.statusInflight.values()) oldest = Math.min(oldest, sentAt);
    if (oldest === Infinity) return;
    const waitingSince = Math.max(oldest, this.lastPubackMono);
    const budget = this.options.config.stallTimeoutMs ?? this.options.config.keepaliveSeconds * 1000;
    if (now - waitingSince > budget) {
      this.stalls++;
      this.lastError = `no PUBACK for ${Math.round((now - waitingSince) / 1000)} s with ${this.inflight.size} message(s) in flight`;
      this.options.log.warn({ inflight: this.inflight.size, budgetMs: budget }, 'uplink stalled: tearing the connection down');
      this.dropConnection(true, 0);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Publishing

  /** Fills the window: live messages first; the backlog within its share of the window, at the pace the pacer allows. */
  private pump(): void {
    const client = this.client;
    if (!client || !this.connected || this.pumping) return;
    this.pumping = true;
    try {
      const backlogSlots = Math.max(1, this.window - Math.max(1, Math.floor(this.window / 4)));
      while (this.inflight.size < this.window) {
        let backlog = false;
        if (this.backlogInflight < backlogSlots) {
          const wait = this.pacer.wait(this.options.clock.monoMs(), this.backlogBytes, this.backlogInflight);
          if (wait === 0) backlog = true;
          else if (wait !== Infinity) this.pumpLater(wait);
        }
        const msg = this.options.source.take({ maxRecords: this.options.config.batchMaxRecords, maxBytes: this.maxPacket, backlog });
        if (!msg) break;
        if (msg.backlog) this.pacer.sent(msg.records);
        this.publish(client, msg);
      }
    } finally {
      this.pumping = false;
    }
  }

  private pumpLater(ms: number): void {
    if (this.pumpTimer) return;
    this.pumpTimer = setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
    this.pumpTimer.unref();
  }

  private publish(client: MqttClient, msg: OutgoingMessage): void {
    const generation = this.generation;
    const sentAt = this.options.clock.monoMs();
    this.inflight.set(msg, sentAt);
    if (msg.backlog) {
      this.backlogInflight++;
      this.backlogBytes += msg.payload.length;
    }
    const options: IClientPublishOptions = { qos: 1 };
    if (this.protocol === 5) {
      options.properties = {
        payloadFormatIndicator: true,
        contentType: 'application/json',
        userProperties: msg.userProperties as Record<string, string>,
        ...(msg.expirySeconds !== undefined ? { messageExpiryInterval: msg.expirySeconds } : {}),
      };
    }
    this.published++;
    this.publishedRecords += msg.records;
    client.publish(msg.topic, msg.payload, options, (err) => {
      if (generation !== this.generation || !this.inflight.delete(msg)) return;
      if (msg.backlog) {
        this.backlogInflight--;
        this.backlogBytes -= msg.payload.length;
      }
      if (err) {
        // Not accepted (or the connection broke under it): it stays in the outbox and goes again on a new connection.
        this.lastError = `publish to ${msg.topic} failed: ${err.message}`;
        this.options.log.error({ topic: msg.topic, err: err.message }, 'uplink: publish not acknowledged');
        this.dropConnection(true);
        return;
      }
      this.onPuback(msg, this.options.clock.monoMs() - sentAt);
      this.options.source.acked(msg);
      this.pump();
    });
  }

  private onPuback(msg: OutgoingMessage, rtt: number): void {
    const now = this.options.clock.monoMs();
    this.lastPubackMono = now;
    this.lastPubackWall = this.options.clock.wallMs();
    this.lastRtt = rtt;
    this.rttEwma = this.rttEwma === undefined ? rtt : this.rttEwma * 0.8 + rtt * 0.2;
    if (msg.backlog) this.pacer.backlogAcked(now);
    else this.pacer.liveAcked(now, this.lastPubackWall - msg.acceptedAt);
  }

  private status(state: 'online' | 'offline', reason?: string): StatusMessage {
    return {
      state,
      vehicle: this.options.vehicle,
      bdSeq: this.bdSeq.current,
      epoch: this.options.epoch(),
      at: new Date(this.options.clock.wallMs()).toISOString(),
      ...(reason ? { reason } : {}),
      ...(state === 'online' ? this.options.statusReport() : {}),
    };
  }

  /** The retained birth / status message: the gateway, its devices, the outbox and the link. */
  private publishStatus(): void {
    const client = this.client;
    if (!client || !this.connected) return;
    const generation = this.generation;
    const id = ++this.statusCounter;
    this.statusInflight.set(id, this.options.clock.monoMs());
    client.publish(this.options.topics.status, statusPayload(this.status('online')), { qos: 1, retain: true }, (err) => {
      if (generation !== this.generation) return;
      this.statusInflight.delete(id);
      if (!err) this.lastPubackMono = this.options.clock.monoMs();
    });
  }
}
