// The E1381 link as the computer system (the gateway) plays it. Mostly the receiver: ACK the analyser's ENQ, ACK each
// good frame and NAK a bad one (the analyser retransmits), give the transfer up after 30 s of silence. When the
// analyser asks the host for orders (a Q record), the gateway becomes the sender once, to answer "no information":
// ENQ, frames each waiting up to 15 s for ACK, NAK → retransmit up to 6 times, EOT. If both sides bid for the line
// at once (contention) the instrument wins: the gateway stops, answers the instrument's next ENQ, and bids again no
// sooner than 20 s later. Raw E1394 (no E1381 framing) has no link protocol: every record goes to the decoder.
import type { RxTime } from '../../src/core/clock.js';
import type { Session, SessionIo } from '../sdk/driver.js';
import { ACK_BYTE, ENQ_BYTE, EOT_BYTE, NAK_BYTE, framesOf } from './e1381.js';
import { T_ABORT, type AstmToken } from './framer.js';
import { astmTimestamp } from './records.js';

export interface AstmLinkTimers {
  /** Sender: longest wait for the reply to ENQ or to a frame (E1381: 15 s). */
  replyTimeoutMs: number;
  /** Receiver: longest wait for the next frame of a transfer (E1381: 30 s). */
  receiveTimeoutMs: number;
  /** After the analyser answered our ENQ with NAK (busy), or a bid failed: wait before bidding again (≥ 10 s). */
  busyRetryMs: number;
  /** After losing contention to the instrument: wait before bidding again (≥ 20 s). */
  contentionRetryMs: number;
  /** NAKs of one frame, or busy answers to our ENQ, before the message is given up (E1381: 6). */
  maxRetries: number;
}

export interface AstmSessionOptions {
  framing: 'e1381' | 'raw';
  answerQueries: boolean;
  timers: AstmLinkTimers;
}

type State = 'idle' | 'receiving' | 'bidding' | 'sending';

export class AstmSession implements Session<AstmToken> {
  private state: State = 'idle';
  private linkTimer: NodeJS.Timeout | undefined;
  private bidTimer: NodeJS.Timeout | undefined;
  /** Records of the message waiting to be sent (the reply to a host query). */
  private outgoing: string[] | undefined;
  private frames: Buffer[] = [];
  private next = 0;
  private naks = 0;
  private failedBids = 0;
  private bidNotBeforeMs = 0;
  private queryInTransfer = false;
  private stopped = false;
  /** Writes waiting behind an ACK (see ackOnceStored), in line order. */
  private line: Promise<void> = Promise.resolve();
  private acksPending = 0;

  constructor(
    private readonly io: SessionIo<AstmToken>,
    private readonly options: AstmSessionOptions,
  ) {}

  start(): void {
    // The analyser speaks first.
  }

  onFrame(token: AstmToken, rx: RxTime): void {
    if (this.options.framing === 'raw') return this.io.decode(token, rx);
    switch (this.state) {
      case 'idle':
        return this.whileIdle(token, rx);
      case 'receiving':
        return this.whileReceiving(token, rx);
      case 'bidding':
        return this.whileBidding(token);
      case 'sending':
        return this.whileSending(token);
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.linkTimer);
    clearTimeout(this.bidTimer);
    // Holding the line: give it back.
    if (this.state === 'bidding' || this.state === 'sending') this.io.write(EOT_BYTE);
    this.state = 'idle';
  }

  private whileIdle(token: AstmToken, rx: RxTime): void {
    if (token.kind !== 'enq') return; // frames outside a transfer, stray ACK/NAK/EOT: nobody asked
    this.beginReceiving(token, rx);
  }

  private beginReceiving(token: AstmToken, rx: RxTime): void {
    clearTimeout(this.bidTimer);
    this.bidTimer = undefined;
    this.state = 'receiving';
    this.queryInTransfer = false;
    this.io.decode(token, rx);
    this.write(ACK_BYTE);
    this.armLink(this.options.timers.receiveTimeoutMs, () => this.receiveTimedOut());
  }

  private whileReceiving(token: AstmToken, rx: RxTime): void {
    switch (token.kind) {
      case 'record':
        if (token.text[0] === 'Q' || token.text[0] === 'q') this.queryInTransfer = true;
        return this.io.decode(token, rx);
      case 'frame':
        if (token.answer === 'ack') this.ackOnceStored();
        else this.write(NAK_BYTE);
        return this.armLink(this.options.timers.receiveTimeoutMs, () => this.receiveTimedOut());
      case 'enq':
        // The analyser started the transfer over (it missed our ACK to its ENQ, or gave up on a frame).
        return this.beginReceiving(token, rx);
      case 'eot': {
        clearTimeout(this.linkTimer);
        this.state = 'idle';
        this.io.decode(token, rx);
        if (this.queryInTransfer && this.options.answerQueries) this.queueNoInformationReply();
        this.queryInTransfer = false;
        return this.considerBid();
      }
      default:
        return;
    }
  }

  /**
   * A frame's ACK tells the analyser it may forget what the frame carried (it will not send it again): the results
   * emitted from it are written to the outbox first. The analyser waits for this ACK before its next frame, so the
   * order on the line is kept.
   */
  private ackOnceStored(): void {
    this.acksPending++;
    this.line = this.line
      .then(() => this.io.stored())
      .then(() => {
        this.acksPending--;
        if (!this.stopped) this.io.write(ACK_BYTE);
      });
  }

  /** Writes to the line after any ACK still waiting for its results to be stored, so the line keeps its order. */
  private write(bytes: Buffer): void {
    if (this.acksPending === 0) return this.io.write(bytes);
    this.line = this.line.then(() => {
      if (!this.stopped) this.io.write(bytes);
    });
  }

  private receiveTimedOut(): void {
    this.io.log.warn({ afterMs: this.options.timers.receiveTimeoutMs }, 'analyser went silent mid-transfer; transfer discarded');
    this.state = 'idle';
    this.io.decode(T_ABORT, { wallMs: this.io.clock.wallMs(), monoMs: this.io.clock.monoMs() });
    this.considerBid();
  }

  private whileBidding(token: AstmToken): void {
    switch (token.kind) {
      case 'ack':
        this.failedBids = 0;
        this.state = 'sending';
        this.frames = framesOf(this.outgoing ?? []);
        this.next = 0;
        this.naks = 0;
        return this.sendFrame();
      case 'nak':
        // Busy: try again later.
        clearTimeout(this.linkTimer);
        this.state = 'idle';
        return this.retryLater(this.options.timers.busyRetryMs, 'analyser busy');
      case 'enq':
        // Contention: the instrument has priority. Stop bidding; its next ENQ (after ≥ 1 s) is answered in idle.
        clearTimeout(this.linkTimer);
        this.state = 'idle';
        this.io.log.info('line contention: the analyser goes first');
        this.bidNotBeforeMs = this.io.clock.monoMs() + this.options.timers.contentionRetryMs;
        return this.considerBid();
      default:
        return;
    }
  }

  private whileSending(token: AstmToken): void {
    switch (token.kind) {
      case 'ack':
        this.naks = 0;
        this.next++;
        if (this.next < this.frames.length) return this.sendFrame();
        clearTimeout(this.linkTimer);
        this.write(EOT_BYTE);
        this.state = 'idle';
        this.outgoing = undefined;
        return;
      case 'nak':
        if (++this.naks > this.options.timers.maxRetries) {
          clearTimeout(this.linkTimer);
          this.write(EOT_BYTE);
          this.state = 'idle';
          this.io.log.warn({ naks: this.naks }, 'analyser refused a frame too often; reply to its query given up');
          this.outgoing = undefined;
          return;
        }
        return this.sendFrame();
      case 'eot':
        // The receiver asks us to stop (interrupt): end the transfer and send the whole message again later.
        clearTimeout(this.linkTimer);
        this.write(EOT_BYTE);
        this.state = 'idle';
        return this.retryLater(this.options.timers.busyRetryMs, 'analyser interrupted our transfer');
      default:
        return;
    }
  }

  private sendFrame(): void {
    this.write(this.frames[this.next]!);
    this.armLink(this.options.timers.replyTimeoutMs, () => {
      this.write(EOT_BYTE);
      this.state = 'idle';
      this.retryLater(this.options.timers.busyRetryMs, 'no reply to our frame');
    });
  }

  private queueNoInformationReply(): void {
    // LIS2-A2: L-3 "I" = no information available from the last query. The gateway holds no orders.
    this.outgoing = [`H|\\^&|||ambulink|||||||P|LIS2-A2|${astmTimestamp(this.io.clock.wallMs())}`, 'L|1|I'];
    this.failedBids = 0;
  }

  private retryLater(delayMs: number, why: string): void {
    if (++this.failedBids > this.options.timers.maxRetries) {
      this.io.log.warn({ why }, 'cannot get the line to answer the analyser; reply given up');
      this.outgoing = undefined;
      this.failedBids = 0;
      return;
    }
    this.bidNotBeforeMs = this.io.clock.monoMs() + delayMs;
    this.considerBid();
  }

  /** Bid for the line when idle, something is waiting and no back-off is running. */
  private considerBid(): void {
    if (this.stopped || this.state !== 'idle' || !this.outgoing || this.bidTimer) return;
    const wait = Math.max(0, this.bidNotBeforeMs - this.io.clock.monoMs());
    this.bidTimer = setTimeout(() => {
      this.bidTimer = undefined;
      if (this.stopped || this.state !== 'idle' || !this.outgoing) return;
      if (this.io.clock.monoMs() < this.bidNotBeforeMs) return this.considerBid();
      this.state = 'bidding';
      this.write(ENQ_BYTE);
      this.armLink(this.options.timers.replyTimeoutMs, () => {
        this.write(EOT_BYTE);
        this.state = 'idle';
        this.retryLater(this.options.timers.busyRetryMs, 'no reply to our ENQ');
      });
    }, wait);
  }

  private armLink(ms: number, onTimeout: () => void): void {
    clearTimeout(this.linkTimer);
    this.linkTimer = setTimeout(() => {
      this.linkTimer = undefined;
      if (!this.stopped) onTimeout();
    }, ms);
  }
}
