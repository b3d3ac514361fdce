// What the outbox's `onStored` listener is shown of a record it has stored: enough to publish it locally (topic,
// payload with its seq, class) or to follow it (stream, seq). A view over the outbox's entry, valid during the call
// only: the payload is read from the entry, which the sender empties once the record is on its way.
import { className, type PriorityClass } from './classes.js';
import { payloadOf, type Entry } from './entry.js';

export interface StoredRecord {
  readonly stream: string;
  readonly seq: number;
  readonly topic: string;
  readonly cls: PriorityClass;
  /** The record's JSON as the hospital gets it (with "seq" first). */
  readonly payload: string;
}

export class StoredView implements StoredRecord {
  constructor(private readonly e: Entry) {}

  get stream(): string {
    return this.e.stream.name;
  }

  get seq(): number {
    return this.e.seq;
  }

  get topic(): string {
    return this.e.stream.topic;
  }

  get cls(): PriorityClass {
    return className(this.e.cls);
  }

  get payload(): string {
    return payloadOf(this.e);
  }
}
