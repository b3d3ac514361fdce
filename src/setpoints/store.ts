// What must survive a restart for the setpoint service (its own LevelDB in <dataDir>/setpoints, synced writes):
// every command id with its result (a duplicate gets the original answer and never runs twice, also after a
// restart), each issuer's anti-replay window, the changes applied per device (rolling-window limits), ended leases
// (an ended lease cannot be revived), and writes whose outcome still needs a readback.
import { join } from 'node:path';
import { Level } from 'level';
import { readLevelDbTablesWithoutMmap } from '../core/leveldb-table-reads.js';
import type { AppliedChange } from './clinical.js';
import type { ResultMessage } from './result.js';

export interface CommandRecord {
  contentHash: string;
  device: string;
  /** The last result published for it (the final one once there is one). */
  result: ResultMessage | undefined;
}

export interface SeqWindow {
  max: number;
  /** Sequence numbers seen within the window below max. */
  seen: number[];
}

/** An applied change, stored with wall time: monotonic time does not survive a reboot. */
interface StoredChange extends Omit<AppliedChange, 'mono'> {
  wallMs: number;
}

export interface PendingReconcile {
  commandId: string;
  device: string;
  param: string;
  target: number;
  from: number;
  /** From an INTENT without OUTCOME found at boot (logged RECOVERED), rather than an INDETERMINATE outcome. */
  recovered?: boolean;
}

export const SEQ_WINDOW = 64;

export class SetpointStore {
  private readonly db: Level<string, unknown>;

  constructor(dataDir: string) {
    this.db = new Level<string, unknown>(join(dataDir, 'setpoints'), { valueEncoding: 'json' });
  }

  async open(): Promise<void> {
    // Whichever store opens first in the process settles how LevelDB reads table files for all of them.
    readLevelDbTablesWithoutMmap();
    await this.db.open();
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async command(id: string): Promise<CommandRecord | undefined> {
    return (await this.db.get(`cmd!${id}`)) as CommandRecord | undefined;
  }

  /** Commands accepted but never given a final result (the gateway stopped while they waited). */
  async unfinished(): Promise<Array<{ id: string; record: CommandRecord }>> {
    const out: Array<{ id: string; record: CommandRecord }> = [];
    for await (const [key, value] of this.db.iterator({ gt: 'cmd!', lt: 'cmd!\xff' })) {
      const record = value as CommandRecord;
      if (!record.result || record.result.state === 'Wait' || record.result.state === 'Start') out.push({ id: key.slice(4), record });
    }
    return out;
  }

  async putCommand(id: string, record: CommandRecord): Promise<void> {
    await this.db.put(`cmd!${id}`, record, { sync: true });
  }

  /** Checks and records an issuer's sequence number: false if it is a replay (seen, or below the window). */
  async acceptSeq(issuer: string, seq: number): Promise<{ ok: boolean; window: SeqWindow }> {
    const key = `seq!${issuer}`;
    const w = ((await this.db.get(key)) as SeqWindow | undefined) ?? { max: 0, seen: [] };
    if (seq <= w.max - SEQ_WINDOW || w.seen.includes(seq)) return { ok: false, window: w };
    const max = Math.max(w.max, seq);
    const next: SeqWindow = { max, seen: [...w.seen, seq].filter((s) => s > max - SEQ_WINDOW) };
    await this.db.put(key, next, { sync: true });
    return { ok: true, window: next };
  }

  async history(device: string, nowWall: number, nowMono: number): Promise<AppliedChange[]> {
    const stored = ((await this.db.get(`hist!${device}`)) as StoredChange[] | undefined) ?? [];
    return stored.map((c) => ({ param: c.param, clinical: c.clinical, from: c.from, to: c.to, mono: nowMono - Math.max(0, nowWall - c.wallMs) }));
  }

  async addHistory(device: string, change: AppliedChange, wallMs: number, keepMs: number): Promise<void> {
    const stored = ((await this.db.get(`hist!${device}`)) as StoredChange[] | undefined) ?? [];
    const next = [...stored.filter((c) => wallMs - c.wallMs <= keepMs), { param: change.param, clinical: change.clinical, from: change.from, to: change.to, wallMs }];
    await this.db.put(`hist!${device}`, next, { sync: true });
  }

  async leaseEnded(leaseId: string): Promise<boolean> {
    return (await this.db.get(`lease!${leaseId}`)) !== undefined;
  }

  async endLease(leaseId: string, why: string): Promise<void> {
    await this.db.put(`lease!${leaseId}`, { why }, { sync: true });
  }

  async reconciles(): Promise<PendingReconcile[]> {
    const out: PendingReconcile[] = [];
    for await (const value of this.db.values({ gt: 'recon!', lt: 'recon!\xff' })) out.push(value as PendingReconcile);
    return out;
  }

  async putReconcile(p: PendingReconcile): Promise<void> {
    await this.db.put(`recon!${p.device}!${p.commandId}`, p, { sync: true });
  }

  async clearReconcile(p: PendingReconcile): Promise<void> {
    await this.db.del(`recon!${p.device}!${p.commandId}`, { sync: true });
  }
}
