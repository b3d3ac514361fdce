// How fast the backlog may go: live data first, the backlog in the remaining capacity. The capacity is whatever
// keeps live records young. Every 100 ms the pacer looks at the live messages acknowledged meanwhile: if the oldest
// record among them waited longer than its budget (accepted → PUBACK), the backlog's rate and bytes in flight shrink;
// otherwise they grow. On a slow link the bytes in flight are the limit (live messages would queue behind backlog
// bytes); on a fast link the processor is (every backlog record is read, framed and deleted), and the rate is.
const MIN_RATE = 1000;
const MAX_RATE = 1_000_000;
/** A live record older than this at its PUBACK means the backlog is taking too much (or 3× the best seen, if higher). */
const AGE_BUDGET_MS = 50;
const PERIOD_MS = 100;
const SHRINK = 0.6;
const GROW = 1.25;
/** Tokens may accumulate for this long: a short burst after a pause, no more. */
const BURST_S = 0.05;

export class BacklogPacer {
  /** Backlog records per second. */
  rate = 5000;
  bytes: number;
  private tokens = 0;
  private refilledAt = 0;
  private periodStart = 0;
  private worstLiveAge = 0;
  private bestLiveAge = Infinity;

  constructor(
    private readonly minBytes: number,
    private readonly maxBytes: number,
  ) {
    this.bytes = Math.min(maxBytes, minBytes * 4);
  }

  /** A new connection: start moderately and find the capacity again. */
  reset(now: number): void {
    this.rate = 5000;
    this.bytes = Math.min(this.maxBytes, this.minBytes * 4);
    this.tokens = 0;
    this.refilledAt = this.periodStart = now;
    this.worstLiveAge = 0;
    this.bestLiveAge = Infinity;
  }

  /** Ms until a backlog message may go (0 = now; Infinity = when something in flight is acknowledged). */
  wait(now: number, inflightBytes: number, inflightMessages: number): number {
    if (inflightMessages > 0 && inflightBytes >= this.bytes) return Infinity;
    this.tokens = Math.min(this.rate * BURST_S, this.tokens + ((now - this.refilledAt) * this.rate) / 1000);
    this.refilledAt = now;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens * 1000) / this.rate);
  }

  sent(records: number): void {
    this.tokens -= records;
  }

  /** A live message was acknowledged `ageMs` after its oldest record was accepted. */
  liveAcked(now: number, ageMs: number): void {
    this.worstLiveAge = Math.max(this.worstLiveAge, ageMs);
    this.bestLiveAge = Math.min(this.bestLiveAge, ageMs);
    this.adjust(now);
  }

  backlogAcked(now: number): void {
    this.adjust(now);
  }

  private adjust(now: number): void {
    if (now - this.periodStart < PERIOD_MS) return;
    const budget = Math.max(AGE_BUDGET_MS, 3 * this.bestLiveAge);
    const factor = this.worstLiveAge > budget ? SHRINK : GROW;
    this.rate = Math.min(MAX_RATE, Math.max(MIN_RATE, this.rate * factor));
    this.bytes = Math.min(this.maxBytes, Math.max(this.minBytes, this.bytes * factor));
    this.periodStart = now;
    this.worstLiveAge = 0;
  }
}
