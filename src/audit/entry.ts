// One audit entry: a canonical JSON record (RFC 8785) chained to the one before it. On disk, one line per entry:
// "<entryHash hex> <canonical record>\n", where entryHash = SHA-256(0x00 ‖ record bytes) — the RFC 6962 leaf hash,
// so checkpoints (Merkle roots) and the chain commit to the same bytes.
import { canonicalBytes } from '../core/canonical-json.js';
import { leafHash } from './merkle.js';

export const GENESIS_PREV = '0'.repeat(64);

/** What is logged. Each type's payload is documented where it is appended; none carries secrets or PHI. */
export const AUDIT_TYPES = [
  'GENESIS',
  'BOOT',
  'RECEIPT',
  'CHECK',
  'STATE',
  'CONFIRM',
  'INTENT',
  'WRITE',
  'READBACK',
  'OUTCOME',
  'RECOVERED',
  'RECONCILED',
  'LEASE',
  'ALERT',
  'POLICY',
  'ENCOUNTER',
  'CLOCK_STEP',
  'REPAIR',
] as const;
export type AuditType = (typeof AUDIT_TYPES)[number];

/** How far the wall time of an entry can be trusted: synchronised, never synchronised, or after a detected step. */
export type TimeQuality = 'synced' | 'unsynced' | 'stepped';

export interface AuditRecord {
  seq: number;
  bootId: string;
  prevHash: string;
  wallTime: string;
  /** Monotonic clock in nanoseconds since boot, as a decimal string (beyond 2^53 after 104 days). */
  monoNs: string;
  timeQuality: TimeQuality;
  type: AuditType;
  payload: Record<string, unknown>;
}

export interface EncodedEntry {
  record: AuditRecord;
  hash: Buffer;
  line: string;
}

export function encodeEntry(record: AuditRecord): EncodedEntry {
  const bytes = canonicalBytes(record);
  const hash = leafHash(bytes);
  return { record, hash, line: `${hash.toString('hex')} ${bytes.toString('utf8')}\n` };
}
