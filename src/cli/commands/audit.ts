// `ambulink audit verify|tail|export`: read the audit log from disk (the daemon need not run). verify exits 0 when
// the log and its checkpoints are intact, 1 naming the first bad sequence number otherwise.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/index.js';
import { GatewayPublicKey, keysDir, PUBLIC_KEY_FILE } from '../../core/gateway-key.js';
import { auditDir, CHECKPOINT_FILE, LOG_FILE } from '../../audit/log.js';
import { parseLog, verifyAudit } from '../../audit/verify.js';
import { EXIT, fail } from '../output.js';

export interface AuditLocation {
  config?: string;
  dataDir?: string;
  /** A directory made by `audit export` (log, checkpoints and the gateway's public key side by side). */
  dir?: string;
  publicKey?: string;
}

function locate(o: AuditLocation): { dir: string; publicKeyFile: string } {
  if (o.dir) return { dir: o.dir, publicKeyFile: o.publicKey ?? join(o.dir, PUBLIC_KEY_FILE) };
  let dataDir = o.dataDir;
  if (!dataDir) {
    try {
      dataDir = loadConfig(o.config ?? '/etc/ambulink/vehicle.yaml').config.storage.dataDir;
    } catch (err) {
      if (err instanceof ConfigError) fail(`${err.message}\n(give --data-dir or --config)`);
      throw err;
    }
  }
  return { dir: auditDir(dataDir), publicKeyFile: o.publicKey ?? join(keysDir(dataDir), PUBLIC_KEY_FILE) };
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()) : []);

export function verifyCommand(o: AuditLocation & { witness?: string; json?: boolean }): number {
  const { dir, publicKeyFile } = locate(o);
  if (!existsSync(join(dir, LOG_FILE))) fail(`no audit log in ${dir}`);
  let key: GatewayPublicKey;
  try {
    key = GatewayPublicKey.load(publicKeyFile);
  } catch (err) {
    return fail(`cannot read the gateway public key ${publicKeyFile}: ${(err as Error).message}`);
  }
  const report = verifyAudit({
    logText: readFileSync(join(dir, LOG_FILE), 'utf8'),
    checkpointLines: lines(join(dir, CHECKPOINT_FILE)),
    ...(o.witness ? { witnessLines: lines(o.witness) } : {}),
    key,
  });
  if (o.json) {
    const { parsed: _parsed, ...rest } = report;
    process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
  } else if (report.ok) {
    process.stdout.write(`audit log intact: ${report.entries} entries, ${report.checkpoints} checkpoint(s), gateway key ${key.id}${report.tornTail ? ' (an incomplete last entry from a crash: cut at the next start)' : ''}\n`);
  } else {
    process.stdout.write(`AUDIT LOG NOT INTACT: first bad entry ${report.firstBad!.seq}\n${report.problems.map((p) => `  seq ${p.seq}: ${p.message}`).join('\n')}\n`);
  }
  return report.ok ? EXIT.ok : EXIT.failure;
}

export function tailCommand(o: AuditLocation & { lines?: string; json?: boolean }): number {
  const { dir } = locate(o);
  const parsed = parseLog(existsSync(join(dir, LOG_FILE)) ? readFileSync(join(dir, LOG_FILE), 'utf8') : '');
  const n = Number(o.lines ?? 20);
  for (const r of parsed.records.slice(-n)) {
    process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : `${String(r.seq).padStart(6)} ${r.wallTime} ${r.type.padEnd(10)} ${JSON.stringify(r.payload)}\n`);
  }
  if (parsed.problem) process.stderr.write(`ambulink: the log does not verify from entry ${parsed.problem.seq}: ${parsed.problem.message}\n`);
  return parsed.problem ? EXIT.failure : EXIT.ok;
}

export function exportCommand(o: AuditLocation & { output: string }): number {
  const { dir, publicKeyFile } = locate(o);
  mkdirSync(o.output, { recursive: true });
  for (const f of [LOG_FILE, CHECKPOINT_FILE]) if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(o.output, f));
  copyFileSync(publicKeyFile, join(o.output, PUBLIC_KEY_FILE));
  process.stdout.write(`exported to ${o.output}; verify anywhere with: ambulink audit verify --dir ${o.output} [--witness checkpoints-received.log]\n`);
  return EXIT.ok;
}
