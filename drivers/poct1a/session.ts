// The POCT1-A conversation with the gateway as the data manager. The device connects and says hello (HEL), then its
// status (DST); the gateway acknowledges every message (ACK with the message's control id), sets the device clock
// (DTV SET_TIME), asks for the observations (REQ ROBS), takes them one by one (OBS, each acknowledged) until the
// device's EOT, and then either keeps the conversation open so results come as they are measured (DTV
// START_CONTINUOUS; the device sends KPA keep-alives) or ends it (END). The gateway sends one message at a time and
// waits for its ACK; a device that does not acknowledge, or goes silent, loses the link (and reconnects).
import type { RxTime } from '../../src/core/clock.js';
import type { Session, SessionIo } from '../sdk/driver.js';
import type { Poct1Message } from './framer.js';
import { ack, ackOf, directive, end, identityOf, request } from './messages.js';
import { child, valueOf } from './xml.js';

export interface Poct1SessionOptions {
  /** Set the device clock to the gateway's (DTV SET_TIME) at the start of each conversation. */
  setTime: boolean;
  /** Keep the conversation open after the first batch (DTV START_CONTINUOUS). */
  continuous: boolean;
  /** Longest wait for the device's ACK of a gateway message. */
  ackTimeoutMs: number;
  /** Longest silence from a connected device (keep-alives count) before the link is dropped. */
  idleTimeoutMs: number;
}

interface Outgoing {
  readonly type: string;
  build(controlId: number, nowMs: number): string;
}

export class Poct1Session implements Session<Poct1Message> {
  private nextControlId = 1;
  private readonly queue: Outgoing[] = [];
  private awaiting: { controlId: string; type: string } | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private greeted = false;
  private ended = false;
  private stopped = false;

  constructor(
    private readonly io: SessionIo<Poct1Message>,
    private readonly options: Poct1SessionOptions,
  ) {}

  /** The acknowledgements waiting for their messages' records to be stored, in order. */
  private acks: Promise<void> = Promise.resolve();

  start(): void {
    this.armIdle();
  }

  onFrame(m: Poct1Message, rx: RxTime): void {
    this.armIdle();
    if (m.type === 'ACK.R01') return this.onAck(m);
    if (m.controlId === undefined) {
      this.io.log.warn({ type: m.type }, 'message without HDR.control_id cannot be acknowledged; ignored');
      return;
    }
    const controlId = m.controlId;
    switch (m.type) {
      case 'HEL.R01': {
        this.greeted = true;
        this.ended = false;
        this.io.setIdentity(identityOf(m.root).identity);
        this.io.decode(m, rx);
        break;
      }
      case 'DST.R01': {
        const pending = Number(valueOf(child(m.root, 'DST'), 'DST.new_observations_qty'));
        if (this.options.setTime) this.queue.push({ type: 'DTV.R01', build: (id, now) => directive(id, now, 'SET_TIME') });
        // A device that says it has nothing new is not asked; one that does not say is.
        if (pending !== 0) this.queue.push({ type: 'REQ.R01', build: (id, now) => request(id, now, 'ROBS') });
        else this.afterObservations();
        break;
      }
      case 'OBS.R01':
      case 'OBS.R02':
        this.io.decode(m, rx);
        break;
      case 'EOT.R01':
        if (!this.ended && this.greeted) this.afterObservations();
        break;
      case 'END.R01':
        this.ended = true;
        break;
      case 'ESC.R01':
        this.io.log.warn({ reason: valueOf(child(m.root, 'ESC'), 'ESC.reason_cd') }, 'device reported a protocol error (ESC)');
        break;
      default:
        break; // KPA keep-alive, events, operator lists: acknowledged, nothing more
    }
    // Acknowledged once what it carried is stored (the device forgets an acknowledged message), before anything of
    // ours goes out. Acknowledgements leave in the order the messages came.
    this.acks = this.acks.then(() => this.io.stored()).then(() => {
      if (this.stopped) return;
      this.send({ type: 'ACK.R01', build: (id, now) => ack(id, controlId, 'AA', now) }, true);
      this.pump();
    });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.ackTimer);
    clearTimeout(this.idleTimer);
    // Leaving in the middle of a conversation: say goodbye, without waiting for the answer.
    if (this.greeted && !this.ended) this.io.write(Buffer.from(end(this.nextControlId++, this.io.clock.wallMs(), 'USR'), 'utf8'));
  }

  /** The device's first batch is in: stay for the results to come, or end the conversation. */
  private afterObservations(): void {
    if (this.options.continuous) {
      this.queue.push({ type: 'DTV.R01', build: (id, now) => directive(id, now, 'START_CONTINUOUS') });
    } else {
      this.queue.push({ type: 'END.R01', build: (id, now) => end(id, now, 'NRM') });
      this.ended = true;
    }
  }

  private onAck(m: Poct1Message): void {
    const a = ackOf(m.root);
    if (!this.awaiting || a.acked !== this.awaiting.controlId) return; // an ACK we are not waiting for
    if (a.type !== 'AA') this.io.log.warn({ message: this.awaiting.type, note: a.note }, 'device refused a gateway message');
    this.awaiting = undefined;
    clearTimeout(this.ackTimer);
    this.pump();
  }

  /** Sends the next queued message when nothing is waiting for an ACK. */
  private pump(): void {
    if (this.awaiting || this.stopped) return;
    const next = this.queue.shift();
    if (next) this.send(next, false);
  }

  private send(out: Outgoing, isAck: boolean): void {
    const controlId = this.nextControlId++;
    this.io.write(Buffer.from(out.build(controlId, this.io.clock.wallMs()), 'utf8'));
    if (isAck) return; // ACKs are not acknowledged
    this.awaiting = { controlId: String(controlId), type: out.type };
    clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => {
      if (!this.stopped) this.io.fail(`no ACK for ${out.type} within ${this.options.ackTimeoutMs} ms`);
    }, this.options.ackTimeoutMs);
  }

  private armIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (!this.stopped) this.io.fail(`device silent for ${this.options.idleTimeoutMs} ms`);
    }, this.options.idleTimeoutMs);
  }
}
