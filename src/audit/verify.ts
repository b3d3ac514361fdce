// Verifies an audit log and its checkpoints, and names the first bad sequence number. Used at boot by the daemon
// and by `ambulink audit verify` (also on a copy taken off the box, with the hospital's witness copy of the
// checkpoints). What it catches: a changed byte (entry hash), a deleted or swapped entry (seq must rise by exactly
// one; prevHash must chain), a truncation after a checkpoint (treeSize beyond the log), a replaced file (genesis key,
// checkpoint roots and signatures), an old checkpoint replayed (counter and treeSize must rise).
import type { GatewayPublicKey } from '../core/gateway-key.js';
import { checkpointSignatureValid, parseCheckpoint, type Checkpoint } from './checkpoint.js';
import { GENESIS_PREV, type AuditRecord } from './entry.js';
import { leafHash, rootOf } from './merkle.js';

export interface AuditProblem {
  /** The first sequence number that cannot be trusted. */
  seq: number;
  message: string;
}

export interface ParsedLog {
  records: AuditRecord[];
  hashes: Buffer[];
  /** Byte length of the intact, newline-terminated prefix. */
  goodBytes: number;
  /** A last line without its newline: an append cut short by a crash (never acknowledged, so never acted on). */
  tornTail: boolean;
  problem: AuditProblem | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Reads entries until the first one that fails; everything before it chains correctly from genesis. */
export function parseLog(text: string): ParsedLog {
  const records: AuditRecord[] = [];
  const hashes: Buffer[] = [];
  let offset = 0;
  let prev = GENESIS_PREV;
  const out = (problem: AuditProblem | undefined, tornTail = false): ParsedLog => ({ records, hashes, goodBytes: offset, tornTail, problem });
  while (offset < text.length) {
    const seq = records.length;
    const nl = text.indexOf('\n', offset);
    if (nl === -1) return out(undefined, true);
    const line = text.slice(offset, nl);
    const space = line.indexOf(' ');
    const storedHash = space === 64 ? line.slice(0, 64) : '';
    const body = line.slice(space + 1);
    if (!HEX64.test(storedHash)) return out({ seq, message: `entry ${seq}: not an audit entry (no entry hash)` });
    const hash = leafHash(Buffer.from(body, 'utf8'));
    if (hash.toString('hex') !== storedHash) return out({ seq, message: `entry ${seq}: content does not match its entry hash (altered)` });
    let record: AuditRecord;
    try {
      record = JSON.parse(body) as AuditRecord;
    } catch {
      return out({ seq, message: `entry ${seq}: not valid JSON` });
    }
    if (record.seq !== seq) {
      const found = typeof record.seq === 'number' ? record.seq : 'none';
      return out({
        seq,
        message: `entry ${seq} is not where it belongs: found seq ${found} in its place (entries deleted, reordered or duplicated)`,
      });
    }
    if (record.prevHash !== prev) return out({ seq, message: `entry ${seq}: prevHash does not match entry ${seq - 1} (chain broken: entries swapped or replaced)` });
    records.push(record);
    hashes.push(hash);
    prev = storedHash;
    offset = nl + 1;
  }
  return out(undefined);
}

export interface VerifyInput {
  logText: string;
  /** The checkpoints kept on the box, one JSON per line, in the order written. */
  checkpointLines: string[];
  /** The checkpoints the hospital received (the witness), in the order received, when available. */
  witnessLines?: string[];
  /** The gateway key the log must belong to. */
  key: GatewayPublicKey;
}

export interface VerifyReport {
  ok: boolean;
  entries: number;
  checkpoints: number;
  tornTail: boolean;
  firstBad: AuditProblem | undefined;
  /** Every problem found (the first bad one is the lowest seq). */
  problems: AuditProblem[];
  parsed: ParsedLog;
}

export function verifyAudit(input: VerifyInput): VerifyReport {
  const parsed = parseLog(input.logText);
  const problems: AuditProblem[] = [];
  if (parsed.problem) problems.push(parsed.problem);
  const genesis = parsed.records[0];
  if (genesis) {
    if (genesis.type !== 'GENESIS') problems.push({ seq: 0, message: 'entry 0 is not the genesis entry' });
    else if (genesis.payload.gatewayKeyId !== input.key.id) {
      problems.push({ seq: 0, message: `the log belongs to gateway key ${String(genesis.payload.gatewayKeyId)}, not ${input.key.id} (file replaced)` });
    }
  }
  // Entries that exist, good or not: a checkpoint beyond them means the log was cut short.
  let logLength = 0;
  for (let i = input.logText.indexOf('\n'); i !== -1; i = input.logText.indexOf('\n', i + 1)) logLength++;
  checkSeries('checkpoint', input.checkpointLines, parsed, logLength, input.key, problems);
  if (input.witnessLines) checkSeries('witness checkpoint', input.witnessLines, parsed, logLength, input.key, problems);
  problems.sort((a, b) => a.seq - b.seq);
  return {
    ok: problems.length === 0,
    entries: parsed.records.length,
    checkpoints: input.checkpointLines.filter((l) => l.trim()).length,
    tornTail: parsed.tornTail,
    firstBad: problems[0],
    problems,
    parsed,
  };
}

function checkSeries(
  what: string,
  lines: string[],
  parsed: ParsedLog,
  logLength: number,
  key: GatewayPublicKey,
  problems: AuditProblem[],
): void {
  let last: Checkpoint | undefined;
  // The entries below `vouched` are covered by a good checkpoint; a mismatch further on starts there.
  let vouched = 0;
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const c = parseCheckpoint(line);
    if (!c) return void problems.push({ seq: vouched, message: `${what} ${i + 1}: unreadable` });
    if (!checkpointSignatureValid(c, key)) {
      return void problems.push({ seq: vouched, message: `${what} ${i + 1} (counter ${c.counter}): signature does not verify with gateway key ${key.id}` });
    }
    if (last && (c.counter <= last.counter || c.treeSize < last.treeSize)) {
      problems.push({
        seq: c.treeSize,
        message: `${what} ${i + 1}: counter ${c.counter} / treeSize ${c.treeSize} after counter ${last.counter} / treeSize ${last.treeSize} (an old checkpoint replayed)`,
      });
      return;
    }
    last = c;
    if (c.treeSize > parsed.records.length) {
      if (c.treeSize > logLength) {
        problems.push({ seq: logLength, message: `${what} ${i + 1} covers ${c.treeSize} entries but the log has ${logLength} (truncated after a checkpoint)` });
      }
      return; // entries from the first bad one on cannot be vouched for
    }
    if (rootOf(parsed.hashes, 0, c.treeSize).toString('hex') !== c.root) {
      problems.push({ seq: vouched, message: `${what} ${i + 1} (counter ${c.counter}): entries ${vouched}…${c.treeSize - 1} do not match its signed root (rewritten history)` });
      return;
    }
    vouched = c.treeSize;
  });
}
