// isoMs formats the date part once per second: it must still write exactly what Date#toISOString writes, for any
// time, in any order (the cache must never leak one second's date into another), and fail where Date fails.
import t from 'tap';
import { seededRandom } from '../../drivers/sdk/seeded-random.js';
import { isoMs } from '../../src/core/clock.js';

t.test('the same text as Date#toISOString, for times in and out of order', async (t) => {
  const random = seededRandom(20261126);
  const times: number[] = [0, 1, 999, 1000, 1001, 59_999, 86_399_999, 86_400_000, 951_782_400_000 /* 2000-02-29 */, 4_102_444_799_999, 253_402_300_799_999 /* 9999-12-31T23:59:59.999 */, 8.64e15];
  // Neighbours across second, minute, day and year boundaries, fractional ms, and random times, interleaved.
  for (const base of [1_767_225_599_000, 1_798_761_599_500, Date.now()]) for (let d = -3; d <= 1003; d += 7) times.push(base + d, base + d + 0.75);
  for (let i = 0; i < 5000; i++) times.push(Math.floor(random() * 4_102_444_800_000) + random());
  // A record's two times in two seconds, a third one now and then: every order the two cached seconds can meet.
  const [a, b, c] = [1_767_225_599_100, 1_767_225_600_200, 1_767_225_661_300];
  for (const d of [0, 5, 99, 900]) times.push(a + d, b + d, a + d, b + d, c + d, a + d, c + d, b + d, b + d, c + d);
  let mismatches = 0;
  for (const ms of times) if (isoMs(ms) !== new Date(ms).toISOString()) mismatches++;
  t.equal(mismatches, 0, `${times.length} times, each as Date writes it`);
  t.equal(isoMs(1_767_225_600_007), '2026-01-01T00:00:00.007Z');
  t.equal(isoMs(1_767_225_599_999.9), '2025-12-31T23:59:59.999Z', 'fractions truncated, as Date does');
});

t.test('times Date cannot write fail as they do with Date, without spoiling the next', async (t) => {
  t.equal(isoMs(-1), new Date(-1).toISOString(), 'before 1970');
  t.equal(isoMs(-1500.5), new Date(-1500.5).toISOString());
  t.throws(() => isoMs(NaN), RangeError);
  t.throws(() => isoMs(Infinity), RangeError);
  t.equal(isoMs(8.64e15), '+275760-09-13T00:00:00.000Z', 'the last date');
  t.throws(() => isoMs(8.64e15 + 500), RangeError, 'beyond the last date, in its second');
  t.throws(() => isoMs(8.64e15 + 1000), RangeError, 'beyond the last date');
  t.equal(isoMs(1_767_225_600_123), '2026-01-01T00:00:00.123Z');
});
