// A Dräger ventilator speaking MEDIBUS on a pty: answers ICC, identification, measured data (CP1/CP2), alarms,
// settings, the mode and the realtime configuration; streams the curves it is asked for; echo-checks the gateway.
// The values come from the lung model (settings drive measurements, curves and alarms). To exercise the parts of
// the protocol that make MEDIBUS framing hard, realtime bytes are slipped into the middle of responses and, on
// request, commands are embedded in responses. Tests steer it through the control methods of MedibusSimulator.
import { performance } from 'node:perf_hooks';
import { lungFrom, ventilatorParams } from '../sdk/physiology/ventilator-params.js';
import type { VentMode, VentilatedLung } from '../sdk/physiology/ventilated-lung.js';
import { openSimPort, type SimPort } from '../sdk/sim-port.js';
import { flagParam, numberParam, type RunningSimulator, type SimStartContext, type SimulatorDefinition } from '../sdk/simulator.js';
import { MedibusFramer, type MedibusFrame } from './framer.js';
import { CMD, NAK, encodeCommand, encodeRealtimeRecord, encodeResponse, hex2 } from './protocol.js';

/** cmH2O (the lung model) → mbar = hPa (MEDIBUS). */
const HPA_PER_CMH2O = 0.980665;
const TICK_MS = 50;
const SAMPLE_INTERVAL_US = 20_000;
const SAMPLE_MS = SAMPLE_INTERVAL_US / 1000;

interface OfferedCurve {
  code: number;
  min: number;
  max: number;
  /** The curve's value from the model's sample. */
  pick: (c: { paw: number; flow: number; volume: number; co2: number }) => number;
}

const CURVES: readonly OfferedCurve[] = [
  { code: 0x00, min: -10, max: 100, pick: (c) => c.paw * HPA_PER_CMH2O },
  { code: 0x01, min: -150, max: 150, pick: (c) => c.flow },
  { code: 0x03, min: 0, max: 2000, pick: (c) => c.volume },
  { code: 0x06, min: 0, max: 100, pick: (c) => c.co2 },
];
const MAX_BIN = 0xfff;

/** Alarm codes and phrases of this simulated device (priority 1–31, 31 highest). */
const ALARMS = [
  { key: 'pawHigh', code: 0x10, priority: 14, text: 'PAW HIGH' },
  { key: 'mvLow', code: 0x12, priority: 12, text: 'MIN VOL LOW' },
  { key: 'apnea', code: 0x14, priority: 15, text: 'APNEA' },
  { key: 'disconnection', code: 0x16, priority: 15, text: 'DISCONNECTED' },
] as const;

const MODE_TEXT: Record<VentMode, [number, string]> = {
  'VC-CMV': [0x01, 'Mode IPPV'],
  'PC-CMV': [0x0e, 'Mode BIPAP'],
  SIMV: [0x06, 'Mode SIMV'],
  CPAP: [0x0a, 'Mode CPAP'],
};

function field(value: number, decimals: number, width: number): string {
  const s = value.toFixed(decimals);
  return s.length > width ? s.slice(0, width) : s.padStart(width, ' ');
}

export interface MedibusSimOptions {
  /** Probability per response of a burst of garbage bytes before it. */
  garbage: number;
  /** Probability per response of one corrupted character (its checksum then fails). */
  corrupt: number;
  /** Slip realtime bytes into the middle of responses while curves stream. */
  interleave: boolean;
  /** Every this many seconds, embed a "time changed" command in a response (0: never). */
  embedEveryS: number;
}

export class MedibusSimulator implements RunningSimulator {
  readonly description: string;
  /** Commands received from the gateway, by code (tests look for STOP, NOP, ESC T …). */
  readonly commandsReceived = new Map<number, number>();
  /** Echoes the gateway sent for the commands this device sent. */
  readonly echoesReceived: number[] = [];
  /** Realtime streams the gateway configured (curve codes, in stream order) and enabled (bit mask). */
  streams: number[] = [];
  enabledMask = 0;
  /** Curve codes offered in the realtime configuration (changeRealtimeConfig alters it). */
  offered: number[] = CURVES.map((c) => c.code);
  private initialised = false;
  private readonly framer = new MedibusFramer();
  private timer: NodeJS.Timeout | undefined;
  private lastTickMs = performance.now();
  /** Model time of the curves, and how far real time has been covered by samples sent. */
  private sampleClockMs = 0;
  private sentUntilMs = performance.now();
  private silentUntilMs = 0;
  private nextEmbedMs: number;
  private toEmbed: Buffer[] = [];

  constructor(
    private readonly port: SimPort,
    readonly lung: VentilatedLung,
    private readonly options: MedibusSimOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.description = `${port.description} (MEDIBUS ventilator, ${lung.settings.mode})`;
    this.nextEmbedMs = performance.now() + options.embedEveryS * 1000;
  }

  start(): void {
    this.port.onData((chunk) => this.fromGateway(chunk));
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.port.close();
  }

  // ---- control, for tests and the bench ---------------------------------------------------------------------

  /** Sends a command from the device (e.g. CMD.timeChanged); `embedded` puts it inside the next response. */
  sendCommand(code: number, embedded = false): void {
    const cmd = encodeCommand(code);
    if (embedded) this.toEmbed.push(cmd);
    else this.write(cmd);
  }

  /** The device changes what it offers (e.g. a CO2 sensor unplugged) and tells the gateway with ESC V. */
  changeRealtimeConfig(offered: number[]): void {
    this.offered = offered;
    this.streams = [];
    this.enabledMask = 0;
    this.write(encodeCommand(CMD.realtimeConfigChanged));
  }

  /** Nothing at all from the device for this long (cable pulled, device busy). */
  goSilent(ms: number): void {
    this.silentUntilMs = performance.now() + ms;
  }

  // ---- the device side of the conversation -------------------------------------------------------------------

  private write(bytes: Buffer): void {
    if (performance.now() < this.silentUntilMs) return;
    this.port.write(bytes);
  }

  private fromGateway(chunk: Buffer): void {
    const before = this.framer.stats.checksumErrors;
    this.framer.push(chunk, (frame) => this.onFrame(frame));
    // A command that arrived corrupted is answered with NAK "16", as the protocol says.
    if (this.framer.stats.checksumErrors > before && this.initialised) this.write(encodeResponse(NAK));
  }

  private onFrame(frame: MedibusFrame): void {
    if (performance.now() < this.silentUntilMs) return;
    switch (frame.type) {
      case 'command':
        this.commandsReceived.set(frame.code, (this.commandsReceived.get(frame.code) ?? 0) + 1);
        return this.command(frame.code, frame.args);
      case 'response':
        this.echoesReceived.push(frame.code);
        return;
      case 'sync':
        if (frame.command >= 0xc1 && frame.command <= 0xc3) {
          const shift = (frame.command - 0xc1) * 4;
          this.enabledMask = (this.enabledMask & ~(15 << shift)) | ((frame.arg & 15) << shift);
        }
        return;
      default:
        return;
    }
  }

  private command(code: number, args: string): void {
    if (code === CMD.icc) {
      this.initialised = true;
      this.streams = [];
      this.enabledMask = 0;
      return this.reply(code);
    }
    if (!this.initialised) return; // a device answers nothing before ICC
    switch (code) {
      case CMD.identify:
        return this.reply(code, `8260'EvitaXL (simulated)'07.10:04.03`);
      case CMD.measuredCp1:
        return this.reply(code, this.measuredCp1());
      case CMD.measuredCp2:
        return this.reply(code, this.measuredCp2());
      case CMD.alarmsCp1:
        return this.reply(code, this.alarmItems());
      case CMD.alarmsCp2:
        return this.reply(code);
      case CMD.settings:
        return this.reply(code, this.settingItems());
      case CMD.textMessages: {
        const [msgCode, text] = MODE_TEXT[this.lung.settings.mode];
        return this.reply(code, `${hex2(msgCode)}${String.fromCharCode(0x30 + text.length)}${text}\x03`);
      }
      case CMD.realtimeConfig:
        return this.reply(code, this.realtimeConfig());
      case CMD.configureRealtime: {
        const streams: number[] = [];
        for (let i = 0; i + 4 <= args.length && streams.length < 12; i += 4) streams.push(parseInt(args.slice(i, i + 2), 16));
        this.streams = streams.filter((c) => this.offered.includes(c));
        this.enabledMask = 0;
        return this.reply(code);
      }
      case CMD.stop:
        this.reply(code);
        this.initialised = false;
        this.enabledMask = 0;
        return;
      default:
        return this.reply(code); // NOP and anything else: echoed
    }
  }

  private reply(code: number, data = ''): void {
    let bytes = encodeResponse(code, data);
    if (this.random() < this.options.corrupt && bytes.length > 5) {
      const i = 2 + Math.floor(this.random() * (bytes.length - 5));
      bytes[i] = bytes[i] === 0x30 ? 0x31 : 0x30;
    }
    const middle = Math.floor(bytes.length / 2);
    const inserts: Buffer[] = [];
    if (this.options.interleave && this.enabledMask && this.streams.length) inserts.push(this.nextSamples(1));
    inserts.push(...this.toEmbed.splice(0));
    if (inserts.length) bytes = Buffer.concat([bytes.subarray(0, middle), ...inserts, bytes.subarray(middle)]);
    if (this.random() < this.options.garbage) {
      const junk = Buffer.alloc(1 + Math.floor(this.random() * 30));
      for (let i = 0; i < junk.length; i++) junk[i] = Math.floor(this.random() * 256);
      bytes = Buffer.concat([junk, bytes]);
    }
    this.write(bytes);
  }

  private measuredCp1(): string {
    const m = this.lung.measured();
    const p = this.lung.patient;
    const items: Array<[number, number, number]> = [
      [0x7d, m.ppeak * HPA_PER_CMH2O, 0],
      [0x74, m.pplat * HPA_PER_CMH2O, 0],
      [0x73, m.pmean * HPA_PER_CMH2O, 0],
      [0x78, m.peep * HPA_PER_CMH2O, 0],
      [0x88, m.vte, 0],
      [m.mv < 1 ? 0xb8 : 0xb9, m.mv, m.mv < 1 ? 2 : 1],
      [0xd6, m.rr, 0],
      [0xf0, m.fio2, 0],
      [0x07, p.compliance / HPA_PER_CMH2O, 0],
      [0x08, p.resistance * HPA_PER_CMH2O, 0],
      [0xeb, m.spo2, 0],
      [0xe1, 82, 0],
    ];
    // An absent code means invalid: no exhaled gas, no etCO2.
    if (m.etco2 > 0) items.push([0xe6, m.etco2, 0]);
    if (m.ie > 0) items.push([0xe7, 1, 1], [0xe8, 1 / m.ie, 1]);
    return items.map(([code, value, decimals]) => hex2(code) + field(value, decimals, 4)).join('');
  }

  private measuredCp2(): string {
    const m = this.lung.measured();
    return [
      [0x21, m.vte],
      [0x22, m.vti],
      [0x23, m.pplat * HPA_PER_CMH2O],
    ]
      .map(([code, value]) => hex2(code!) + field(value!, 0, 4))
      .join('');
  }

  private settingItems(): string {
    const s = this.lung.settings;
    const te = 60 / Math.max(1, s.rr) - s.ti;
    const items: Array<[number, number, number]> = [
      [0x01, s.fio2, 0],
      [0x40, s.vt, 0],
      [0x05, s.ti, 2],
      [0x09, s.rr, 1],
      [0x0b, s.peep * HPA_PER_CMH2O, 1],
      [0x45, s.pinsp * HPA_PER_CMH2O, 1],
      [0x07, 1, 1],
      [0x08, te / s.ti, 1],
    ];
    return items.map(([code, value, decimals]) => hex2(code) + field(value, decimals, 5)).join('');
  }

  private alarmItems(): string {
    const state = this.lung.alarms();
    return ALARMS.filter((a) => state[a.key])
      .map((a) => String.fromCharCode(0x30 + a.priority) + hex2(a.code) + a.text.padEnd(12, ' '))
      .join('');
  }

  private realtimeConfig(): string {
    return CURVES.filter((c) => this.offered.includes(c.code))
      .map((c) => hex2(c.code) + String(SAMPLE_INTERVAL_US).padStart(8, ' ') + field(c.min, 0, 5) + field(c.max, 0, 5) + MAX_BIN.toString(16).toUpperCase())
      .join('');
  }

  /** The next `n` realtime records of the enabled streams, advancing the sample clock. */
  private nextSamples(n: number): Buffer {
    const records: Buffer[] = [];
    const mask = this.enabledMask & ((1 << this.streams.length) - 1);
    for (let k = 0; k < n; k++) {
      this.sampleClockMs += SAMPLE_MS;
      this.sentUntilMs += SAMPLE_MS;
      const sample = this.lung.curves(this.sampleClockMs / 1000);
      const values: number[] = [];
      this.streams.forEach((code, i) => {
        if (!(mask & (1 << i))) return;
        const curve = CURVES.find((c) => c.code === code)!;
        const raw = Math.round(((curve.pick(sample) - curve.min) / (curve.max - curve.min)) * MAX_BIN);
        values.push(Math.max(0, Math.min(MAX_BIN, raw)));
      });
      records.push(encodeRealtimeRecord(mask, values));
    }
    return Buffer.concat(records);
  }

  private tick(): void {
    const now = performance.now();
    this.lung.advance((now - this.lastTickMs) / 1000);
    this.lastTickMs = now;
    if (this.options.embedEveryS > 0 && now >= this.nextEmbedMs) {
      this.nextEmbedMs = now + this.options.embedEveryS * 1000;
      this.sendCommand(CMD.timeChanged, true);
    }
    if (!this.initialised || !this.enabledMask || this.streams.length === 0) {
      this.sentUntilMs = now;
      return;
    }
    // The samples due since the last ones sent; after a stall, at most a second's worth (no burst of old curve).
    let due = Math.floor((now - this.sentUntilMs) / SAMPLE_MS);
    if (due > 50) {
      this.sentUntilMs = now - 50 * SAMPLE_MS;
      due = 50;
    }
    if (due > 0) this.write(this.nextSamples(due));
  }
}

export async function startMedibusSimulator(ctx: SimStartContext): Promise<MedibusSimulator> {
  const lung = lungFrom(ctx.params);
  const options: MedibusSimOptions = {
    garbage: numberParam(ctx.params, 'garbage', 0),
    corrupt: numberParam(ctx.params, 'corrupt', 0),
    interleave: !flagParam(ctx.params, 'no-interleave'),
    embedEveryS: numberParam(ctx.params, 'embed-every', 0),
  };
  const port = await openSimPort(ctx.endpoint, ctx.log);
  const sim = new MedibusSimulator(port, lung, options);
  sim.start();
  return sim;
}

export const medibusSimulator: SimulatorDefinition = {
  summary: 'Dräger ventilator (MEDIBUS): measured data, settings, alarms, mode and realtime curves from a lung model',
  endpoints: ['pty', 'tcp-server'],
  params: [
    ...ventilatorParams,
    { name: 'garbage', description: 'probability per response of a burst of random bytes', default: '0' },
    { name: 'corrupt', description: 'probability per response of a corrupted character (bad checksum)', default: '0' },
    { name: 'embed-every', description: 'seconds between "time changed" commands embedded in responses (0: never)', default: '0' },
    { name: 'no-interleave', description: 'never slip realtime bytes into responses', flag: true },
  ],
  start: startMedibusSimulator,
};
