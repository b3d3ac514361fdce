// The MEDIBUS conversation, as the protocol definition lays it out:
//  - ICC (ESC Q) until the device answers (or sends its own ICC); repeated every 3 s while nothing arrives, every 10 s
//    while something arrives but no answer;
//  - then identification (ESC R), the realtime configuration (ESC S → ESC T → enable, re-enabled every 5 s), and a
//    polling cycle: measured data CP1 (and CP2), alarms, settings, text messages (the ventilation mode);
//  - one outstanding command at a time, answered within 10 s; NOP after 2 s without a command; 3 s without a slow
//    message from the device (realtime bytes do not count) means the link is broken: back to ICC;
//  - every command the device sends is echoed (SOH code CS CR), unknown ones too, except those embedded in an ICC
//    response; ESC V (realtime configuration changed) disables the curves and reads the configuration again;
//  - STOP (ESC U) on shutdown, waiting briefly for its echo so the device does not show a communication error.
import type { RxTime } from '../../src/core/clock.js';
import type { DeviceIdentity } from '../../src/schema/index.js';
import type { Session, SessionIo } from '../sdk/driver.js';
import type { CurveName } from './code-tables.js';
import type { MedibusFrame } from './framer.js';
import { CMD, NAK, encodeCommand, encodeRealtimeEnable, encodeResponse } from './protocol.js';
import { configureArgs, parseRealtimeConfig, planStreams, streamMask, type PlannedStream } from './realtime.js';

export interface MedibusSessionOptions {
  readonly pollIntervalMs: number;
  readonly codePage2: boolean;
  readonly curves: readonly CurveName[];
}

const TICK_MS = 100;
const ICC_RETRY_SILENT_MS = 3000;
const ICC_RETRY_BUSY_MS = 10_000;
const LINK_SILENCE_MS = 3000;
const RESPONSE_TIMEOUT_MS = 10_000;
const NOP_IDLE_MS = 2000;
const REALTIME_REENABLE_MS = 5000;
const STOP_WAIT_MS = 1000;
const STALL_MS = 500;

/** Device ids of the MEDIBUS device pages, for devices that send no name. */
const KNOWN_DEVICES = new Map([
  ['8210', 'Evita'],
  ['8240', 'Evita 4'],
  ['8230', 'Evita 2 dura'],
  ['8260', 'EvitaXL'],
  ['8250', 'Savina'],
]);

interface Command {
  code: number;
  args: string;
}

export class MedibusSession implements Session<MedibusFrame> {
  private phase: 'init' | 'ready' | 'stopping' = 'init';
  private timer: NodeJS.Timeout | undefined;
  private lastTickMono = 0;
  private lastIccMono = 0;
  private heardSinceIcc = false;
  private lastHeardMono = 0;
  private outstanding: (Command & { sentMono: number }) | undefined;
  private queue: Command[] = [];
  private nextPollMono = 0;
  private lastSentMono = 0;
  private plan: PlannedStream[] = [];
  private realtimeEnabledMono: number | undefined;
  private stopEchoed: (() => void) | undefined;

  constructor(
    private readonly options: MedibusSessionOptions,
    private readonly io: SessionIo<MedibusFrame>,
  ) {}

  start(): void {
    this.lastTickMono = this.now();
    this.sendIcc();
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  onFrame(frame: MedibusFrame, rx: RxTime): void {
    if (frame.type === 'realtime') return this.io.decode(frame, rx);
    if (frame.type === 'sync') return;
    this.heardSinceIcc = true;
    this.lastHeardMono = rx.monoMs;
    if (frame.type === 'garbled') return this.resendOutstanding();
    if (frame.type === 'command') this.deviceCommand(frame, rx);
    else this.response(frame, rx);
  }

  async stop(): Promise<void> {
    if (this.phase === 'ready') {
      this.phase = 'stopping';
      if (this.plan.length > 0) this.io.write(encodeRealtimeEnable(0));
      this.io.write(encodeCommand(CMD.stop));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, STOP_WAIT_MS);
        this.stopEchoed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.phase = 'stopping';
    clearInterval(this.timer);
  }

  private now(): number {
    return this.io.clock.monoMs();
  }

  private deviceCommand(frame: Extract<MedibusFrame, { type: 'command' }>, rx: RxTime): void {
    if (frame.embeddedIn === CMD.icc) return; // the protocol says: ignore commands inside an ICC response
    // Answer every command, known or not; the answer to ICC is the ICC response, to ESC R an empty identification.
    this.io.write(encodeResponse(frame.code));
    switch (frame.code) {
      case CMD.icc:
        if (this.phase !== 'stopping') this.ready();
        return;
      case CMD.realtimeConfigChanged:
        this.io.decode(frame, rx);
        if (this.plan.length > 0) this.io.write(encodeRealtimeEnable(0));
        this.plan = [];
        this.realtimeEnabledMono = undefined;
        if (this.options.curves.length > 0) this.queue.unshift({ code: CMD.realtimeConfig, args: '' });
        return;
      case CMD.stop:
        if (this.phase === 'ready') {
          this.io.log.warn('the device left the MEDIBUS conversation (STOP); initialising again');
          this.phase = 'init';
          this.sendIcc();
        }
        return;
      default:
        return;
    }
  }

  private response(frame: Extract<MedibusFrame, { type: 'response' }>, rx: RxTime): void {
    const pending = this.outstanding;
    // NAK: the device received our command corrupted. Send it again.
    if (frame.code === NAK) return this.resendOutstanding();
    const answered = pending?.code === frame.code;
    if (answered) this.outstanding = undefined;
    switch (frame.code) {
      case CMD.icc:
        if (this.phase === 'init') this.ready();
        return;
      case CMD.identify:
        this.identify(frame.data);
        return;
      case CMD.realtimeConfig:
        this.io.decode(frame, rx);
        this.plan = planStreams(parseRealtimeConfig(frame.data), this.options.curves);
        if (this.plan.length > 0) this.queue.unshift({ code: CMD.configureRealtime, args: configureArgs(this.plan) });
        return;
      case CMD.configureRealtime:
        if (answered && this.plan.length > 0) this.enableRealtime();
        return;
      case CMD.stop:
        this.stopEchoed?.();
        return;
      case CMD.measuredCp1:
      case CMD.measuredCp2:
      case CMD.alarmsCp1:
      case CMD.alarmsCp2:
      case CMD.settings:
      case CMD.textMessages:
        this.io.decode(frame, rx);
        return;
      default:
        return;
    }
  }

  /** The answer to the outstanding command was lost (NAK, or it arrived garbled): ask again. */
  private resendOutstanding(): void {
    const lost = this.outstanding;
    this.outstanding = undefined;
    if (lost && this.phase === 'ready') this.queue.unshift({ code: lost.code, args: lost.args });
  }

  private ready(): void {
    const now = this.now();
    this.io.log.info('MEDIBUS communication initialised');
    this.phase = 'ready';
    this.lastHeardMono = now;
    this.outstanding = undefined;
    this.plan = [];
    this.realtimeEnabledMono = undefined;
    this.queue = [{ code: CMD.identify, args: '' }];
    if (this.options.curves.length > 0) this.queue.push({ code: CMD.realtimeConfig, args: '' });
    this.nextPollMono = now;
  }

  private pollCycle(): Command[] {
    const codes: number[] = [CMD.measuredCp1];
    if (this.options.codePage2) codes.push(CMD.measuredCp2);
    codes.push(CMD.alarmsCp1);
    if (this.options.codePage2) codes.push(CMD.alarmsCp2);
    codes.push(CMD.settings, CMD.textMessages);
    return codes.map((code) => ({ code, args: '' }));
  }

  private tick(): void {
    const now = this.now();
    // If this process was stalled (GC, an overloaded box), the device's answers are still queued behind this timer:
    // the stall is not the device's silence, so it does not count towards the link and response timeouts.
    const stall = now - this.lastTickMono - TICK_MS;
    this.lastTickMono = now;
    if (stall > STALL_MS) {
      this.lastHeardMono += stall;
      if (this.outstanding) this.outstanding.sentMono += stall;
    }
    if (this.phase === 'stopping') return;
    if (this.phase === 'init') {
      if (now - this.lastIccMono >= (this.heardSinceIcc ? ICC_RETRY_BUSY_MS : ICC_RETRY_SILENT_MS)) this.sendIcc();
      return;
    }
    if (now - this.lastHeardMono > LINK_SILENCE_MS) {
      this.io.log.warn({ silentMs: Math.round(now - this.lastHeardMono) }, 'MEDIBUS device silent; initialising again');
      this.phase = 'init';
      this.plan = [];
      this.realtimeEnabledMono = undefined;
      this.sendIcc();
      return;
    }
    if (this.outstanding && now - this.outstanding.sentMono > RESPONSE_TIMEOUT_MS) {
      this.io.log.warn({ command: this.outstanding.code }, 'MEDIBUS command not answered within 10 s');
      this.outstanding = undefined;
    }
    if (this.realtimeEnabledMono !== undefined && now - this.realtimeEnabledMono >= REALTIME_REENABLE_MS) this.enableRealtime();
    if (this.outstanding) return;
    if (this.queue.length === 0 && now >= this.nextPollMono) {
      this.queue = this.pollCycle();
      this.nextPollMono = now + this.options.pollIntervalMs;
    }
    const next = this.queue.shift();
    if (next) this.send(next, now);
    else if (now - this.lastSentMono >= NOP_IDLE_MS) this.send({ code: CMD.nop, args: '' }, now);
  }

  private send(command: Command, now: number): void {
    this.io.write(encodeCommand(command.code, command.args));
    this.outstanding = { ...command, sentMono: now };
    this.lastSentMono = now;
  }

  private sendIcc(): void {
    this.io.write(encodeCommand(CMD.icc));
    this.lastIccMono = this.now();
    this.heardSinceIcc = false;
    this.outstanding = undefined;
  }

  private enableRealtime(): void {
    this.io.write(encodeRealtimeEnable(streamMask(this.plan)));
    this.realtimeEnabledMono = this.now();
  }

  /** ID response: 4-character device id, name in apostrophes, revision "DD.DD:MM.MM" (device : MEDIBUS). */
  private identify(data: string): void {
    const m = /^(.{4})'([^']{0,32})'(.*)$/s.exec(data);
    if (!m) return;
    const [, id, name, revision] = m as unknown as [string, string, string, string];
    const [device, medibus] = revision.trim().split(':');
    const identity: DeviceIdentity = { manufacturer: 'Dräger', model: name.trim() || KNOWN_DEVICES.get(id) || `MEDIBUS device ${id}` };
    if (device) identity.firmware = device;
    identity.protocol = medibus ? `MEDIBUS ${medibus}` : 'MEDIBUS';
    this.io.setIdentity(identity);
  }
}
