// The control socket itself, and the daemon's core answers on it: status, devices, latest values, raw capture.
// Other extensions register their own methods on env.control.
import { ControlMethodError } from '../control/server.js';
import { packageVersion } from '../core/paths.js';
import type { DaemonEnv, Extension } from './context.js';
import type { DeviceManager } from './device-manager.js';
import type { LatestValues } from './latest-values.js';
import type { LocalPublisher } from './local-publisher.js';
import type { RecordGate } from './record-gate.js';

export interface StatusReport {
  vehicle: string;
  version: string;
  pid: number;
  startedAt: string;
  uptimeS: number;
  records: { accepted: number; rejected: number };
  localBroker: { enabled: boolean; host: string; port: number; clients: number };
  devices: { total: number; connected: number; stale: number; disconnected: number };
  /** Sections contributed by other extensions (outbox, uplink, video …). */
  sections: Record<string, unknown>;
}

export class ControlApi implements Extension {
  readonly name = 'control';
  private startedWall = 0;
  private readonly capturing = new Set<string>();

  constructor(
    private readonly env: DaemonEnv,
    private readonly parts: { devices: DeviceManager; latest: LatestValues; local: LocalPublisher; gate: RecordGate },
  ) {}

  async start(): Promise<void> {
    const { devices, latest } = this.parts;
    const server = this.env.control;
    this.startedWall = this.env.clock.wallMs();
    server.register('status', () => this.status());
    server.register('devices', () => devices.statuses());
    server.register('latest', () => latest.snapshot());
    server.registerStream('capture', async (params, stream) => {
      const id = String(params.device ?? '');
      const supervisor = devices.supervisor(id);
      if (!supervisor) throw new ControlMethodError('unknown-device', `no device "${id}" in this vehicle's config`);
      if (this.capturing.has(id)) throw new ControlMethodError('busy', `a capture of "${id}" is already running`);
      this.capturing.add(id);
      supervisor.setRawTap((chunk) => void stream.send({ data: chunk.toString('base64') }));
      try {
        await stream.closed;
      } finally {
        supervisor.setRawTap(undefined);
        this.capturing.delete(id);
      }
    });
    await server.start();
  }

  async stop(): Promise<void> {
    await this.env.control.stop();
  }

  status(): StatusReport {
    const { config, clock } = this.env;
    const list = this.parts.devices.statuses();
    const count = (s: string) => list.filter((d) => d.state === s).length;
    const lb = config.localBroker;
    return {
      vehicle: config.vehicle.id,
      version: packageVersion(),
      pid: process.pid,
      startedAt: new Date(this.startedWall).toISOString(),
      uptimeS: Math.round((clock.wallMs() - this.startedWall) / 1000),
      records: { accepted: this.parts.gate.accepted, rejected: this.parts.gate.rejected },
      localBroker: { enabled: lb.enabled, host: lb.host, port: this.parts.local.broker.port, clients: this.parts.local.broker.clients },
      devices: { total: list.length, connected: count('connected'), stale: count('stale'), disconnected: count('disconnected') + count('connecting') },
      sections: Object.fromEntries([...this.env.statusSections].map(([name, report]) => [name, report()])),
    };
  }
}
