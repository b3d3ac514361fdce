// The Data Export conversation, the same over LAN and MIB: associate (request → accept), answer the monitor's MDS
// Create event (it polls nothing before that), ask for the waves wanted (SET of the RTSA priority list), then keep
// extended periodic polls running for numerics, waves and alarms, poll demographics now and then, keep the
// association alive, and release it on the way out. A silent monitor, a refusal or an abort drops the link; the
// supervisor reconnects and a new association starts.
import type { RxTime } from '../../src/core/clock.js';
import type { Session, SessionIo } from '../sdk/driver.js';
import { ABORT, associationRequest, readPollProfile, RELEASE_REQUEST, RELEASE_RESPONSE } from './association.js';
import { readMdsAttributes } from './attributes.js';
import { extendedPollRequest, mdsCreateResult, newPduHeader, pollRequest, readPduHeader, setWaveListRequest } from './messages.js';
import { CMD, EVENT, MOC, RO, SPDU, TICKS_PER_MS, WAVES, type WaveName } from './nomenclature.js';
import type { DemographicsMode } from './decoder.js';

export interface IntellivueSessionOptions {
  waves: readonly WaveName[];
  alarms: boolean;
  demographics: DemographicsMode;
  /** How long each extended periodic poll runs before it is renewed. */
  pollWindowS: number;
  keepAliveMs: number;
  silenceTimeoutMs: number;
  associationTimeoutMs: number;
}

/** Wraps a Data Export message for the link: as is for UDP, in a MIB frame for RS-232. */
export type Encode = (message: Buffer) => Buffer;

type State = 'associating' | 'awaiting-mds' | 'polling' | 'releasing' | 'closed';

const ASSOCIATION_ATTEMPTS = 3;
const DEMOGRAPHICS_EVERY_MS = 60_000;
const RELEASE_WAIT_MS = 1000;
const TICK_MS = 200;

export class IntellivueSession implements Session<Buffer> {
  private state: State = 'associating';
  private readonly h = newPduHeader();
  private timer: NodeJS.Timeout | undefined;
  private startedMono = 0;
  private stateSinceMono = 0;
  private lastRxMono = 0;
  private lastTxMono = 0;
  private lastRenewMono = 0;
  private lastDemographicsMono = 0;
  private attempts = 0;
  private invokeId = 0;
  private pollNumber = 0;
  private released: (() => void) | undefined;
  private readonly refusals = new Set<number>();

  constructor(
    private readonly options: IntellivueSessionOptions,
    private readonly io: SessionIo<Buffer>,
    private readonly encode: Encode,
    private readonly protocol: string,
  ) {}

  start(): void {
    this.startedMono = this.now();
    this.lastRxMono = this.startedMono;
    this.requestAssociation();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  onFrame(frame: Buffer, rx: RxTime): void {
    if (this.state === 'closed') return;
    this.lastRxMono = this.now();
    switch (frame[0]) {
      case SPDU.AC:
        return this.accepted(frame);
      case SPDU.RF:
        return this.fail('the monitor refused the association (is Data Export enabled on this port?)');
      case SPDU.AB:
        return this.fail('the monitor aborted the association');
      case SPDU.FN:
        this.send(RELEASE_RESPONSE);
        return this.fail('the monitor released the association');
      case SPDU.DN:
        this.released?.();
        return;
    }
    const h = this.h;
    if (!readPduHeader(frame, h)) return;
    if (h.roType === RO.INVOKE && h.command === CMD.CONFIRMED_EVENT_REPORT && frame.length >= h.body + 12 && frame.readUInt16BE(h.body + 10) === EVENT.MDS_CREATE) {
      this.mdsCreated(frame, rx, h.body, h.end, h.invokeId);
    } else if (h.roType === RO.ERROR) {
      // A refused request (a wave this monitor does not have, say) costs that request only. Warned once per kind of
      // error, so a monitor that refuses every keep-alive does not flood the journal.
      const first = !this.refusals.has(h.command);
      this.refusals.add(h.command);
      this.io.log[first ? 'warn' : 'debug']({ invokeId: h.invokeId, error: h.command }, 'the monitor refused a request');
      return;
    } else if (h.roType === RO.RESULT && h.command === CMD.CONFIRMED_SET) {
      this.io.log.debug('the monitor accepted the wave list');
      return;
    }
    this.io.decode(frame, rx);
  }

  async stop(): Promise<void> {
    const was = this.state;
    this.close();
    if (was === 'awaiting-mds' || was === 'polling') {
      // An orderly goodbye frees the monitor's export slot at once instead of after its idle timeout.
      const answered = new Promise<void>((resolve) => (this.released = resolve));
      this.state = 'releasing';
      this.send(RELEASE_REQUEST);
      let timeout: NodeJS.Timeout | undefined;
      await Promise.race([answered, new Promise<void>((resolve) => (timeout = setTimeout(resolve, RELEASE_WAIT_MS)))]);
      clearTimeout(timeout);
      this.state = 'closed';
    }
  }

  private requestAssociation(): void {
    this.attempts++;
    this.setState('associating');
    this.send(associationRequest());
  }

  private accepted(frame: Buffer): void {
    if (this.state !== 'associating') return;
    const profile = readPollProfile(frame);
    this.io.log.debug({ profile }, 'association accepted');
    this.setState('awaiting-mds');
  }

  private mdsCreated(frame: Buffer, rx: RxTime, body: number, end: number, invokeId: number): void {
    this.send(mdsCreateResult(invokeId, this.relativeTime()));
    try {
      const mds = readMdsAttributes(frame, body + 14 + 6, end, this.protocol);
      this.io.setIdentity(mds.identity);
      this.io.log.info({ model: mds.identity.model, serial: mds.identity.serial, bed: mds.bedLabel, demoMode: mds.demoMode }, 'associated with the monitor');
    } catch (err) {
      this.io.log.warn({ err: (err as Error).message }, 'unreadable MDS Create event; polling anyway');
    }
    this.io.decode(frame, rx); // the decoder stamps the identity on its records
    // An MDS Create while still waiting for the accept means the accept datagram was lost: the association stands.
    // One while polling means the monitor started a new association context: the wave list and polls start over.
    if (this.state !== 'releasing') this.startPolling();
  }

  private startPolling(): void {
    this.setState('polling');
    if (this.options.waves.length > 0) {
      this.send(setWaveListRequest(this.nextInvoke(), this.options.waves.map((w) => WAVES[w].label)));
    }
    this.renewPolls();
    if (this.options.demographics !== 'off') this.pollDemographics();
  }

  /** (Re)starts the extended periodic polls; a newer poll of a class replaces the running one on the monitor. */
  private renewPolls(): void {
    this.lastRenewMono = this.now();
    const period = this.options.pollWindowS * 1000 * TICKS_PER_MS;
    this.send(extendedPollRequest(this.nextInvoke(), MOC.NUMERIC, this.nextPoll(), period));
    if (this.options.waves.length > 0) this.send(extendedPollRequest(this.nextInvoke(), MOC.WAVE, this.nextPoll(), period));
    if (this.options.alarms) this.send(extendedPollRequest(this.nextInvoke(), MOC.ALERT_MONITOR, this.nextPoll(), period));
  }

  private pollDemographics(): void {
    this.lastDemographicsMono = this.now();
    this.send(pollRequest(this.nextInvoke(), MOC.PATIENT, this.nextPoll()));
  }

  private tick(): void {
    const now = this.now();
    switch (this.state) {
      case 'associating':
      case 'awaiting-mds':
        if (now - this.stateSinceMono < this.options.associationTimeoutMs) return;
        if (this.state === 'awaiting-mds') return this.fail('the monitor accepted the association but never announced itself (MDS Create)');
        if (this.attempts >= ASSOCIATION_ATTEMPTS) {
          return this.fail(`no answer to ${ASSOCIATION_ATTEMPTS} association requests (is Data Export enabled on this port?)`);
        }
        return this.requestAssociation();
      case 'polling': {
        if (now - this.lastRxMono > this.options.silenceTimeoutMs) {
          // Tell the monitor too, in case only its replies are lost: it frees the association at once.
          this.send(ABORT);
          return this.fail(`the monitor has been silent for ${Math.round((now - this.lastRxMono) / 1000)} s`);
        }
        const window = this.options.pollWindowS * 1000;
        if (now - this.lastRenewMono >= window - Math.min(5000, window / 5)) this.renewPolls();
        if (this.options.demographics !== 'off' && now - this.lastDemographicsMono >= DEMOGRAPHICS_EVERY_MS) this.pollDemographics();
        // Keep-alive: the monitor drops an association it has not heard from; a poll of the MDS is the cheapest word.
        if (now - this.lastTxMono >= this.options.keepAliveMs) this.send(pollRequest(this.nextInvoke(), MOC.MDS, this.nextPoll()));
        return;
      }
      default:
        return;
    }
  }

  private send(message: Buffer): void {
    this.lastTxMono = this.now();
    this.io.write(this.encode(message));
  }

  private setState(state: State): void {
    this.state = state;
    this.stateSinceMono = this.now();
  }

  private fail(reason: string): void {
    this.close();
    this.io.fail(reason);
  }

  private close(): void {
    this.state = 'closed';
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private now(): number {
    return this.io.clock.monoMs();
  }

  /** Our relative time for the MDS Create result: 1/8 ms ticks since the session started. */
  private relativeTime(): number {
    return Math.round((this.now() - this.startedMono) * TICKS_PER_MS) >>> 0;
  }

  private nextInvoke(): number {
    this.invokeId = (this.invokeId + 1) & 0xffff;
    return this.invokeId;
  }

  private nextPoll(): number {
    this.pollNumber = (this.pollNumber + 1) & 0xffff;
    return this.pollNumber;
  }
}
