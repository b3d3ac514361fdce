// The append-only audit log: one file of hash-chained entries and one of signed checkpoints, beside the outbox in
// <dataDir>/audit/. Every append is written and fsynced before it returns (write-ahead: the setpoint service writes
// INTENT and only then touches the device); when that fails the caller gets AuditUnavailable and must not act.
// The file is opened per append with O_APPEND, so a full disk, a read-only mount or a removed directory shows up on
// the very append that needs it.
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { GatewayKey } from '../core/gateway-key.js';
import { parseCheckpoint, signCheckpoint, type Checkpoint } from './checkpoint.js';
import { encodeEntry, GENESIS_PREV, type AuditRecord, type AuditType, type TimeQuality } from './entry.js';
import { CompactRange } from './merkle.js';
import { verifyAudit, type AuditProblem } from './verify.js';

export const LOG_FILE = 'audit.log';
export const CHECKPOINT_FILE = 'checkpoints.log';

export function auditDir(dataDir: string): string {
  return join(dataDir, 'audit');
}

export class AuditUnavailable extends Error {}

export interface AuditOpenReport {
  entries: number;
  /** Set when the existing log does not verify: the log refuses appends (and remote setpoints stop). */
  broken: AuditProblem | undefined;
  /** A last entry cut short by a crash was cut off (it was never acknowledged, so nothing acted on it). */
  repairedTornTail: boolean;
  /** Every entry read at open, for recovery (INTENT without OUTCOME). */
  records: AuditRecord[];
}

export class AuditLog {
  readonly bootId = randomUUID();
  private seq = 0;
  private prevHash = GENESIS_PREV;
  private bytes = 0;
  private readonly range = new CompactRange();
  private counter = 0;
  private lastCheckpointSize = 0;
  private brokenAt: AuditProblem | undefined;
  private failing: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly deps: { clock: Clock; key: GatewayKey; vehicle: string; timeQuality: () => TimeQuality },
  ) {}

  get logFile(): string {
    return join(this.dir, LOG_FILE);
  }

  get checkpointFile(): string {
    return join(this.dir, CHECKPOINT_FILE);
  }

  get size(): number {
    return this.seq;
  }

  get broken(): AuditProblem | undefined {
    return this.brokenAt;
  }

  /** The last append error, until an append succeeds again. */
  get lastError(): string | undefined {
    return this.failing;
  }

  get entriesSinceCheckpoint(): number {
    return this.seq - this.lastCheckpointSize;
  }

  /** Reads and verifies what is there, cuts a torn last line, and starts a new boot (genesis on a new log). */
  open(genesis: Record<string, unknown>): AuditOpenReport {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const logText = existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
    const checkpointLines = this.readCheckpointLines();
    const report = verifyAudit({ logText, checkpointLines, key: this.deps.key });
    const { parsed } = report;
    for (const h of parsed.hashes) this.range.append(h);
    this.seq = parsed.records.length;
    this.prevHash = parsed.hashes.length ? parsed.hashes[parsed.hashes.length - 1]!.toString('hex') : GENESIS_PREV;
    this.bytes = parsed.goodBytes;
    const last = checkpointLines.length ? parseCheckpoint(checkpointLines[checkpointLines.length - 1]!) : undefined;
    this.counter = last?.counter ?? 0;
    this.lastCheckpointSize = last?.treeSize ?? 0;
    this.brokenAt = report.firstBad;
    let repairedTornTail = false;
    if (!this.brokenAt && parsed.tornTail) {
      const fd = openSync(this.logFile, 'r+');
      try {
        ftruncateSync(fd, this.bytes);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      repairedTornTail = true;
    }
    if (!this.brokenAt) {
      if (this.seq === 0) this.append('GENESIS', genesis);
      if (repairedTornTail) this.append('REPAIR', { cut: 'an incomplete last entry (crash during an append)' });
    }
    return { entries: this.seq, broken: this.brokenAt, repairedTornTail, records: parsed.records };
  }

  /** Appends one entry durably (write + fsync) or throws AuditUnavailable. */
  append(type: AuditType, payload: Record<string, unknown>): AuditRecord {
    if (this.brokenAt) throw new AuditUnavailable(`the audit log does not verify (first bad entry ${this.brokenAt.seq}): ${this.brokenAt.message}`);
    const { clock } = this.deps;
    const record: AuditRecord = {
      seq: this.seq,
      bootId: this.bootId,
      prevHash: this.prevHash,
      wallTime: new Date(clock.wallMs()).toISOString(),
      monoNs: String(Math.round(clock.monoMs() * 1e6)),
      timeQuality: this.deps.timeQuality(),
      type,
      payload,
    };
    const entry = encodeEntry(record);
    const data = Buffer.from(entry.line, 'utf8');
    let fd: number | undefined;
    try {
      fd = openSync(this.logFile, 'a', 0o600);
      writeSync(fd, data);
      fsyncSync(fd);
    } catch (err) {
      if (fd !== undefined) this.undoPartial(fd);
      this.failing = (err as Error).message;
      throw new AuditUnavailable(`cannot append to the audit log: ${(err as Error).message}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    this.failing = undefined;
    this.seq++;
    this.prevHash = entry.hash.toString('hex');
    this.bytes += data.length;
    this.range.append(entry.hash);
    return record;
  }

  /** Signs the root over everything so far and keeps it locally; returns it for the witness. */
  checkpoint(): Checkpoint | undefined {
    if (this.brokenAt || this.seq === this.lastCheckpointSize) return undefined;
    const checkpoint = signCheckpoint(
      {
        vehicle: this.deps.vehicle,
        treeSize: this.seq,
        root: this.range.root().toString('hex'),
        wallTime: new Date(this.deps.clock.wallMs()).toISOString(),
        bootId: this.bootId,
        counter: this.counter + 1,
      },
      this.deps.key,
    );
    const fd = openSync(this.checkpointFile, 'a', 0o600);
    try {
      writeSync(fd, `${JSON.stringify(checkpoint)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.counter = checkpoint.counter;
    this.lastCheckpointSize = checkpoint.treeSize;
    return checkpoint;
  }

  private readCheckpointLines(): string[] {
    if (!existsSync(this.checkpointFile)) return [];
    return readFileSync(this.checkpointFile, 'utf8').split('\n').filter((l) => l.trim());
  }

  /** A failed write may have left part of a line: cut back to the last whole entry so the chain stays readable. */
  private undoPartial(fd: number): void {
    try {
      ftruncateSync(fd, this.bytes);
    } catch {
      /* the next boot cuts a torn tail */
    }
  }
}
