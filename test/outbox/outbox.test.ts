// The outbox on a real LevelDB, driven through the same interface the uplink uses (take / acked / linkUp / linkDown):
// sequence numbers, write-ahead, delete on acknowledgement only, restart replay, priorities, quotas and expiry.
import { Level } from 'level';
import t from 'tap';
import { parseEnvelope, type Envelope } from '../../src/outbox/envelope.js';
import type { Outbox } from '../../src/outbox/outbox.js';
import { isCanonicalRecord, type LossRecord } from '../../src/schema/index.js';
import type { OutgoingMessage } from '../../src/uplink/source.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { alarm, location, makeOutbox, numeric, waveform } from './helpers.js';

const ALL = { maxRecords: 10_000, maxBytes: 16 << 20, backlog: true };

/** Takes every message the outbox has ready now or within `ms`, without acknowledging. */
async function takeAll(outbox: Outbox, ms = 300, limits = ALL): Promise<OutgoingMessage[]> {
  const out: OutgoingMessage[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const m = outbox.take(limits);
    if (m) out.push(m);
    else await new Promise((r) => setTimeout(r, 10));
  }
  return out;
}

/** Sends everything and acknowledges it, until the outbox is empty; returns the envelopes in the order sent. */
async function drainAll(outbox: Outbox, timeoutMs = 30_000): Promise<Envelope[]> {
  const seen: Envelope[] = [];
  await waitFor(async () => {
    for (let m = outbox.take(ALL); m; m = outbox.take(ALL)) {
      seen.push(parseEnvelope(m.payload)!);
      outbox.acked(m);
    }
    await outbox.flush();
    return outbox.stats().records === 0;
  }, 'the outbox to drain', timeoutMs);
  return seen;
}

/** Enqueues one record and returns the seq it got once written (seqs are given in the write). */
async function storedSeq(outbox: Outbox, record: Parameters<Outbox['enqueueRecord']>[0]): Promise<number> {
  outbox.enqueueRecord(record);
  await outbox.flush();
  return Number(outbox.streamList().find((s) => s.stream === `${record.device}/${record.kind}`)!.lastSeq);
}

const seqs = (envs: Envelope[], stream: string) => envs.filter((e) => e.stream === stream).flatMap((e) => e.items.map((i) => Number(i.seq)));
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

t.test('per-stream seqs are contiguous, start at 1, and continue across restarts', async (t) => {
  const dir = tempDir(t);
  let { outbox } = makeOutbox(dir);
  await outbox.start();
  for (let i = 0; i < 50; i++) {
    outbox.enqueueRecord(numeric('mon', i));
    if (i % 5 === 0) outbox.enqueueRecord(numeric('vent', i));
  }
  await outbox.stop();
  ({ outbox } = makeOutbox(dir));
  await outbox.start();
  t.equal(outbox.stats().records, 60, 'all 60 stored, counted without reading them');
  t.equal(outbox.stats().classes.find((c) => c.class === 'numeric')!.records, 60);
  for (let i = 0; i < 10; i++) outbox.enqueueRecord(numeric('mon', i));
  outbox.linkUp();
  const envs = await drainAll(outbox);
  t.same(sorted(seqs(envs, 'mon/numeric')), range(1, 60), 'mon: 1..50, then 51..60 after the restart, each exactly once');
  t.same(sorted(seqs(envs, 'vent/numeric')), range(1, 10), 'vent has its own seq space');
  const streams = Object.fromEntries(outbox.streamList().map((s) => [s.stream, s.lastSeq]));
  t.same(streams, { 'mon/numeric': '60', 'vent/numeric': '10' });
  for (const e of envs) for (const item of e.items) t.ok(isCanonicalRecord(item), 'every item is a valid canonical record with its seq');
  await outbox.stop();
});

t.test('a record is deleted only when its message is acknowledged', async (t) => {
  const dir = tempDir(t);
  let { outbox } = makeOutbox(dir);
  await outbox.start();
  outbox.linkUp();
  for (let i = 0; i < 20; i++) outbox.enqueueRecord(numeric('mon', i));
  const taken = await takeAll(outbox);
  t.ok(taken.length > 0, 'sent');
  t.equal(taken.reduce((n, m) => n + m.records, 0), 20);
  await outbox.flush();
  t.equal(outbox.stats().records, 20, 'sent but not acknowledged: still stored');
  t.equal(outbox.stats().inflightRecords, 20);
  // The connection breaks before any PUBACK: everything goes again, in order, from disk.
  outbox.linkDown();
  await outbox.stop();
  ({ outbox } = makeOutbox(dir));
  await outbox.start();
  t.equal(outbox.stats().records, 20, 'after a restart, still there');
  outbox.linkUp();
  const again = await takeAll(outbox);
  const envs = again.map((m) => parseEnvelope(m.payload)!);
  t.same(seqs(envs, 'mon/numeric'), range(1, 20), 'resent in order');
  t.ok(envs.every((e) => e.historical && e.items.every((i) => i.historical === true)), 'from the backlog: historical, in the envelope and in each item');
  const first = again[0]!;
  outbox.acked(first);
  await outbox.flush();
  t.equal(outbox.stats().records, 20 - first.records, 'the acknowledged ones are gone');
  outbox.acked(first);
  await outbox.flush();
  t.equal(outbox.stats().records, 20 - first.records, 'a second PUBACK for the same message changes nothing');
  await outbox.stop();
});

t.test('live data leaves before the backlog; the backlog goes in order, flagged historical', async (t) => {
  const dir = tempDir(t);
  const { outbox } = makeOutbox(dir);
  await outbox.start();
  for (let i = 0; i < 3000; i++) outbox.enqueueRecord(numeric('mon', i));
  await outbox.flush();
  outbox.linkUp();
  outbox.enqueueRecord(alarm('mon', 'hr-high'));
  outbox.enqueueRecord(numeric('mon', 999));
  await waitFor(() => outbox.stats().hot >= 2, 'the live records to be stored');
  const first = outbox.take({ maxRecords: 100, maxBytes: 1 << 20, backlog: true })!;
  const second = outbox.take({ maxRecords: 100, maxBytes: 1 << 20, backlog: true })!;
  const e1 = parseEnvelope(first.payload)!;
  const e2 = parseEnvelope(second.payload)!;
  t.equal(e1.stream, 'mon/alarm', 'the alarm first: highest class');
  t.equal(e1.historical, false);
  t.equal(e2.stream, 'mon/numeric');
  t.same(e2.items.map((i) => i.seq), ['3001'], 'then the live numeric, ahead of 3000 backlog records of its own stream');
  t.equal(e2.historical, false);
  t.notOk(first.backlog || second.backlog);
  // While the live numeric is in flight, more live data of that stream waits for its PUBACK and then leaves together.
  outbox.enqueueRecord(numeric('mon', 1000));
  outbox.enqueueRecord(numeric('mon', 1001));
  await outbox.flush();
  const onlyLive = { maxRecords: 100, maxBytes: 1 << 20, backlog: false };
  t.equal(outbox.take(onlyLive), undefined, 'one live batch per stream in flight');
  outbox.acked(second);
  const batch = outbox.take(onlyLive)!;
  t.same(parseEnvelope(batch.payload)!.items.map((i) => i.seq), ['3002', '3003'], 'accumulated while the previous was in flight: one message');
  outbox.acked(batch);
  outbox.acked(first);
  const rest = await drainAll(outbox);
  const backlog = seqs(rest, 'mon/numeric');
  t.same(backlog, range(1, 3000), 'then the backlog, oldest first, each once');
  t.ok(rest.every((e) => e.historical));
  await outbox.stop();
});

t.test('quotas: waveforms go first, oldest first, each eviction announced; protected classes are never evicted', async (t) => {
  const dir = tempDir(t);
  const quota = 256 * 1024;
  const { outbox, losses } = makeOutbox(dir, {
    maxBytes: 1024 * 1024,
    classes: {
      alarm: { quotaBytes: 65_536 },
      lab: { quotaBytes: 65_536 },
      numeric: { quotaBytes: 65_536 },
      location: { quotaBytes: quota, expirySeconds: 0 },
      waveform: { quotaBytes: quota, expirySeconds: 0 },
      diagnostic: { quotaBytes: quota, expirySeconds: 0 },
    },
  });
  await outbox.start();
  // 1. The waveform class over its own quota.
  for (let i = 0; i < 400; i++) outbox.enqueueRecord(waveform('mon', 200));
  await outbox.flush();
  await waitFor(() => outbox.stats().classes.find((c) => c.class === 'waveform')!.bytes <= quota, 'eviction down to the waveform quota');
  const wf = outbox.stats().classes.find((c) => c.class === 'waveform')!;
  t.ok(wf.evicted > 0, `${wf.evicted} waveform records evicted`);
  await waitFor(() => losses.length > 0 && losses.reduce((n, l) => n + l.count, 0) === wf.evicted, 'loss records for every eviction');
  for (const l of losses) {
    t.ok(isCanonicalRecord(l), 'a valid loss record');
    t.match(l, { kind: 'loss', stream: 'mon/waveform', reason: 'evicted', class: 'waveform', device: 'gateway' });
  }
  t.equal(losses[0]!.firstSeq, '1', 'the oldest went first');
  // 2. Protected classes far over their quotas and the total: kept, flagged, and the outbox keeps working.
  for (let i = 0; i < 3000; i++) {
    outbox.enqueueRecord(numeric('mon', i));
    if (i % 10 === 0) outbox.enqueueRecord(alarm('mon', `a${i}`));
  }
  for (let i = 0; i < 300; i++) outbox.enqueueRecord(location('gps', 55 + i / 1000));
  await outbox.flush();
  await waitFor(() => outbox.stats().classes.find((c) => c.class === 'location')!.evicted > 0, 'location evicted for the total quota');
  const s = outbox.stats();
  const cls = Object.fromEntries(s.classes.map((c) => [c.class, c]));
  t.equal(cls.numeric!.records, 3000, 'no numeric evicted, though over its quota');
  t.equal(cls.alarm!.evicted, 0, 'no alarm evicted');
  t.ok(cls.alarm!.records >= 300, 'alarms all kept (and the loss records with them)');
  t.ok(s.overQuota, 'reported over quota');
  t.equal(cls.waveform!.records, 0, 'the total quota took the rest of the waveforms before any location');
  // Every stored loss record reaches the hospital like any alarm.
  outbox.linkUp();
  const envs = await drainAll(outbox);
  const lossItems = envs.filter((e) => e.stream === 'gateway/loss').flatMap((e) => e.items) as unknown as LossRecord[];
  t.equal(lossItems.length, losses.length, 'each loss record is itself delivered');
  t.equal(envs.find((e) => e.stream === 'gateway/loss')!.class, 'alarm');
  // What was not evicted arrives; what was, is announced: nothing is missing without a word.
  for (const stream of ['mon/waveform', 'gps/location']) {
    const got = new Set(seqs(envs, stream));
    const last = Number(outbox.streamList().find((x) => x.stream === stream)!.lastSeq);
    const lost = lossItems.filter((l) => l.stream === stream);
    for (let seq = 1; seq <= last; seq++) {
      const accounted = got.has(seq) || lost.some((l) => seq >= Number(l.firstSeq) && seq <= Number(l.lastSeq));
      if (!accounted) t.fail(`${stream} seq ${seq} neither delivered nor announced`);
    }
  }
  await outbox.stop();
});

t.test('expiry: records older than their class allows are dropped and announced; others stay', async (t) => {
  const dir = tempDir(t);
  const { outbox, losses } = makeOutbox(dir, {
    classes: {
      alarm: { quotaBytes: 1 << 24 },
      lab: { quotaBytes: 1 << 24 },
      numeric: { quotaBytes: 1 << 24 },
      location: { quotaBytes: 1 << 24, expirySeconds: 0 },
      waveform: { quotaBytes: 1 << 24, expirySeconds: 1 },
      diagnostic: { quotaBytes: 1 << 24, expirySeconds: 0 },
    },
  });
  await outbox.start();
  for (let i = 0; i < 30; i++) {
    outbox.enqueueRecord(waveform('mon', 50));
    outbox.enqueueRecord(numeric('mon', i));
  }
  await outbox.flush();
  await waitFor(() => outbox.stats().classes.find((c) => c.class === 'waveform')!.records === 0, 'the waveforms to expire', 60_000);
  await waitFor(() => losses.length > 0, 'the loss record');
  t.match(losses[0], { stream: 'mon/waveform', firstSeq: '1', lastSeq: '30', count: 30, reason: 'expired' });
  const s = Object.fromEntries(outbox.stats().classes.map((c) => [c.class, c]));
  t.equal(s.waveform!.expired, 30);
  t.equal(s.numeric!.records, 30, 'numerics never expire');
  // A fresh waveform carries its remaining lifetime as MQTT 5 message expiry.
  outbox.linkUp();
  outbox.enqueueRecord(waveform('mon', 10));
  await outbox.flush();
  const msgs = await takeAll(outbox, 300);
  const wf = msgs.find((m) => m.topic.endsWith('/data/mon/waveform'))!;
  t.equal(wf.expirySeconds, 1, 'expiry interval in seconds');
  t.equal(msgs.find((m) => m.topic.endsWith('/data/mon/numeric'))!.expirySeconds, undefined, 'numerics: no expiry');
  await outbox.stop();
});

t.test('enqueue(): services send durable messages on their own topics and streams', async (t) => {
  const dir = tempDir(t);
  let { outbox } = makeOutbox(dir);
  await outbox.start();
  const topic = 'ambulink/v1/TEST-1/cmd/vent/setpoint/result';
  const r1 = await outbox.enqueue({ stream: 'vent/setpoint-result', topic, class: 'alarm', payload: { command: 'c-1', outcome: 'applied', seq: 'ignored' } });
  t.same(r1, { stream: 'vent/setpoint-result', seq: '1', durable: true }, 'resolved once stored');
  await t.rejects(outbox.enqueue({ stream: 'vent/setpoint-result', topic: 'elsewhere', class: 'alarm', payload: {} }), /belongs to class alarm on/);
  await t.rejects(outbox.enqueue({ stream: 'x', topic, class: 'nonsense' as 'alarm', payload: {} }), /unknown priority class/);
  await outbox.stop();
  ({ outbox } = makeOutbox(dir));
  await outbox.start();
  const r2 = await outbox.enqueue({ stream: 'vent/setpoint-result', topic, class: 'alarm', payload: {} });
  t.equal(r2.seq, '2', 'the seq continues after a restart');
  outbox.linkUp();
  const envs = await drainAll(outbox);
  t.same(
    envs.flatMap((e) => e.items),
    [{ historical: true, seq: '1', command: 'c-1', outcome: 'applied' }, { historical: true, seq: '2' }],
    'the payload as given, with the outbox seq (both stored before the link came up: historical)',
  );
  await outbox.stop();
});

t.test('a power cut: after an unclean stop and a reboot, streams resume past their synced reservation, announced; after a mere crash they do not', async (t) => {
  const dir = tempDir(t);
  const markUnclean = async (boot: string) => {
    const db = new Level<string, string>(`${dir}/outbox`, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
    await db.put('mrun', JSON.stringify({ boot, clean: false }));
    await db.close();
  };
  let { outbox, losses } = makeOutbox(dir, {}, { bootId: 'boot-1' });
  await outbox.start();
  for (let i = 0; i < 10; i++) outbox.enqueueRecord(numeric('mon', i));
  await outbox.stop();
  // The daemon died (kill -9) and came back in the same boot: the kernel kept every write, nothing is skipped.
  await markUnclean('boot-1');
  ({ outbox, losses } = makeOutbox(dir, {}, { bootId: 'boot-1' }));
  await outbox.start();
  t.equal(await storedSeq(outbox, numeric('mon', 10)), 11, 'same boot: seqs continue');
  await outbox.stop();
  t.same(losses, []);
  // The power was cut: the last unsynced writes (and the seqs they used) may be gone, though sent.
  await markUnclean('boot-1');
  ({ outbox, losses } = makeOutbox(dir, {}, { bootId: 'boot-2' }));
  await outbox.start();
  const seq = await storedSeq(outbox, numeric('mon', 11));
  t.ok(seq > 1000, `a new boot after an unclean stop: resumes at ${seq}, past every seq that may have been sent`);
  await outbox.flush();
  await waitFor(() => losses.length === 1, 'the announcement');
  t.match(losses[0], { stream: 'mon/numeric', firstSeq: '12', lastSeq: String(seq - 1), reason: 'not-persisted' });
  await outbox.stop();
  // Stopped cleanly this time: nothing to skip.
  ({ outbox, losses } = makeOutbox(dir, {}, { bootId: 'boot-3' }));
  await outbox.start();
  t.equal(await storedSeq(outbox, numeric('mon', 12)), seq + 1, 'a clean stop: seqs continue in a new boot');
  await outbox.stop();
  t.same(losses, []);
});
