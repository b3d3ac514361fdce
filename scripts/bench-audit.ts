// The audit log's cost, against ceilings measured in the same run on the same disk:
// - append: one entry written and fsynced per append (what a setpoint step waits for), against a bare loop that
//   writes and fsyncs lines of the same size with the same open-per-append pattern — the price of canonical JSON,
//   hashing and the Merkle range over the disk's own sync cost;
// - verify: reading, hashing and chaining a log at boot, against SHA-256 over the same bytes line by line.
// A remote setpoint appends about 20 entries; the ratio says how much of its time is the log's own work.
// Run after a build:  node dist/scripts/bench-audit.js [entries]
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { auditDir, AuditLog } from '../src/audit/log.js';
import { verifyAudit } from '../src/audit/verify.js';
import { systemClock } from '../src/core/clock.js';
import { GatewayKey } from '../src/core/gateway-key.js';

const entries = Number(process.argv[2] ?? 2000);
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'bench-audit-'));
try {
  const key = GatewayKey.loadOrCreate(dir);
  const log = new AuditLog(auditDir(dir), { clock: systemClock, key, vehicle: 'BENCH', timeQuality: () => 'synced' });
  log.open({ vehicle: 'BENCH', gatewayKeyId: key.id });
  const payload = { commandId: 'c'.repeat(32), check: 'vt-per-kg-pbw', ok: true, used: { target: 500, pbwKg: 66.016, mlPerKg: 7.574, minMl: 264.064, maxMl: 528.128 } };
  let t0 = performance.now();
  for (let i = 0; i < entries; i++) log.append('CHECK', payload);
  const appendMs = performance.now() - t0;
  const lineBytes = readFileSync(log.logFile).length / log.size;

  const line = Buffer.from(`${'x'.repeat(Math.round(lineBytes) - 1)}\n`);
  const bare = join(dir, 'bare.log');
  t0 = performance.now();
  for (let i = 0; i < entries; i++) {
    const fd = openSync(bare, 'a', 0o600);
    writeSync(fd, line);
    fsyncSync(fd);
    closeSync(fd);
  }
  const bareMs = performance.now() - t0;

  const text = readFileSync(log.logFile, 'utf8');
  t0 = performance.now();
  const report = verifyAudit({ logText: text, checkpointLines: [], key });
  const verifyMs = performance.now() - t0;
  if (!report.ok) throw new Error('the benchmark log does not verify');
  t0 = performance.now();
  for (const l of text.split('\n')) createHash('sha256').update(l).digest();
  const hashMs = performance.now() - t0;

  const perS = (n: number, ms: number) => Math.round((n / ms) * 1000);
  console.log(`append: ${perS(entries, appendMs)} entries/s fsynced (${(appendMs / entries).toFixed(2)} ms each); bare write+fsync ceiling ${perS(entries, bareMs)}/s; ratio ${(appendMs / bareMs).toFixed(2)}× the ceiling's time`);
  console.log(`verify: ${perS(report.entries, verifyMs)} entries/s; SHA-256 of the same lines ${perS(report.entries, hashMs)}/s; ratio ${(verifyMs / hashMs).toFixed(2)}×`);
  console.log(`(${entries} entries of ~${Math.round(lineBytes)} bytes in ${dir.startsWith(tmpdir()) ? 'the temp dir' : 'BENCH_DIR'}; set BENCH_DIR to measure the data disk)`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
