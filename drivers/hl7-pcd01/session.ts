// The gateway's side of an MLLP connection: every message is decoded, then answered with exactly one ACK before the
// next is read (original-mode acknowledgement). AR when the message cannot be taken at all (not HL7, not an ORU^R01/R40,
// no control id), AE when some of its content is wrong (the rest is kept), AA otherwise.
import type { RxTime } from '../../src/core/clock.js';
import type { Session, SessionIo } from '../sdk/driver.js';
import { buildAck, type AckInput } from './ack.js';
import type { Hl7Frame } from './frame.js';
import { mllp } from './framer.js';
import { get, refusal } from './hl7.js';

export interface AckOptions {
  ackApplication: string;
  ackFacility: string;
}

let ackCounter = 0;

export class MllpAckSession implements Session<Hl7Frame> {
  private identified = false;
  private stopped = false;
  private acks: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: AckOptions,
    private readonly io: SessionIo<Hl7Frame>,
  ) {}

  start(): void {}

  onFrame(frame: Hl7Frame, rx: RxTime): void {
    try {
      this.io.decode(frame, rx);
    } catch (err) {
      frame.problems.push({ code: 207, text: 'application internal error' });
      this.io.log.error({ err: (err as Error).stack }, 'decoding an HL7 message failed');
    }
    const ack = this.verdict(frame);
    const id = `AL${rx.wallMs.toString(36).toUpperCase()}${(++ackCounter).toString(36).toUpperCase()}`;
    // The sender forgets a message once acknowledged: its records are stored first. ACKs leave in message order.
    this.acks = this.acks.then(() => this.io.stored()).then(() => {
      if (this.stopped) return;
      this.io.write(mllp(buildAck(ack, { application: this.options.ackApplication, facility: this.options.ackFacility }, this.io.clock.wallMs(), id)));
    });
    if (ack.code !== 'AA') {
      this.io.log.warn({ ack: ack.code, controlId: ack.controlId, problem: ack.problem }, 'HL7 message not fully accepted');
    } else if (frame.unmapped > 0) {
      this.io.log.debug({ controlId: ack.controlId, unmapped: frame.unmapped }, 'observations with codes outside the code tables skipped');
    }
  }

  stop(): void {
    this.stopped = true;
  }

  private verdict(frame: Hl7Frame): AckInput {
    const parsed = frame.parsed;
    if (!parsed.ok) return { code: 'AR', controlId: parsed.controlId, problem: { code: parsed.code, text: parsed.text } };
    const m = parsed.message;
    const controlId = get(m, m.msh, 10);
    if (!this.identified) {
      this.identified = true;
      const eui = get(m, m.msh, 3, 3) === 'EUI-64' ? get(m, m.msh, 3, 2) : '';
      this.io.setIdentity({
        protocol: `HL7 v${get(m, m.msh, 12) || '2'} IHE PCD-01 over MLLP`,
        ...(get(m, m.msh, 3, 1) ? { model: get(m, m.msh, 3, 1) } : {}),
        ...(eui ? { serial: eui } : {}),
      });
    }
    const refused = refusal(m);
    if (refused) return { code: 'AR', controlId, problem: refused, message: m };
    if (frame.problems.length > 0) return { code: 'AE', controlId, problem: frame.problems[0]!, message: m };
    return { code: 'AA', controlId, message: m };
  }
}
