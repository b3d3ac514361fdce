// The S/5 conversation: the monitor sends nothing until asked. On attach the gateway requests displayed values
// (basic plus the configured extended classes) at the configured interval, the configured waveforms, the alarm status
// once, and then alarm status in differential mode. Differential mode sends a status when the displayed alarms change
// (at least 2 s apart), and nothing promises one on entering it: the status asked for once is what tells a gateway
// that has just (re)started which alarms are displayed now, and so which are no longer. A monitor that stays silent is asked again once, then the link is given up (the supervisor
// reopens it with backoff, and the requests go out again). On stop the gateway asks the monitor to stop sending.
import type { RxTime } from '../../src/core/clock.js';
import type { Session, SessionIo } from '../sdk/driver.js';
import { encodeFrame } from './framer.js';
import {
  ALARM_DIFF_OFF,
  ALARM_DIFF_ON,
  ALARM_STATUS_ONCE,
  CLASS_BIT,
  SR_PHDB_DISPLAYED,
  WAVE_START,
  WAVE_STOP,
  alarmRequest,
  phdbRequest,
  waveRequest,
} from './record.js';
import { SAMPLES_PER_S_LIMIT_19200, waveByName } from './waves.js';

export interface GeS5SessionOptions {
  intervalS: number;
  classes: ReadonlyArray<keyof typeof CLASS_BIT>;
  waves: readonly string[];
  alarms: boolean;
  driLevel: number;
}

/** Silence allowed before asking again: three displayed-values intervals, and never under 15 s. */
export function silenceLimitMs(intervalS: number): number {
  return Math.max(15_000, 3 * intervalS * 1000);
}

export class GeS5Session implements Session<Buffer> {
  private timer: NodeJS.Timeout | undefined;
  private lastFrameMono = 0;
  private askedAgain = false;
  private identified = false;

  constructor(
    private readonly options: GeS5SessionOptions,
    private readonly io: SessionIo<Buffer>,
  ) {}

  start(): void {
    const waves = this.options.waves.map((w) => waveByName(w)!);
    const rate = waves.reduce((n, w) => n + w.rate, 0);
    if (rate > SAMPLES_PER_S_LIMIT_19200) {
      this.io.log.info(
        { samplesPerS: rate },
        'waveforms exceed 600 samples/s: the monitor sends them only at 115200 bit/s (CARESCAPE SW3 or later)',
      );
    }
    this.lastFrameMono = this.io.clock.monoMs();
    this.request();
    this.timer = setInterval(() => this.watch(), 1000);
    this.timer.unref();
  }

  onFrame(frame: Buffer, rx: RxTime): void {
    this.lastFrameMono = rx.monoMs;
    this.askedAgain = false;
    if (!this.identified) {
      this.identified = true;
      this.io.setIdentity({ manufacturer: 'GE Healthcare (Datex-Ohmeda)', protocol: `S/5 Computer Interface, DRI level ${frame[3]}` });
    }
    this.io.decode(frame, rx);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    const { driLevel } = this.options;
    this.send(phdbRequest(SR_PHDB_DISPLAYED, 0, 0, driLevel));
    if (this.options.waves.length > 0) this.send(waveRequest(WAVE_STOP, [], driLevel));
    if (this.options.alarms) this.send(alarmRequest(ALARM_DIFF_OFF, driLevel));
  }

  private request(): void {
    const { intervalS, classes, waves, alarms, driLevel } = this.options;
    const classBits = classes.reduce((bits, c) => bits | CLASS_BIT[c], 0);
    this.send(phdbRequest(SR_PHDB_DISPLAYED, intervalS, classBits, driLevel));
    if (waves.length > 0) this.send(waveRequest(WAVE_START, waves.map((w) => waveByName(w)!.id), driLevel));
    if (alarms) {
      this.send(alarmRequest(ALARM_STATUS_ONCE, driLevel));
      this.send(alarmRequest(ALARM_DIFF_ON, driLevel));
    }
  }

  private watch(): void {
    const silentMs = this.io.clock.monoMs() - this.lastFrameMono;
    const limit = silenceLimitMs(this.options.intervalS);
    if (silentMs <= limit) return;
    if (!this.askedAgain) {
      // A monitor that was switched off and on (or replugged) has forgotten the requests: ask again once.
      this.io.log.warn({ silentMs: Math.round(silentMs) }, 'monitor silent; sending the requests again');
      this.askedAgain = true;
      this.lastFrameMono = this.io.clock.monoMs();
      this.request();
      return;
    }
    this.io.fail(`no data from the monitor for ${Math.round(limit / 1000)} s after asking again`);
  }

  private send(record: Buffer): void {
    this.io.write(encodeFrame(record));
  }
}
