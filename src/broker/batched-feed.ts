// The crew console's feed on the local broker: every record published there in the last FEED_MS, as one message
// `{"items":[…]}` (the uplink envelope's shape, which the page reads already). A console then costs the broker one
// delivery per tenth of a second instead of one per record (waveform blocks of every device arrive many times a
// second), which is most of what an open console cost the daemon. Only while a console is connected: with none, a
// record costs one function call. The topic starts with `$`, so a tablet subscribed to `#` is not sent it as well.
export const FEED_MS = 100;

export class BatchedFeed {
  private parts: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Whether anyone reads the feed now; nobody until a reader says how to tell (the console, when it starts). */
  private wanted: () => boolean = () => false;

  constructor(private readonly send: (payload: string) => void) {}

  readBy(wanted: () => boolean): void {
    this.wanted = wanted;
  }

  /** A record's JSON as published on its own topic. */
  add(json: string | Buffer): void {
    if (!this.wanted()) return;
    this.parts.push(typeof json === 'string' ? json : json.toString());
    this.timer ??= setTimeout(() => this.flush(), FEED_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.parts.length === 0) return;
    const payload = `{"items":[${this.parts.join(',')}]}`;
    this.parts = [];
    this.send(payload);
  }
}
