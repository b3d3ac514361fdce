// The crew console's feed on the local broker: every record published there in the last FEED_MS (feed-period.ts), as
// one message `{"items":[…]}` (the uplink envelope's shape, which the page reads already). A console then costs the
// broker one delivery per batch instead of one per record (waveform blocks of every device arrive many times a
// second). The page draws waves a batch behind, at their own rate (playout.ts), so they scroll evenly; numerics and
// alarms reach the screen at most FEED_MS later than they reach the local broker (why 250 ms: feed-period.ts). Only
// while a console is connected: with none, a record costs one function call. The topic starts with `$`, so a tablet
// subscribed to `#` is not sent it as well.
import { FEED_MS } from './feed-period.js';

const OPEN = Buffer.from('{"items":[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

export class BatchedFeed {
  /** The message's pieces as they will be sent: opening, records with commas between, closing (joined once). */
  private parts: Buffer[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Whether anyone reads the feed now; nobody until a reader says how to tell (the console, when it starts). */
  private wanted: () => boolean = () => false;

  constructor(private readonly send: (payload: Buffer) => void) {}

  readBy(wanted: () => boolean): void {
    this.wanted = wanted;
  }

  /** A record's JSON as published on its own topic. */
  add(json: string | Buffer): void {
    if (!this.wanted()) return;
    // Buffers stay bytes: no decoding to a string and encoding the whole message again.
    this.parts.push(this.parts.length === 0 ? OPEN : COMMA, typeof json === 'string' ? Buffer.from(json) : json);
    this.timer ??= setTimeout(() => this.flush(), FEED_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.parts.length === 0) return;
    this.parts.push(CLOSE);
    const payload = Buffer.concat(this.parts);
    this.parts = [];
    this.send(payload);
  }
}
