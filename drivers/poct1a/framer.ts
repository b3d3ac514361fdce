// POCT1-A has no framing of its own: messages are XML documents back to back on the TCP stream, each ending with the
// end tag of its root element. The framer looks for a message's root start tag (an upper-case message type such as
// <OBS.R01 — element names inside a message, like HDR.control_id, are never all upper case), then for its end tag
// </OBS.R01>, and parses what lies between with a real XML parser. It resynchronises on its own: bytes outside a
// message are skipped (an <?xml …?> declaration silently, anything else counted), a message cut short by the start
// of the next one is dropped, and so is one past the size limit.
import { newFramerStats, type Framer, type FramerStats } from '../sdk/framer.js';
import { child, parseXml, valueOf, type XmlElement } from './xml.js';

export interface Poct1Message {
  /** The root element's name: HEL.R01, DST.R01, OBS.R01, ACK.R01 … */
  readonly type: string;
  /** HDR.control_id: what an ACK refers to. */
  readonly controlId: string | undefined;
  readonly root: XmlElement;
}

/** A message type: topic, then upper-case parts (OBS.R01, DTV.SIEM.DVCMD). */
export const MESSAGE_TYPE = /^[A-Z]{3}(\.[A-Z0-9]+)+$/;

const LT = 0x3c;
const GT = 0x3e;
const MAX_NAME = 64;
/** An XML declaration or other processing instruction between messages is skipped, up to this size. */
const MAX_PI = 1024;

const enum S {
  Out, // between messages
  OutName, // after "<" between messages, reading the name
  Pi, // skipping <? … ?> between messages
  In, // inside a message
  InName, // after "<" inside a message, reading the name
  EndTag, // read "</ROOT", expecting optional blanks and ">"
}

function isNameChar(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x5f || c === 0x2d || c === 0x3a
  );
}

const isBlank = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

export class Poct1Framer implements Framer<Poct1Message> {
  readonly stats: FramerStats = newFramerStats();
  private state = S.Out;
  private name = '';
  private root = '';
  private parts: Buffer[] = [];
  private size = 0;
  private piBytes = 0;
  private piQuestion = false;

  constructor(private readonly maxBytes = 1024 * 1024) {}

  push(chunk: Buffer, emit: (message: Poct1Message) => void): void {
    // Bytes of the message being read start here in this chunk (-1: not in a message).
    let from = this.state >= S.In ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      switch (this.state) {
        case S.Out:
          if (c === LT) {
            this.state = S.OutName;
            this.name = '';
          } else if (!isBlank(c)) this.stats.bytesDropped++;
          break;
        case S.OutName:
          if (this.name === '' && c === 0x3f) {
            this.state = S.Pi;
            this.piBytes = 2;
            this.piQuestion = false;
          } else if (isNameChar(c) && this.name.length < MAX_NAME) this.name += String.fromCharCode(c);
          else if (MESSAGE_TYPE.test(this.name)) {
            this.begin(this.name);
            from = i;
            i--; // the byte after the name belongs to the message: read it there
          } else {
            this.stats.bytesDropped += this.name.length + 1;
            this.state = S.Out;
            i--; // look at this byte again: it may start a message
          }
          break;
        case S.Pi:
          if (++this.piBytes > MAX_PI) {
            this.stats.bytesDropped += this.piBytes;
            this.state = S.Out;
          } else if (c === GT && this.piQuestion) this.state = S.Out;
          else if (c === LT) {
            this.stats.bytesDropped += this.piBytes;
            this.state = S.Out;
            i--;
          }
          this.piQuestion = c === 0x3f;
          break;
        case S.In:
          if (c === LT) {
            this.state = S.InName;
            this.name = '';
          }
          break;
        case S.InName:
          if ((isNameChar(c) || (c === 0x2f && this.name === '')) && this.name.length <= MAX_NAME) {
            this.name += String.fromCharCode(c);
          } else if (this.name === `/${this.root}`) {
            this.state = S.EndTag;
            i--;
          } else if (MESSAGE_TYPE.test(this.name)) {
            // The next message began before this one ended: this one is cut short.
            this.drop(this.size + i - Math.max(from, 0) - this.name.length - 1);
            this.begin(this.name);
            from = i;
            i--;
          } else {
            this.state = S.In;
            i--;
          }
          break;
        case S.EndTag:
          if (c === GT) {
            this.parts.push(chunk.subarray(Math.max(from, 0), i + 1));
            this.complete(emit);
            from = -1;
          } else if (!isBlank(c)) {
            this.state = S.In;
            i--;
          }
          break;
      }
      if (this.state >= S.In && this.size + (i + 1 - Math.max(from, 0)) > this.maxBytes) {
        this.drop(this.size + (i + 1 - Math.max(from, 0)));
        this.state = S.Out;
        this.parts = [];
        this.size = 0;
        from = -1;
      }
    }
    if (this.state >= S.In && from >= 0) {
      const rest = Buffer.from(chunk.subarray(from));
      this.parts.push(rest);
      this.size += rest.length;
    }
  }

  end(): void {
    if (this.state >= S.In) this.drop(this.size);
    this.reset();
  }

  reset(): void {
    this.state = S.Out;
    this.parts = [];
    this.size = 0;
    this.name = '';
  }

  /** A message starts: "<" and its name were read, the byte at hand is the first after the name. */
  private begin(name: string): void {
    this.root = name;
    this.state = S.In;
    const head = Buffer.from(`<${name}`, 'latin1');
    this.parts = [head];
    this.size = head.length;
  }

  private complete(emit: (message: Poct1Message) => void): void {
    const text = Buffer.concat(this.parts).toString('utf8');
    const bytes = text.length;
    this.parts = [];
    this.size = 0;
    this.state = S.Out;
    let root: XmlElement;
    try {
      root = parseXml(text);
    } catch {
      return this.drop(bytes);
    }
    this.stats.frames++;
    emit({ type: root.name, controlId: valueOf(child(root, 'HDR'), 'HDR.control_id'), root });
  }

  private drop(bytes: number): void {
    this.stats.framesDropped++;
    this.stats.bytesDropped += Math.max(0, bytes);
  }
}
