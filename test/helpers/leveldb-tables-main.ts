// Child process for test/core/leveldb-table-reads.test.ts: one LevelDB per process, because how LevelDB reads its
// table files is settled when a process opens its first database. Writes enough records to leave several table files,
// reads them all back, and prints how many table files exist and how many of them this process has mapped.
// Usage: leveldb-tables-main.ts DIR outbox-store|plain-level
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import type { ClassIndex } from '../../src/outbox/classes.js';
import { recordKey } from '../../src/outbox/codec.js';
import { Store, type BatchOp } from '../../src/outbox/store.js';

const [dir, mode] = process.argv.slice(2) as [string, 'outbox-store' | 'plain-level'];
const CLS = 0 as ClassIndex;
const RECORDS = 40_000;
// Random values, so that compression cannot shrink 40,000 records below one table file.
const value = () => randomBytes(120).toString('base64');

let tableReads: unknown;
if (mode === 'outbox-store') {
  const store = new Store(dir);
  await store.open();
  tableReads = store.tableReads;
  for (let id = 1; id <= RECORDS; id += 1000) {
    const ops: BatchOp[] = [];
    for (let i = id; i < id + 1000; i++) ops.push({ type: 'put', key: recordKey(CLS, i), value: value() });
    await store.write(ops, false);
  }
  await store.compact(CLS, RECORDS + 1);
  let read = 0;
  for (let after = 0; ; ) {
    const rows = await store.readRange(CLS, after, RECORDS + 1, 2000);
    if (rows.length === 0) break;
    read += rows.length;
    after += rows.length;
  }
  if (read !== RECORDS) throw new Error(`read ${read} of ${RECORDS}`);
  report();
  await store.close();
} else {
  // The same writes and reads through LevelDB as it comes: the control that shows the check can see mapped tables.
  const db = new Level<string, string>(dir, { writeBufferSize: 2 * 1024 * 1024 });
  await db.open();
  for (let id = 1; id <= RECORDS; id += 1000) {
    const batch = db.batch();
    for (let i = id; i < id + 1000; i++) batch.put(recordKey(CLS, i), value());
    await batch.write();
  }
  const all = await db.iterator().all();
  if (all.length !== RECORDS) throw new Error(`read ${all.length} of ${RECORDS}`);
  report();
  await db.close();
}

function report(): void {
  const tableFiles = readdirSync(dir).filter((f) => f.endsWith('.ldb'));
  const maps = readFileSync('/proc/self/maps', 'utf8').split('\n');
  const mappedTables = tableFiles.filter((f) => maps.some((l) => l.endsWith(join(dir, f)))).length;
  process.stdout.write(`${JSON.stringify({ tableFiles: tableFiles.length, mappedTables, tableReads })}\n`);
}
