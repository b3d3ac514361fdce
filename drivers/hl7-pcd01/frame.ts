// One MLLP frame on its way through the driver. The message is parsed once, on first use; the decoder notes on the
// frame what it could not accept, and the session answers with an ACK built from that (AA, AE or AR).
import { parseMessage, type ParseResult } from './hl7.js';

export interface Problem {
  /** HL7 table 0357 error code, e.g. 102 data type error. */
  code: number;
  text: string;
}

export class Hl7Frame {
  /** Content errors found while decoding (answered with AE). */
  readonly problems: Problem[] = [];
  /** Observations skipped because the code tables lack their code or unit (not the sender's fault). */
  unmapped = 0;
  private result: ParseResult | undefined;

  constructor(readonly bytes: Buffer) {}

  get parsed(): ParseResult {
    return (this.result ??= parseMessage(this.bytes));
  }
}
