// Offline decoding of captures (`ambulink decode --driver philips-intellivue --input FILE`). A capture is what the
// monitor sent, as `ambulink capture` records it: for MIB/RS-232 the serial bytes (frames with BOF/EOF, escapes,
// FCS); for LAN the datagrams one after the other, each a whole Data Export message that carries its own length.
// Which of the two a file is shows in its first byte: a LAN capture starts with a message (0xE1 or an association
// message), a serial one with BOF 0xC0 — or, cut mid-frame, with anything else.
import type { RxTime } from '../../src/core/clock.js';
import type { OfflineDecoder, RecordIds, RecordSink } from '../sdk/driver.js';
import type { Framer, FramerStats } from '../sdk/framer.js';
import { IntellivueDecoder, type DemographicsMode } from './decoder.js';
import { declaredLength, LanFramer } from './lan-framer.js';
import { MibFramer } from './mib-framer.js';

export const PROTOCOL_LAN = 'IntelliVue Data Export (LAN)';
export const PROTOCOL_MIB = 'IntelliVue Data Export (MIB/RS-232)';

const MIB_FRAME_START = Buffer.from([0xc0, 0x11, 0x01]);

function looksLikeLan(head: Buffer): boolean {
  if (declaredLength(head, 0, head.length) < 0) return false;
  if (head[0] === 0xe1) return true;
  // An association message first; unless this is a serial capture cut just before a byte that looks like one.
  const start = head.indexOf(MIB_FRAME_START);
  return start < 0 || start > 512;
}

export class IntellivueCapture implements OfflineDecoder {
  private framer: Framer<Buffer> | undefined;
  private decoder: IntellivueDecoder | undefined;

  constructor(
    private readonly ids: RecordIds,
    private readonly demographics: DemographicsMode,
  ) {}

  get stats(): FramerStats {
    return this.framer?.stats ?? { frames: 0, framesDropped: 0, bytesDropped: 0, checksumErrors: 0 };
  }

  push(chunk: Buffer, rx: RxTime, out: RecordSink): void {
    if (chunk.length === 0) return;
    if (!this.framer) {
      const lan = looksLikeLan(chunk);
      this.framer = lan ? new LanFramer(false) : new MibFramer();
      this.decoder = new IntellivueDecoder(this.ids, { demographics: this.demographics, live: false, protocol: lan ? PROTOCOL_LAN : PROTOCOL_MIB });
    }
    const decoder = this.decoder!;
    this.framer.push(chunk, (message) => decoder.decode(message, rx, out));
  }

  end(): void {
    this.framer?.end();
  }
}
