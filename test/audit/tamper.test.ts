// `ambulink audit verify` against every tampering of the setpoint rules: a flipped byte, a deleted entry, swapped
// entries, a truncation after a checkpoint, a replaced file, an old checkpoint replayed — exit 1 and the first bad
// sequence number; an intact log exits 0. Needs `npm run build` (the CLI runs from dist/).
import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { encodeEntry, type AuditRecord } from '../../src/audit/entry.js';
import { auditDir, AuditLog } from '../../src/audit/log.js';
import { systemClock } from '../../src/core/clock.js';
import { GatewayKey } from '../../src/core/gateway-key.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** A real log: genesis + boot + 28 entries, checkpoints at 10, 20 and 30 entries. */
function makeLog(dataDir: string): void {
  const key = GatewayKey.loadOrCreate(dataDir);
  const log = new AuditLog(auditDir(dataDir), { clock: systemClock, key, vehicle: 'TEST-1', timeQuality: () => 'synced' });
  log.open({ vehicle: 'TEST-1', gatewayKeyId: key.id, gatewayPublicKey: key.pem() });
  log.append('BOOT', { bootId: log.bootId });
  while (log.size < 30) {
    log.append('CHECK', { commandId: 'c'.repeat(32), check: 'step', ok: true, used: { n: log.size } });
    if (log.size % 10 === 0) log.checkpoint();
  }
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);

t.test('audit verify names the first bad entry of every tampering', async (t) => {
  const base = join(tempDir(t), 'data');
  makeLog(base);
  const copy = () => {
    const dir = join(tempDir(t), 'data');
    cpSync(base, dir, { recursive: true });
    return { dir, log: join(dir, 'audit', 'audit.log'), cps: join(dir, 'audit', 'checkpoints.log') };
  };
  const verify = async (dir: string, extra: string[] = []) => {
    const r = await runCli(['audit', 'verify', '--data-dir', dir, ...extra]);
    const m = /first bad entry (\d+)/.exec(r.stdout);
    return { code: r.code, firstBad: m ? Number(m[1]) : undefined, out: r.stdout + r.stderr };
  };

  await t.test('intact: exit 0', async (t) => {
    const r = await verify(base);
    t.equal(r.code, 0, r.out);
    t.match(r.out, /30 entries, 3 checkpoint/);
  });
  await t.test('a flipped byte in entry 12', async (t) => {
    const c = copy();
    const l = lines(c.log);
    l[12] = l[12]!.replace('"n":12', '"n":13');
    writeFileSync(c.log, `${l.join('\n')}\n`);
    const r = await verify(c.dir);
    t.equal(r.code, 1);
    t.equal(r.firstBad, 12, r.out);
  });
  await t.test('a flipped bit anywhere in entry 17 (also in its hash)', async (t) => {
    const c = copy();
    const buf = readFileSync(c.log);
    const start = lines(c.log).slice(0, 17).reduce((n, x) => n + x.length + 1, 0);
    for (const offset of [3, 80, 150]) {
      const b = Buffer.from(buf);
      b[start + offset] = b[start + offset]! ^ 0x04;
      writeFileSync(c.log, b);
      const r = await verify(c.dir);
      t.equal(r.firstBad, 17, `offset ${offset}: ${r.out}`);
    }
  });
  await t.test('a deleted entry', async (t) => {
    const c = copy();
    const l = lines(c.log);
    l.splice(14, 1);
    writeFileSync(c.log, `${l.join('\n')}\n`);
    const r = await verify(c.dir);
    t.equal(r.firstBad, 14, r.out);
    t.match(r.out, /deleted, reordered/);
  });
  await t.test('swapped entries', async (t) => {
    const c = copy();
    const l = lines(c.log);
    [l[21], l[22]] = [l[22]!, l[21]!];
    writeFileSync(c.log, `${l.join('\n')}\n`);
    const r = await verify(c.dir);
    t.equal(r.firstBad, 21, r.out);
  });
  await t.test('truncated after a checkpoint', async (t) => {
    const c = copy();
    writeFileSync(c.log, `${lines(c.log).slice(0, 25).join('\n')}\n`);
    const r = await verify(c.dir);
    t.equal(r.firstBad, 25, r.out);
    t.match(r.out, /truncated/);
  });
  await t.test('truncated together with the local checkpoints: the witness copy catches it', async (t) => {
    const c = copy();
    const witness = join(c.dir, 'witness.log');
    writeFileSync(witness, `${lines(c.cps).join('\n')}\n`);
    writeFileSync(c.log, `${lines(c.log).slice(0, 20).join('\n')}\n`);
    writeFileSync(c.cps, `${lines(c.cps).slice(0, 2).join('\n')}\n`);
    t.equal((await verify(c.dir)).code, 0, 'the box alone cannot tell');
    const r = await verify(c.dir, ['--witness', witness]);
    t.equal(r.firstBad, 20, r.out);
  });
  await t.test('the file replaced by one of another gateway', async (t) => {
    const c = copy();
    const other = join(tempDir(t), 'data');
    makeLog(other);
    cpSync(join(other, 'audit', 'audit.log'), c.log);
    const r = await verify(c.dir);
    t.equal(r.firstBad, 0, r.out);
  });
  await t.test('the file replaced by a forgery that keeps the genesis and re-chains every hash', async (t) => {
    const c = copy();
    const l = lines(c.log);
    let prev = l[14]!.slice(0, 64);
    for (let i = 15; i < l.length; i++) {
      const record = JSON.parse(l[i]!.slice(65)) as AuditRecord;
      const forged = encodeEntry({ ...record, prevHash: prev, payload: { ...record.payload, ok: i !== 15 } });
      l[i] = forged.line.trimEnd();
      prev = forged.hash.toString('hex');
    }
    writeFileSync(c.log, `${l.join('\n')}\n`);
    const r = await verify(c.dir);
    t.equal(r.code, 1);
    t.equal(r.firstBad, 10, `first entry not vouched for by a valid checkpoint (entries 10…19 are covered by checkpoint 2): ${r.out}`);
    t.match(r.out, /signed root/);
  });
  await t.test('checkpoints re-signed with another key (signature fails)', async (t) => {
    const c = copy();
    const other = join(tempDir(t), 'data');
    makeLog(other);
    cpSync(join(other, 'audit', 'checkpoints.log'), c.cps);
    const r = await verify(c.dir);
    t.equal(r.firstBad, 0, r.out);
    t.match(r.out, /signature/);
  });
  await t.test('an old checkpoint replayed', async (t) => {
    const c = copy();
    appendFileSync(c.cps, `${lines(c.cps)[0]}\n`);
    const r = await verify(c.dir);
    t.equal(r.firstBad, 10, r.out);
    t.match(r.out, /replayed/);
    const w = copy();
    const witness = join(w.dir, 'witness.log');
    writeFileSync(witness, `${[...lines(w.cps), lines(w.cps)[1]].join('\n')}\n`);
    const rw = await verify(w.dir, ['--witness', witness]);
    t.equal(rw.firstBad, 20, `replayed to the hospital: ${rw.out}`);
  });
  await t.test('an incomplete last line (crash during an append) is not tampering; the daemon cuts it at start', async (t) => {
    const c = copy();
    appendFileSync(c.log, 'abc123 {"seq":30');
    const r = await verify(c.dir);
    t.equal(r.code, 0, r.out);
    const key = GatewayKey.loadOrCreate(c.dir);
    const log = new AuditLog(auditDir(c.dir), { clock: systemClock, key, vehicle: 'TEST-1', timeQuality: () => 'synced' });
    const opened = log.open({});
    t.equal(opened.repairedTornTail, true);
    t.equal(opened.broken, undefined);
    t.equal((await verify(c.dir)).code, 0);
    t.match(lines(c.log).at(-1), /"REPAIR"/);
  });
});
