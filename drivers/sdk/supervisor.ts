// Keeps one configured device attached: opens its transport, attaches the driver, reconnects with backoff and
// jitter, marks the device stale when records stop, and reports all of it as `device` records. Whatever the
// device or its driver does, the supervisor does not let it take the daemon down.
import { Backoff, defaultBackoff, type BackoffOptions } from '../../src/core/backoff.js';
import { isoMs, type Clock } from '../../src/core/clock.js';
import type { Logger } from '../../src/core/logger.js';
import type { CanonicalRecord, DeviceCounters, DeviceIdentity, DeviceRecord, DeviceState } from '../../src/schema/index.js';
import { SCHEMA_VERSION } from '../../src/schema/index.js';
import type { AnyDriver, DriverContext, DriverInstance, RecordIds } from './driver.js';
import { fileMemory, type DeviceMemory } from './device-memory.js';
import type { Link } from './link.js';
import type { SettingCapability } from './settings.js';
import { connectorFor, type Connector, type TcpListener, type TransportConfig } from './transports/index.js';

export interface DeviceSpec {
  readonly id: string;
  readonly driver: AnyDriver;
  /** Driver options, already validated (and defaulted) against driver.optionsSchema. */
  readonly options: unknown;
  readonly transport: TransportConfig;
  readonly staleAfterMs: number;
}

export interface DeviceStatus {
  id: string;
  driver: string;
  state: DeviceState;
  transport: string;
  since: string;
  lastRecordAt?: string;
  identity?: DeviceIdentity;
  counters: DeviceCounters;
  error?: string;
  links: number;
}

export interface SupervisorDeps {
  readonly vehicle: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** Every record the device produces, and the supervisor's own device records. */
  emit(record: CanonicalRecord): void;
  /** Resolves once what was emitted so far is stored (the daemon's outbox); default: at once (nothing stores). */
  stored?(): Promise<void>;
  /** Where drivers keep what they remember of their devices across restarts (one file per device); none: nothing kept. */
  readonly memoryDir?: string;
  readonly backoff?: BackoffOptions;
  /** How often a device record with fresh counters is sent while nothing changes. */
  readonly heartbeatMs?: number;
}

const zeroCounters = (): DeviceCounters => ({
  framesOk: 0,
  framesDropped: 0,
  bytesDropped: 0,
  checksumErrors: 0,
  records: 0,
  reconnects: 0,
});

export class DeviceSupervisor {
  private state: DeviceState = 'stopped';
  private sinceWall = 0;
  private error: string | undefined;
  private identity: DeviceIdentity | undefined;
  private readonly links = new Map<Link, DriverInstance | undefined>();
  private listener: TcpListener | undefined;
  private connector: Connector | undefined;
  private backoff: Backoff | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private staleTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private stopping = true;
  private lastRecordMono = 0;
  private lastRecordWall = 0;
  /** Counters of links that have closed; live links add their own on top. */
  private readonly closedTotals = zeroCounters();
  private records = 0;
  private reconnects = 0;
  private everConnected = false;
  private rawTap: ((chunk: Buffer) => void) | undefined;
  private memory: DeviceMemory | undefined;

  constructor(
    private readonly spec: DeviceSpec,
    private readonly deps: SupervisorDeps,
  ) {}

  get id(): string {
    return this.spec.id;
  }

  start(): void {
    if (!this.stopping) return;
    this.stopping = false;
    this.connector = connectorFor(this.spec.transport, this.spec.driver.transportDefaults);
    this.backoff = new Backoff(this.deps.backoff ?? defaultBackoff);
    const staleEvery = Math.max(100, Math.min(1000, Math.floor(this.spec.staleAfterMs / 4)));
    this.staleTimer = setInterval(() => this.checkStale(), staleEvery);
    this.heartbeatTimer = setInterval(() => this.emitDeviceRecord(), this.deps.heartbeatMs ?? 30_000);
    this.staleTimer.unref();
    this.heartbeatTimer.unref();
    this.setState('connecting');
    void this.open();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.staleTimer);
    clearInterval(this.heartbeatTimer);
    await Promise.all([...this.links.keys()].map((link) => this.detach(link)));
    await this.listener?.close();
    this.listener = undefined;
    this.setState('stopped');
  }

  /** The setting capability of the live link, if the driver has one and the device is attached. */
  settings(): SettingCapability | undefined {
    for (const instance of this.links.values()) if (instance?.settings) return instance.settings;
    return undefined;
  }

  /** Raw bytes from the device, as received, for `ambulink capture`. One tap at a time. */
  setRawTap(tap: ((chunk: Buffer) => void) | undefined): void {
    this.rawTap = tap;
  }

  status(): DeviceStatus {
    return {
      id: this.spec.id,
      driver: this.spec.driver.name,
      state: this.state,
      transport: this.describeTransport(),
      since: isoMs(this.sinceWall),
      ...(this.lastRecordWall ? { lastRecordAt: isoMs(this.lastRecordWall) } : {}),
      ...(this.identity ? { identity: this.identity } : {}),
      counters: this.counters(),
      ...(this.error ? { error: this.error } : {}),
      links: this.links.size,
    };
  }

  private describeTransport(): string {
    const live = [...this.links.keys()];
    if (live.length === 1) return live[0]!.description;
    return this.listener?.description ?? this.connector?.description ?? this.spec.transport.type;
  }

  private counters(): DeviceCounters {
    const c = { ...this.closedTotals, records: this.records, reconnects: this.reconnects };
    for (const instance of this.links.values()) {
      if (!instance) continue;
      c.framesOk += instance.stats.frames;
      c.framesDropped += instance.stats.framesDropped;
      c.bytesDropped += instance.stats.bytesDropped;
      c.checksumErrors += instance.stats.checksumErrors;
    }
    return c;
  }

  private async open(): Promise<void> {
    const connector = this.connector!;
    try {
      if (connector.mode === 'dial') {
        const link = await connector.dial();
        if (this.stopping) return void (await link.close());
        this.attach(link);
      } else {
        this.listener = await connector.listen({
          onLink: (link) => this.attach(link),
          onRefused: (remote) =>
            this.deps.log.warn({ device: this.spec.id, remote }, 'connection refused: device already connected'),
        });
        if (this.stopping) return void (await this.listener.close());
        this.error = undefined;
        this.setState('disconnected'); // listening, waiting for the device to connect
        this.deps.log.info({ device: this.spec.id, on: this.listener.description }, 'listening for device');
      }
    } catch (err) {
      this.scheduleRetry(err as Error);
    }
  }

  private scheduleRetry(err: Error | undefined): void {
    if (this.stopping) return;
    const message = err ? err.message : 'link closed';
    const repeated = this.error === message && this.state === 'disconnected';
    this.error = message;
    if (!repeated) this.setState('disconnected');
    const delay = this.backoff!.next();
    const log = repeated ? this.deps.log.debug.bind(this.deps.log) : this.deps.log.warn.bind(this.deps.log);
    log({ device: this.spec.id, err: message, retryInMs: delay }, 'device unavailable; retrying');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopping) return;
      this.setState('connecting');
      void this.open();
    }, delay);
    this.retryTimer.unref();
  }

  private attach(link: Link): void {
    this.links.set(link, undefined);
    if (this.everConnected) this.reconnects++;
    this.everConnected = true;
    this.error = undefined;
    link.onClose((err) => void this.onLinkClosed(link, err));
    if (link.kind === 'bytes') {
      // The tap sees what the driver sees; set before the driver so no byte is missed.
      const tapping = link.onData.bind(link);
      link.onData = (listener) =>
        tapping((chunk) => {
          this.rawTap?.(chunk);
          listener(chunk);
        });
    }
    try {
      const instance = this.spec.driver.attach(link, this.driverContext(link));
      this.links.set(link, instance);
    } catch (err) {
      this.deps.log.error({ device: this.spec.id, err: (err as Error).message }, 'driver failed to attach');
      void link.close();
      return;
    }
    this.lastRecordMono = this.deps.clock.monoMs(); // a fresh link gets a full stale period to speak
    this.deps.log.info({ device: this.spec.id, link: link.description }, 'device link open');
    this.setState('connected');
  }

  private driverContext(link: Link): DriverContext<unknown> {
    const ids: RecordIds = { vehicle: this.deps.vehicle, device: this.spec.id, driver: this.spec.driver.name };
    if (this.deps.memoryDir && !this.memory) {
      this.memory = fileMemory(this.deps.memoryDir, this.spec.id, (err) => this.deps.log.warn({ device: this.spec.id, err: err.message }, 'cannot keep what the driver remembers of the device'));
    }
    return {
      ...(this.memory ? { memory: this.memory } : {}),
      options: this.spec.options,
      ids,
      clock: this.deps.clock,
      log: this.deps.log.child({ device: this.spec.id, driver: this.spec.driver.name }),
      emit: (record) => this.onRecord(record),
      stored: () => this.deps.stored?.() ?? Promise.resolve(),
      setIdentity: (identity) => {
        this.identity = { ...this.identity, ...identity };
        this.emitDeviceRecord();
      },
      fail: (reason) => {
        this.deps.log.warn({ device: this.spec.id, reason }, 'driver gave up the link');
        this.error = reason;
        void link.close();
      },
    };
  }

  private onRecord(record: CanonicalRecord): void {
    this.records++;
    this.lastRecordMono = record.mono;
    this.lastRecordWall = this.deps.clock.wallMs();
    if (this.state === 'stale') this.setState('connected');
    this.backoff!.reset(); // the device delivers: the next loss starts again from the shortest delay
    this.deps.emit(record);
  }

  private async onLinkClosed(link: Link, err: Error | undefined): Promise<void> {
    if (!this.links.has(link)) return;
    await this.detach(link);
    if (this.stopping) return;
    const reason = err ?? (this.error ? new Error(this.error) : new Error('device closed the link'));
    this.deps.log.warn({ device: this.spec.id, link: link.description, err: reason.message }, 'device link closed');
    if (this.connector?.mode === 'dial') this.scheduleRetry(reason);
    else if (this.links.size === 0) {
      this.error = reason.message;
      this.setState('disconnected');
    }
  }

  private async detach(link: Link): Promise<void> {
    if (!this.links.has(link)) return;
    const instance = this.links.get(link);
    this.links.delete(link);
    if (instance) {
      try {
        await instance.stop();
      } catch (err) {
        this.deps.log.warn({ device: this.spec.id, err: (err as Error).message }, 'driver stop failed');
      }
      this.closedTotals.framesOk += instance.stats.frames;
      this.closedTotals.framesDropped += instance.stats.framesDropped;
      this.closedTotals.bytesDropped += instance.stats.bytesDropped;
      this.closedTotals.checksumErrors += instance.stats.checksumErrors;
    }
    await link.close().catch(() => undefined);
  }

  private checkStale(): void {
    if (this.state !== 'connected') return;
    if (this.deps.clock.monoMs() - this.lastRecordMono > this.spec.staleAfterMs) this.setState('stale');
  }

  private setState(state: DeviceState): void {
    if (state === this.state) return;
    this.state = state;
    this.sinceWall = this.deps.clock.wallMs();
    this.emitDeviceRecord();
  }

  private emitDeviceRecord(): void {
    const now = this.deps.clock.wallMs();
    const iso = isoMs(now);
    const record: DeviceRecord = {
      kind: 'device',
      schema: SCHEMA_VERSION,
      vehicle: this.deps.vehicle,
      device: this.spec.id,
      driver: this.spec.driver.name,
      observedAt: iso,
      receivedAt: iso,
      mono: this.deps.clock.monoMs(),
      state: this.state,
      transport: this.describeTransport(),
      counters: this.counters(),
      ...(this.identity ? { identity: this.identity } : {}),
      ...(this.error && this.state !== 'connected' ? { error: this.error } : {}),
    };
    this.deps.emit(record);
  }
}
