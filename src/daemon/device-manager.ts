// Starts one supervisor per enabled device of the vehicle config and answers for them.
import { join } from 'node:path';
import { DeviceSupervisor, type DeviceStatus } from '../../drivers/sdk/supervisor.js';
import { findDriver } from '../../drivers/index.js';
import type { CanonicalRecord } from '../schema/index.js';
import type { DaemonEnv, Extension } from './context.js';

const FALLBACK_STALE_MS = 10_000;

export class DeviceManager implements Extension {
  readonly name = 'devices';
  private readonly supervisors = new Map<string, DeviceSupervisor>();

  constructor(
    private readonly env: DaemonEnv,
    private readonly emit: (record: CanonicalRecord) => void,
    /** Resolves once what was emitted so far is in the outbox (drivers acknowledge their devices after it). */
    private readonly stored: () => Promise<void> = () => Promise.resolve(),
  ) {}

  async start(): Promise<void> {
    const { config, log, clock } = this.env;
    for (const device of config.devices) {
      if (!device.enabled) continue;
      const driver = findDriver(device.driver)!; // the config loader checked it exists
      const supervisor = new DeviceSupervisor(
        {
          id: device.id,
          driver,
          options: device.options,
          transport: device.transport,
          staleAfterMs: device.staleAfterMs ?? config.policies.staleAfterMs ?? driver.staleAfterMs ?? FALLBACK_STALE_MS,
        },
        {
          vehicle: config.vehicle.id,
          clock,
          log,
          emit: this.emit,
          stored: this.stored,
          heartbeatMs: config.policies.deviceHeartbeatMs,
          memoryDir: join(config.storage.dataDir, 'devices'),
        },
      );
      this.supervisors.set(device.id, supervisor);
      supervisor.start();
    }
    log.info({ devices: [...this.supervisors.keys()] }, 'devices started');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.supervisors.values()].map((s) => s.stop()));
  }

  statuses(): DeviceStatus[] {
    return [...this.supervisors.values()].map((s) => s.status());
  }

  supervisor(id: string): DeviceSupervisor | undefined {
    return this.supervisors.get(id);
  }
}
