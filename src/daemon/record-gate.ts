// The one door every record passes on its way out: stamped with the open encounter, validated against the canonical
// schema, counted. A record that fails validation is a driver bug: it is logged and never published.
import { isCanonicalRecord, lastRecordProblems, type CanonicalRecord } from '../schema/index.js';
import type { DaemonEnv } from './context.js';

export class RecordGate {
  accepted = 0;
  rejected = 0;
  /** The open encounter, stamped on every record while set (the encounter service sets it). */
  encounter: string | undefined;
  private readonly rejectionsByKind = new Map<string, number>();

  constructor(private readonly env: DaemonEnv) {}

  readonly ingest = (record: CanonicalRecord): void => {
    if (this.encounter !== undefined && record.kind !== 'device') record.encounter = this.encounter;
    if (!isCanonicalRecord(record)) {
      this.rejected++;
      const key = `${(record as { device?: string }).device}/${(record as { kind?: string }).kind}`;
      const n = (this.rejectionsByKind.get(key) ?? 0) + 1;
      this.rejectionsByKind.set(key, n);
      // First of a kind in full, then every 1000th, so a broken driver cannot flood the journal.
      if (n === 1 || n % 1000 === 0) {
        this.env.log.error({ stream: key, rejected: n, problems: lastRecordProblems(), record }, 'invalid record dropped (driver bug)');
      }
      return;
    }
    this.accepted++;
    this.env.bus.emit('record', record);
  };
}
