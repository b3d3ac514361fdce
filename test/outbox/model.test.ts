// The outbox against a model, under random interleavings of what happens on a vehicle: records of several classes
// arriving, the link coming and going, messages taken and acknowledged in any order or never, restarts, and
// evictions under a small quota racing the backlog reader. Afterwards, everything drained: every seq of every stream
// was delivered or announced lost, no seq ever carried two different records, and the outbox's own counters agree
// with what is on disk. Seeded, so that a failure reproduces.
import { Level } from 'level';
import t from 'tap';
import { seededRandom } from '../helpers/fuzz.js';
import { StreamChecker } from '../../scripts/lib/stream-checker.js';
import { parseEnvelope } from '../../src/outbox/envelope.js';
import type { Outbox } from '../../src/outbox/outbox.js';
import type { OutgoingMessage } from '../../src/uplink/source.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from '../helpers/wait.js';
import { alarm, location, makeOutbox, numeric } from './helpers.js';

const SMALL = { quotaBytes: 65_536, expirySeconds: 0 };
const BIG = { quotaBytes: 1 << 26 };
const classes = { alarm: BIG, lab: BIG, numeric: BIG, location: SMALL, waveform: { ...BIG, expirySeconds: 0 }, diagnostic: { ...BIG, expirySeconds: 0 } };

async function countOnDisk(dir: string): Promise<number> {
  const db = new Level<string, string>(`${dir}/outbox`, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  let n = 0;
  for await (const _k of db.keys({ gte: 'd', lt: 'e' })) n++;
  await db.close();
  return n;
}

for (const seed of [1, 7, 42, 1234]) {
  t.test(`random interleavings, seed ${seed}`, async (t) => {
    const dir = tempDir(t);
    const random = seededRandom(seed);
    const checker = new StreamChecker();
    let outbox: Outbox = makeOutbox(dir, { classes }).outbox;
    await outbox.start();
    let up = false;
    let inflight: OutgoingMessage[] = [];
    const deliver = (m: OutgoingMessage) => {
      checker.add(parseEnvelope(m.payload)!);
      outbox.acked(m);
    };
    for (let step = 0; step < 6000; step++) {
      const r = random();
      if (r < 0.45) outbox.enqueueRecord(location('gps', 55 + random() / 100));
      else if (r < 0.52) outbox.enqueueRecord(numeric('mon', Math.round(random() * 200)));
      else if (r < 0.53) outbox.enqueueRecord(alarm('mon', `a${step}`));
      else if (r < 0.545) {
        if (up) outbox.linkDown();
        else outbox.linkUp();
        up = !up;
        inflight = [];
      } else if (r < 0.547) {
        // A restart: whatever was in flight is never acknowledged.
        await outbox.stop();
        outbox = makeOutbox(dir, { classes }).outbox;
        await outbox.start();
        up = false;
        inflight = [];
      } else if (r < 0.8) {
        if (up) {
          const m = outbox.take({ maxRecords: 1 + Math.floor(random() * 30), maxBytes: 1 << 20, backlog: random() < 0.8 });
          if (m) inflight.push(m);
        }
      } else if (inflight.length > 0) {
        deliver(inflight.splice(Math.floor(random() * inflight.length), 1)[0]!);
      }
      if (step % 40 === 0) await new Promise((r) => setTimeout(r, 1));
      const s = outbox.stats();
      if (s.classes.some((c) => c.records < 0)) {
        t.fail(`a class's record count went negative at step ${step}: ${s.classes.map((c) => c.records).join(',')}`);
        break;
      }
    }
    // Drain everything.
    for (const m of inflight) deliver(m);
    if (!up) outbox.linkUp();
    await waitFor(async () => {
      for (let m = outbox.take({ maxRecords: 100, maxBytes: 1 << 20, backlog: true }); m; m = outbox.take({ maxRecords: 100, maxBytes: 1 << 20, backlog: true })) deliver(m);
      await outbox.flush();
      return outbox.stats().records === 0 && outbox.stats().inflightRecords === 0;
    }, 'the outbox to drain', 60_000);
    const expected = new Map(outbox.streamList().map((s) => [s.stream, Number(s.lastSeq)]));
    const stats = outbox.stats();
    await outbox.stop();
    const report = checker.report(expected);
    t.equal(report.missing, 0, `every seq delivered or announced (${report.records} delivered, ${report.loss_accounted} announced lost)`);
    t.equal(report.duplicates_after_dedupe, 0, 'no seq carried two different records');
    t.ok(report.loss_accounted > 0, 'the small location quota did evict');
    t.equal(await countOnDisk(dir), 0, 'nothing left on disk');
    t.equal(stats.records, 0, 'and the counters agree');
  });
}
