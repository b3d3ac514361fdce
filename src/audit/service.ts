// The audit log as a daemon extension: opens and verifies the log at boot (a log that does not verify refuses
// appends, which stops remote setpoints — local ventilation is untouched), logs the boot, and signs checkpoints
// every `checkpointEvery` entries, every `checkpointIntervalS` seconds when something was logged, and whenever a
// service asks (after each setpoint's final state). Checkpoints are kept locally and sent to the hospital.
import type { DaemonEnv, Extension } from '../daemon/context.js';
import { GatewayKey } from '../core/gateway-key.js';
import type { DurablePublisher } from '../core/hospital-channel.js';
import type { AuditRecord, AuditType, TimeQuality } from './entry.js';
import { auditDir, AuditLog, type AuditOpenReport } from './log.js';

export interface AuditSettings {
  checkpointEvery: number;
  checkpointIntervalS: number;
}

export class AuditService implements Extension {
  readonly name = 'audit';
  log: AuditLog | undefined;
  opened: AuditOpenReport | undefined;
  private timer: NodeJS.Timeout | undefined;
  private timeQuality: () => TimeQuality = () => 'unsynced';

  constructor(
    private readonly env: DaemonEnv,
    private readonly settings: AuditSettings,
    private readonly publisher: DurablePublisher | undefined,
  ) {}

  /** How entries judge their own wall time (the setpoint service's time trust sets it). */
  setTimeQuality(q: () => TimeQuality): void {
    this.timeQuality = q;
  }

  async start(): Promise<void> {
    const { config, clock, log } = this.env;
    const key = GatewayKey.loadOrCreate(config.storage.dataDir);
    const audit = new AuditLog(auditDir(config.storage.dataDir), { clock, key, vehicle: config.vehicle.id, timeQuality: () => this.timeQuality() });
    this.log = audit;
    this.opened = audit.open({ vehicle: config.vehicle.id, gatewayKeyId: key.id, gatewayPublicKey: key.pem() });
    if (this.opened.broken) {
      log.error({ firstBad: this.opened.broken.seq, problem: this.opened.broken.message }, 'AUDIT LOG DOES NOT VERIFY: remote setpoints are refused until it is investigated (ambulink audit verify)');
    } else {
      this.append('BOOT', { bootId: audit.bootId, entries: this.opened.entries, gatewayKeyId: key.id });
    }
    this.timer = setInterval(() => {
      if (audit.entriesSinceCheckpoint > 0) void this.checkpoint();
    }, this.settings.checkpointIntervalS * 1000);
    this.timer.unref();
    this.env.statusSections.set('audit', () => ({
      entries: audit.size,
      bootId: audit.bootId,
      broken: audit.broken ?? null,
      lastError: audit.lastError ?? null,
    }));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    if (this.log && !this.log.broken) await this.checkpoint();
  }

  /** Appends durably or throws AuditUnavailable (the caller must then not act). */
  append(type: AuditType, payload: Record<string, unknown>): AuditRecord {
    if (!this.log) throw new Error('audit log not started');
    const record = this.log.append(type, payload);
    if (this.log.entriesSinceCheckpoint >= this.settings.checkpointEvery) void this.checkpoint();
    return record;
  }

  /** Like append, for entries whose loss must not stop anything (boot notes, encounter changes): logged if it fails. */
  note(type: AuditType, payload: Record<string, unknown>): void {
    try {
      this.append(type, payload);
    } catch (err) {
      this.env.log.error({ type, err: (err as Error).message }, 'audit entry could not be written');
    }
  }

  async checkpoint(): Promise<void> {
    const log = this.log;
    if (!log) return;
    try {
      const c = log.checkpoint();
      if (c && this.publisher) {
        await this.publisher.publish({ topic: this.env.topics.auditCheckpoint, stream: 'gateway/audit-checkpoint', payload: { ...c } });
      }
    } catch (err) {
      this.env.log.error({ err: (err as Error).message }, 'audit checkpoint failed');
    }
  }
}
