// Storage that fills up or turns read-only, for real: the outbox on a small tmpfs mounted for the test (needs root and
// a kernel that lets us mount; skipped otherwise). The outbox must say so clearly, keep records in its bounded memory
// ring (still sending them), announce what the ring cannot hold, and recover when space returns, without reusing a seq.
import { execFileSync } from 'node:child_process';
import { mkdirSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { startHospitalConsumer } from '../../scripts/lib/hospital-consumer.js';
import { StandInBroker } from '../../src/broker/stand-in-broker.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { makeOutbox, numeric, startLink, waveform } from './helpers.js';

function canMount(): string | false {
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  const probe = tempDir({ teardown: () => undefined }, 'al-mount-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return false;
  } catch {
    return 'cannot mount a tmpfs here';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const skip = canMount();

/** A tmpfs of `size` at dir/disk, unmounted at the end. */
function smallDisk(t: { teardown(fn: () => void): void }, dir: string, size: string): string {
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', disk]);
  t.teardown(() => {
    try {
      execFileSync('umount', ['-l', disk], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  });
  return disk;
}

/** Fills the file system with one file until it is full; returns the file. */
function fillUp(disk: string): string {
  const file = join(disk, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 7);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
    // The last bytes too.
    try {
      for (;;) writeSync(fd, Buffer.alloc(512, 7));
    } catch {
      /* full */
    }
  } finally {
    closeSync(fd);
  }
  return file;
}

const remount = (disk: string, mode: 'ro' | 'rw') => execFileSync('mount', ['-o', `remount,${mode}`, disk]);

async function hospital(t: { teardown(fn: () => Promise<void>): void }) {
  const broker = new StandInBroker();
  await broker.start();
  t.teardown(() => broker.stop());
  const consumer = await startHospitalConsumer(broker.url, { vehicle: 'TEST-1' });
  t.teardown(() => consumer.stop());
  return { broker, consumer };
}

t.test('disk full: a clear error, records kept in memory and still sent, recovery when space returns', { skip }, async (t) => {
  const dir = tempDir(t);
  const disk = smallDisk(t, dir, '8m');
  const { broker, consumer } = await hospital(t);
  const link = await startLink(t, disk, broker.url);
  await waitFor(() => link.uplink.connected, 'connected');
  for (let i = 0; i < 100; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 100, 'the first hundred');

  const filler = fillUp(disk);
  for (let i = 0; i < 300; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => link.outbox.state === 'degraded', 'the outbox to notice');
  t.match(link.outbox.stats().error, /space|ENOSPC|IO error/i, 'the error says why');
  await waitFor(() => consumer.checker.received('mon/numeric') === 400, 'records from memory still reach the hospital', 60_000);

  rmSync(filler);
  await waitFor(() => link.outbox.state === 'ok', 'recovery once space returns', 60_000);
  for (let i = 0; i < 100; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 500, 'and onwards', 60_000);
  const report = consumer.checker.report(new Map([['mon/numeric', 500]]));
  t.equal(report.missing, 0);
  t.equal(report.duplicates_after_dedupe, 0, 'no seq handed out twice');
  await waitFor(() => link.outbox.stats().records === 0, 'all acknowledged and deleted');
});

t.test('the memory ring is bounded: when it overflows, the lowest class goes first, announced as loss', { skip }, async (t) => {
  const dir = tempDir(t);
  const disk = smallDisk(t, dir, '8m');
  const { outbox, losses } = makeOutbox(disk, { memoryRingBytes: 65_536 });
  await outbox.start();
  outbox.enqueueRecord(numeric('mon', 1));
  await outbox.flush();
  const filler = fillUp(disk);
  for (let i = 0; i < 400; i++) {
    outbox.enqueueRecord(waveform('mon', 100));
    if (i % 20 === 0) outbox.enqueueRecord(numeric('mon', i));
    if (i % 50 === 0) await new Promise((r) => setImmediate(r));
  }
  await waitFor(() => outbox.state === 'degraded', 'degraded');
  await waitFor(() => losses.some((l) => l.reason === 'overflow'), 'an overflow announced');
  await outbox.flush();
  const s = outbox.stats();
  t.ok(s.memoryRing.bytes <= 65_536 * 1.1, `ring within its bound (${s.memoryRing.bytes} bytes)`);
  t.ok(losses.every((l) => l.stream === 'mon/waveform'), 'only waveforms dropped while they lasted');
  t.equal(s.classes.find((c) => c.class === 'numeric')!.records, 21, 'every numeric kept');
  rmSync(filler);
  await waitFor(() => outbox.state === 'ok', 'recovered', 60_000);
  await outbox.flush();
  t.equal(outbox.stats().memoryRing.records, 0, 'the ring went to disk');
  await outbox.stop();
});

t.test('stopped while storage was unwritable: the seqs sent from memory are never reused, and announced', { skip }, async (t) => {
  const dir = tempDir(t);
  const disk = smallDisk(t, dir, '8m');
  const { broker, consumer } = await hospital(t);
  let link = await startLink(t, disk, broker.url);
  await waitFor(() => link.uplink.connected, 'connected');
  for (let i = 0; i < 10; i++) link.outbox.enqueueRecord(numeric('mon', i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 10, 'stored and sent');
  const filler = fillUp(disk);
  for (let i = 0; i < 20; i++) link.outbox.enqueueRecord(numeric('mon', 100 + i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 30, 'sent from memory: seqs 11..30');
  await link.stop();
  rmSync(filler);
  link = await startLink(t, disk, broker.url);
  for (let i = 0; i < 5; i++) link.outbox.enqueueRecord(numeric('mon', 200 + i));
  await waitFor(() => consumer.checker.received('mon/numeric') === 35, 'new records after the restart', 60_000);
  const report = consumer.checker.report(new Map([['mon/numeric', 35]]));
  t.equal(report.duplicates_after_dedupe, 0, 'no seq reused: the new records got 31..35');
  t.equal(report.missing, 0);
  t.ok(consumer.checker.maxSeq('gateway/loss') >= 1, 'the not-persisted range was announced');
});

// A file system cannot be remounted read-only while files on it are open for writing, so read-only storage is tested
// as the daemon meets it after the kernel has remounted it read-only: at start-up.
t.test('read-only storage at start-up: records wait in memory, then get their seqs once it is writable', { skip }, async (t) => {
  const dir = tempDir(t);
  const disk = smallDisk(t, dir, '8m');
  remount(disk, 'ro');
  const { outbox } = makeOutbox(disk);
  await outbox.start();
  t.equal(outbox.state, 'opening');
  for (let i = 0; i < 25; i++) outbox.enqueueRecord(numeric('mon', i));
  t.equal(outbox.stats().waiting, 25, 'held, not yet sequenced');
  remount(disk, 'rw');
  await waitFor(() => outbox.state === 'ok', 'opened', 60_000);
  await outbox.flush();
  t.equal(outbox.stats().records, 25);
  t.equal(outbox.streamList().find((s) => s.stream === 'mon/numeric')!.lastSeq, '25');
  await outbox.stop();
});
