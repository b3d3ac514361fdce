// The uplink as a daemon extension: connects to the hospital broker and sends what the outbox holds; publishes the
// retained status (birth/death) with the outbox figures and every extension's status section.
import { join } from 'node:path';
import { packageVersion } from '../core/paths.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { Outbox } from '../outbox/index.js';
import { Uplink } from './uplink.js';

/** Keys of the status message that a status section must not replace. */
const RESERVED = new Set(['state', 'vehicle', 'bdSeq', 'epoch', 'at', 'reason', 'version', 'devices']);

export class UplinkExtension implements Extension {
  readonly name = 'uplink';
  /** The link, for other parts of the gateway (subscribe to hospital commands); undefined without an uplink. */
  readonly link: Uplink | undefined;

  constructor(
    private readonly env: DaemonEnv,
    outbox: Outbox | undefined,
  ) {
    const { config } = env;
    const uplink = config.uplink;
    this.link =
      uplink?.enabled && outbox
        ? new Uplink({
            vehicle: config.vehicle.id,
            config: uplink,
            topics: env.topics,
            log: env.log.child({ part: 'uplink' }),
            clock: env.clock,
            source: outbox,
            bdSeqFile: join(config.storage.dataDir, 'uplink.bdseq'),
            epoch: () => outbox.epoch,
            statusReport: () => this.statusReport(),
          })
        : undefined;
  }

  async start(): Promise<void> {
    const link = this.link;
    if (!link) return;
    this.env.statusSections.set('uplink', () => link.stats());
    this.env.control.register('uplink', () => link.stats());
    link.start();
  }

  async stop(): Promise<void> {
    await this.link?.stop();
  }

  private statusReport(): Record<string, unknown> {
    const { config, statusSections } = this.env;
    const report: Record<string, unknown> = {
      version: packageVersion(),
      devices: config.devices.filter((d) => d.enabled).map((d) => ({ id: d.id, driver: d.driver })),
    };
    for (const [name, section] of statusSections) {
      if (RESERVED.has(name)) continue;
      try {
        report[name] = section();
      } catch (err) {
        report[name] = { error: (err as Error).message };
      }
    }
    return report;
  }
}
