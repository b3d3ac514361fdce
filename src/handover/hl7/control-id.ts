// MSH-10 message control ids: unique per destination, at most 20 characters (HL7 2.6), and made once — the queue
// stores the message with its id and a resend carries the same one. Built from a millisecond count that never repeats
// within one builder (it runs ahead of the clock when more than one message is built per ms) and a tag chosen per
// builder, so that a restart with the clock set back cannot reuse an id from before.
export class ControlIds {
  private lastMs = 0;

  constructor(private readonly tag: string) {}

  next(nowMs: number): string {
    this.lastMs = Math.max(Math.trunc(nowMs), this.lastMs + 1);
    return `${this.lastMs.toString(36).toUpperCase()}${this.tag}`;
  }
}
