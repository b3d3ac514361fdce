// LevelDB reads the outbox's table files with pread, not mmap (see src/core/leveldb-table-reads.ts): pages of a
// backlog being drained must not pile up in the daemon's RSS. Each case runs in its own process, since the setting
// holds for the process's first database onwards.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { tempDir } from '../helpers/tmp.js';

const MAIN = fileURLToPath(new URL('../helpers/leveldb-tables-main.ts', import.meta.url));

interface Report {
  tableFiles: number;
  mappedTables: number;
  tableReads?: { mapped: boolean; reason?: string; addon?: string };
}

function run(dir: string, mode: 'outbox-store' | 'plain-level'): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, MAIN, dir, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${mode} child exited ${code}: ${err}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Report);
    });
  });
}

t.test('LevelDB as it comes maps the table files it reads (the control: the check sees mappings)', async (t) => {
  const r = await run(tempDir(t), 'plain-level');
  t.ok(r.tableFiles >= 2, `several table files written (${r.tableFiles})`);
  t.ok(r.mappedTables >= 1, `table files mapped into the process (${r.mappedTables} of ${r.tableFiles})`);
});

t.test('the outbox store reads the same tables without mapping any', async (t) => {
  const r = await run(tempDir(t), 'outbox-store');
  t.same(r.tableReads && { mapped: r.tableReads.mapped, reason: r.tableReads.reason }, { mapped: false, reason: undefined }, 'the mmap limit was set');
  t.match(r.tableReads?.addon, /classic[-_]level/, "through classic-level's own addon");
  t.ok(r.tableFiles >= 2, `several table files written (${r.tableFiles})`);
  t.equal(r.mappedTables, 0, 'no table file mapped');
});
