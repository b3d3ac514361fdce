// ASTM captures as LIS tools and analyser logs keep them: the E1381 bytes as sent (with or without the ENQ and EOT
// around them), the E1394 records alone as lines (CR, LF or CR LF), or the link bytes written out as text —
// `<STX>1H|\^&|…<CR><ETX>70<CR><LF>`, a common log notation. All decode as the live link would have: checksums are
// still verified; only what a capture cannot have (the ENQ, frames in sequence) is not required.
import type { CaptureFramer, FramerStats } from '../sdk/framer.js';
import { ACK, CR, ENQ, EOT, ETB, ETX, LF, NAK, STX } from './e1381.js';
import { AstmFramer, type AstmToken } from './framer.js';

const NAMED: Readonly<Record<string, number>> = { STX, ETX, ETB, EOT, ENQ, ACK, NAK, CR, LF };
const NOTATION = /<(STX|ETX|ETB|EOT|ENQ|ACK|NAK|CR|LF)>/g;
/** The longest notation token is 5 characters: a chunk may end inside one. */
const CARRY = 4;

export class AstmCaptureFramer implements CaptureFramer<AstmToken> {
  private readonly inner = new AstmFramer(true);
  readonly stats: FramerStats = this.inner.stats;
  /** The end of the previous chunk that might be the start of a `<STX>`-style token. */
  private carry = '';

  push(chunk: Buffer, emit: (token: AstmToken) => void): void {
    let text = this.carry + chunk.toString('latin1');
    this.carry = '';
    const open = text.lastIndexOf('<');
    if (open !== -1 && open >= text.length - CARRY && !text.includes('>', open)) {
      this.carry = text.slice(open);
      text = text.slice(0, open);
    }
    this.inner.push(Buffer.from(text.replace(NOTATION, (_, name: string) => String.fromCharCode(NAMED[name]!)), 'latin1'), emit);
  }

  finish(emit: (token: AstmToken) => void): void {
    if (this.carry) this.inner.push(Buffer.from(this.carry, 'latin1'), emit);
    this.carry = '';
    this.inner.finish(emit);
  }

  end(): void {
    this.carry = '';
    this.inner.end();
  }

  reset(): void {
    this.carry = '';
    this.inner.reset();
  }
}
