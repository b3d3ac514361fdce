// The monitor's side of Data Export, independent of the wire: accepts (or refuses) associations, announces its MDS,
// answers single and extended polls of numerics, waves, alarms, demographics and the MDS, applies the wave list SET,
// keeps periodic polls running (numerics and alarms each second, waves every 256 ms with every sample due), and
// drops an association it has not heard from. Faults at the protocol level: abort or stall after a while.
import type { Logger } from '../../../src/core/logger.js';
import { ABORT, associationAccept, readPollProfile, REFUSE, RELEASE_RESPONSE, type PollProfile } from '../association.js';
import { encodeFloat } from '../float-type.js';
import {
  errorResult,
  mdsCreateEvent,
  newPduHeader,
  pollResult,
  POLL_RESULT_OVERHEAD,
  readPduHeader,
  REMOTE_ERROR,
  setResult,
  writeAttributeList,
  type AttributeListWriter,
  type Observation,
  type PollReply,
} from '../messages.js';
import {
  ACTION,
  ALERT_TYPE,
  ATTR,
  CMD,
  COMPONENT_PRODUCT,
  DEV_MON_PHYSIO_MULTI_PARAM_MDS,
  LINKED,
  MDS_STATUS,
  MDSE_USER_INFO,
  MODE_OP,
  MOC,
  MSMT,
  PARTITION,
  POLL_PROFILE,
  PROD_SPEC,
  RO,
  SA_EXT_VAL_RANGE,
  SPDU,
  TICKS_PER_MS,
  WAVES,
  WAVE_NAMES,
  type WaveName,
} from '../nomenclature.js';
import { Writer, writeAbsoluteTime, writeLabel, writeString, type AbsoluteTime } from '../wire.js';
import { seededRandom } from '../../sdk/seeded-random.js';
import { P, Patient, U, type Scenario } from './physiology.js';

export interface MonitorConfig {
  scenario: Scenario;
  seed: number;
  model: string;
  serial: string;
  bedLabel: string;
  /** Mark everything as demo data, as a monitor in demo mode does. */
  demoData: boolean;
  /** Largest message sent; replies beyond it are split into linked results. Default: what the client asked for. */
  mtu?: number;
  /** An association not heard from for this long is aborted. */
  idleTimeoutMs: number;
  refuse: boolean;
  /** Abort each association this long after it started (a flaky monitor). */
  abortAfterMs?: number;
  /** Fall silent this long after an association started, until the next association request. */
  stallAfterMs?: number;
  /** Where the monitor's relative clock starts (1/8 ms ticks), e.g. just before its 32-bit wrap. */
  relStart: number;
  /** How far the monitor's absolute (hand-set, zoneless) clock is from true time, in ms. */
  clockOffsetMs?: number;
}

interface WaveSpec {
  rate: number;
  lowAbs: number;
  highAbs: number;
  lowScaled: number;
  highScaled: number;
  label: string;
}

/** Scaling of each wave: 12 significant bits of 16, 0..4000 spanning the physical range. */
const WAVE_SPECS: Record<WaveName, WaveSpec> = {
  'ecg-i': { rate: 500, lowAbs: -10, highAbs: 10, lowScaled: 0, highScaled: 4000, label: 'I' },
  'ecg-ii': { rate: 500, lowAbs: -10, highAbs: 10, lowScaled: 0, highScaled: 4000, label: 'II' },
  'ecg-iii': { rate: 500, lowAbs: -10, highAbs: 10, lowScaled: 0, highScaled: 4000, label: 'III' },
  pleth: { rate: 125, lowAbs: 0, highAbs: 100, lowScaled: 0, highScaled: 4000, label: 'Pleth' },
  abp: { rate: 125, lowAbs: -40, highAbs: 360, lowScaled: 0, highScaled: 4000, label: 'ABP' },
  art: { rate: 125, lowAbs: -40, highAbs: 360, lowScaled: 0, highScaled: 4000, label: 'ART' },
  cvp: { rate: 125, lowAbs: -40, highAbs: 360, lowScaled: 0, highScaled: 4000, label: 'CVP' },
  co2: { rate: 62.5, lowAbs: 0, highAbs: 100, lowScaled: 0, highScaled: 4000, label: 'CO2' },
  resp: { rate: 62.5, lowAbs: -2, highAbs: 2, lowScaled: 0, highScaled: 4000, label: 'Resp' },
  awp: { rate: 62.5, lowAbs: -20, highAbs: 100, lowScaled: 0, highScaled: 4000, label: 'AWP' },
  flow: { rate: 62.5, lowAbs: -150, highAbs: 150, lowScaled: 0, highScaled: 4000, label: 'Flow' },
};
/** The QRS marker the monitor sets above the significant bits at an R wave: receivers must mask it away. */
const QRS_MARKER = 0x4000;

const NUMERIC_LABELS = new Map<number, string>([
  [P.HR, 'HR'],
  [P.PULSE, 'Pulse'],
  [P.SPO2, 'SpO2'],
  [P.PERF, 'Perf'],
  [P.RR, 'RR'],
  [P.AWRR, 'awRR'],
  [P.ETCO2, 'etCO2'],
  [P.IMCO2, 'imCO2'],
  [P.TEMP, 'Temp'],
  [P.ST_I, 'ST-I'],
  [P.ST_II, 'ST-II'],
  [P.ST_III, 'ST-III'],
  [P.ST_AVF, 'ST-aVF'],
]);

const HANDLE = { NUMERIC: 0x0100, NBP: 0x01f0, ABP: 0x01f1, WAVE: 0x0200, ALERT_MONITOR: 0x0300, PATIENT: 0x0400, MDS: 0x0001 };
const WAVE_EVERY_MS = 256;
const NUMERIC_EVERY_MS = 1000;
const TICK_MS = 32;
/** Every how many updates of a periodic poll the static attributes are repeated. */
const STATIC_EVERY = 16;
const SERVER_PROFILE: PollProfile = {
  systemType: MDSE_USER_INFO.SYSTEM_TYPE_SERVER,
  minPollPeriod: 125 * TICKS_PER_MS,
  maxMtuRx: 1000,
  maxMtuTx: 1456,
  extOptions: (POLL_PROFILE.EXT_PERIOD_NU_1SEC | POLL_PROFILE.EXT_PERIOD_RTSA) >>> 0,
};

/** A running extended periodic poll. */
interface PeriodicPoll {
  invokeId: number;
  pollNumber: number;
  objectClass: number;
  sequence: number;
  linkedCount: number;
  untilMs: number;
  nextMs: number;
  everyMs: number;
}

type State = 'idle' | 'awaiting-mds-result' | 'associated' | 'stalled';

export class SimulatedMonitor {
  private state: State = 'idle';
  private readonly h = newPduHeader();
  private readonly random: () => number;
  private readonly patient: Patient;
  private readonly t0: number;
  private timer: NodeJS.Timeout | undefined;
  private associatedAtMs = 0;
  private lastHeardMs = 0;
  private mtu = 1456;
  private invokeId = 0;
  private readonly periodic = new Map<number, PeriodicPoll>();
  /** Waves the client asked for (the RTSA priority list), in its order. */
  private waves: WaveName[] = [];
  /** Wave streaming: when it started, and how many samples of each wave went out since. */
  private waveStartMs = -1;
  private readonly samplesSent = new Map<WaveName, number>();
  /** Counters for tests and the bench. */
  readonly counts = { associations: 0, released: 0, aborted: 0, messagesOut: 0, wavesSamplesOut: 0 };

  constructor(
    private readonly cfg: MonitorConfig,
    private readonly transmit: (message: Buffer) => void,
    private readonly log: Logger,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.random = seededRandom(cfg.seed);
    this.patient = new Patient(cfg.scenario, this.random);
    this.t0 = this.clock();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  get associated(): boolean {
    return this.state === 'associated';
  }

  /** One whole message from the client. */
  receive(msg: Buffer): void {
    const now = this.clock();
    if (msg[0] === SPDU.CN) return this.associationRequested(msg, now);
    if (this.state === 'stalled' || this.state === 'idle') return;
    this.lastHeardMs = now;
    switch (msg[0]) {
      case SPDU.FN:
        this.send(RELEASE_RESPONSE);
        this.counts.released++;
        return this.reset('released by the client');
      case SPDU.AB:
        return this.reset('aborted by the client');
    }
    const h = this.h;
    if (!readPduHeader(msg, h)) return;
    if (h.roType === RO.RESULT && h.command === CMD.CONFIRMED_EVENT_REPORT) {
      if (this.state === 'awaiting-mds-result') {
        this.state = 'associated';
        this.log.info({ associations: this.counts.associations }, 'intellivue simulator: client associated');
      }
      return;
    }
    if (h.roType !== RO.INVOKE || this.state !== 'associated') return;
    try {
      if (h.command === CMD.CONFIRMED_ACTION) this.action(msg, h.body, h.end, h.invokeId, now);
      else if (h.command === CMD.CONFIRMED_SET || h.command === CMD.SET) this.set(msg, h.body, h.end, h.invokeId, h.command === CMD.CONFIRMED_SET);
      else this.send(errorResult(h.invokeId, REMOTE_ERROR.NO_SUCH_ACTION));
    } catch {
      this.send(errorResult(h.invokeId, REMOTE_ERROR.INVALID_ARGUMENT));
    }
  }

  private associationRequested(msg: Buffer, now: number): void {
    const profile = readPollProfile(msg);
    if (this.cfg.refuse || !profile) {
      this.send(REFUSE);
      return;
    }
    this.reset();
    this.counts.associations++;
    this.mtu = Math.max(256, Math.min(profile.maxMtuRx, this.cfg.mtu ?? profile.maxMtuRx));
    this.associatedAtMs = now;
    this.lastHeardMs = now;
    this.state = 'awaiting-mds-result';
    this.send(associationAccept(SERVER_PROFILE));
    this.send(mdsCreateEvent(this.nextInvoke(), this.relAt(now), (list) => this.mdsAttributes(list, now)));
  }

  private reset(why?: string): void {
    if (why) this.log.info(`intellivue simulator: association ended (${why})`);
    this.state = 'idle';
    this.periodic.clear();
    this.waves = [];
    this.waveStartMs = -1;
    this.samplesSent.clear();
  }

  private action(msg: Buffer, body: number, end: number, invokeId: number, now: number): void {
    const action = msg.readUInt16BE(body + 10);
    if (action !== ACTION.POLL && action !== ACTION.POLL_EXT) return this.send(errorResult(invokeId, REMOTE_ERROR.NO_SUCH_ACTION));
    const args = body + 14;
    const pollNumber = msg.readUInt16BE(args);
    const objectClass = msg.readUInt16BE(args + 4);
    if (![MOC.NUMERIC, MOC.WAVE, MOC.ALERT_MONITOR, MOC.PATIENT, MOC.MDS].includes(objectClass as never)) {
      return this.send(errorResult(invokeId, REMOTE_ERROR.INVALID_ARGUMENT));
    }
    let periodTicks = 0;
    if (action === ACTION.POLL_EXT && args + 12 <= end) {
      const count = msg.readUInt16BE(args + 8);
      let p = args + 12;
      for (let i = 0; i < count && p + 4 <= end; i++) {
        const id = msg.readUInt16BE(p);
        const n = msg.readUInt16BE(p + 2);
        if (id === ATTR.TIME_PD_POLL && n === 4) periodTicks = msg.readUInt32BE(p + 4);
        p += 4 + n;
      }
    }
    const reply: PollReply = {
      invokeId,
      extended: action === ACTION.POLL_EXT,
      pollNumber,
      sequenceNo: 0,
      relTime: this.relAt(now),
      absTime: this.absoluteNow(),
      objectClass,
    };
    if (periodTicks === 0 || objectClass === MOC.PATIENT || objectClass === MOC.MDS) {
      return this.sendReply(reply, this.observations(objectClass, now, true), false);
    }
    // Extended periodic poll: a newer poll of the same class replaces the running one.
    const every = objectClass === MOC.WAVE ? WAVE_EVERY_MS : NUMERIC_EVERY_MS;
    const poll: PeriodicPoll = { invokeId, pollNumber, objectClass, sequence: 0, linkedCount: 0, untilMs: now + periodTicks / TICKS_PER_MS, nextMs: now + every, everyMs: every };
    this.periodic.set(objectClass, poll);
    if (objectClass === MOC.WAVE && this.waveStartMs < 0) this.waveStartMs = now;
    this.periodicReply(poll, now, true);
  }

  private set(msg: Buffer, body: number, end: number, invokeId: number, confirmed: boolean): void {
    const count = msg.readUInt16BE(body + 10);
    let p = body + 14;
    for (let i = 0; i < count && p + 6 <= end; i++) {
      const id = msg.readUInt16BE(p + 2);
      const n = msg.readUInt16BE(p + 4);
      const v = p + 6;
      p = v + n;
      if (id !== ATTR.POLL_RTSA_PRIO_LIST) continue;
      const labels: number[] = [];
      const k = msg.readUInt16BE(v);
      for (let j = 0; j < k && v + 4 + 4 * j + 4 <= p; j++) labels.push(msg.readUInt32BE(v + 4 + 4 * j));
      const known = WAVE_NAMES.filter((w) => labels.includes(WAVES[w].label));
      if (known.length === 0) return this.send(errorResult(invokeId, REMOTE_ERROR.INVALID_ARGUMENT));
      this.waves = labels.map((l) => WAVE_NAMES.find((w) => WAVES[w].label === l)).filter((w): w is WaveName => w !== undefined);
      for (const w of this.waves) if (!this.samplesSent.has(w)) this.samplesSent.set(w, this.waveStartMs < 0 ? 0 : this.dueSamples(w, this.clock()));
      if (confirmed) {
        this.send(
          setResult(invokeId, (list) =>
            list.attr(ATTR.POLL_RTSA_PRIO_LIST, (w) => {
              w.u16(this.waves.length).u16(this.waves.length * 4);
              for (const wave of this.waves) w.u32(WAVES[wave].label);
            }),
          ),
        );
      }
      return;
    }
    this.send(errorResult(invokeId, REMOTE_ERROR.INVALID_ARGUMENT));
  }

  /** Runs the clock-driven part (timeouts, faults, periodic replies); the timer calls it every TICK_MS. */
  tick(): void {
    const now = this.clock();
    if (this.state === 'idle' || this.state === 'stalled') return;
    const sinceStart = now - this.associatedAtMs;
    if (this.cfg.stallAfterMs !== undefined && sinceStart >= this.cfg.stallAfterMs) {
      this.log.info('intellivue simulator: stalling (fault injection)');
      this.reset();
      this.state = 'stalled';
      return;
    }
    if (this.cfg.abortAfterMs !== undefined && sinceStart >= this.cfg.abortAfterMs) {
      this.send(ABORT);
      this.counts.aborted++;
      return this.reset('aborted (fault injection)');
    }
    if (now - this.lastHeardMs > this.cfg.idleTimeoutMs) {
      this.send(ABORT);
      this.counts.aborted++;
      return this.reset('the client went quiet');
    }
    if (this.state !== 'associated') return;
    this.patient.advance((now - this.t0) / 1000);
    for (const poll of this.periodic.values()) {
      if (now < poll.nextMs) continue;
      poll.nextMs += poll.everyMs;
      if (poll.nextMs < now) poll.nextMs = now + poll.everyMs; // fell behind (a stalled event loop): do not burst
      const last = now >= poll.untilMs;
      this.periodicReply(poll, now, false, last);
      if (last) this.periodic.delete(poll.objectClass);
    }
  }

  /** One update of a periodic poll: a linked result, or the closing plain result at the end of its period. */
  private periodicReply(poll: PeriodicPoll, now: number, first: boolean, last = false): void {
    const reply: PollReply = {
      invokeId: poll.invokeId,
      extended: true,
      pollNumber: poll.pollNumber,
      sequenceNo: poll.sequence++ & 0xffff,
      relTime: this.relAt(now),
      absTime: this.absoluteNow(),
      objectClass: poll.objectClass,
    };
    if (!last) reply.linked = { state: first ? LINKED.FIRST : LINKED.MIDDLE, count: (poll.linkedCount = (poll.linkedCount + 1) & 0xff) };
    // Labels and wave specifications come with the first update and again now and then, so that a listener that
    // joins late (or a capture cut mid-poll) learns them within seconds.
    const withStatic = first || reply.sequenceNo % STATIC_EVERY === 0;
    this.sendReply(reply, this.observations(poll.objectClass, now, withStatic), true);
  }

  /** Sends a reply, split into linked results where it would exceed the MTU. */
  private sendReply(reply: PollReply, observations: Observation[], periodic: boolean): void {
    const parts: Observation[][] = [[]];
    let size = POLL_RESULT_OVERHEAD;
    for (const o of observations) {
      const n = 2 + o.attributes.length;
      if (size + n > this.mtu && parts[parts.length - 1]!.length > 0) {
        parts.push([]);
        size = POLL_RESULT_OVERHEAD;
      }
      parts[parts.length - 1]!.push(o);
      size += n;
    }
    if (parts.length === 1) return this.send(pollResult(reply, observations));
    parts.forEach((part, i) => {
      const state = periodic ? (reply.linked?.state ?? LINKED.LAST) : i === 0 ? LINKED.FIRST : i === parts.length - 1 ? LINKED.LAST : LINKED.MIDDLE;
      this.send(pollResult({ ...reply, linked: { state, count: (reply.linked?.count ?? 0) + i + 1 } }, part));
    });
  }

  private observations(objectClass: number, now: number, withStatic: boolean): Observation[] {
    switch (objectClass) {
      case MOC.NUMERIC:
        return this.numerics(withStatic);
      case MOC.WAVE:
        return this.waveObservations(now, withStatic);
      case MOC.ALERT_MONITOR:
        return [this.alertMonitor()];
      case MOC.PATIENT:
        return [observation(HANDLE.PATIENT, (list) => this.patientAttributes(list))];
      default:
        return [observation(HANDLE.MDS, (list) => this.mdsAttributes(list, now))];
    }
  }

  private get dataState(): number {
    return this.cfg.demoData ? MSMT.DEMO_DATA : 0;
  }

  private numerics(withLabels: boolean): Observation[] {
    const out = this.patient.numerics().map((n, i) =>
      observation(HANDLE.NUMERIC + i, (list) => {
        list.attr(ATTR.NU_VAL_OBS, (w) => {
          w.u16(n.physio).u16(n.state | this.dataState).u16(n.unit);
          w.u32(n.state & MSMT.INVALID ? 0x007fffff : encodeFloat(n.value, n.decimals));
        });
        if (withLabels) list.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, NUMERIC_LABELS.get(n.physio) ?? ''));
      }),
    );
    const nbp = this.patient.nbp;
    out.push(
      observation(HANDLE.NBP, (list) => {
        list.attr(ATTR.NU_CMPD_VAL_OBS, (w) => {
          w.u16(3).u16(30);
          for (const [physio, v] of [[P.NBP + 1, nbp.sys], [P.NBP + 2, nbp.dia], [P.NBP + 3, nbp.mean]] as const) {
            w.u16(physio).u16(this.dataState).u16(U.MMHG).u32(encodeFloat(v));
          }
        });
        // A non-invasive pressure is episodic: it carries the time it was measured.
        list.attr(ATTR.TIME_STAMP_REL, (w) => w.u32(this.relAt(this.t0 + nbp.atS * 1000)));
        if (withLabels) list.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, 'NBP'));
      }),
    );
    const v = this.patient.vitals;
    out.push(
      observation(HANDLE.ABP, (list) => {
        list.attr(ATTR.NU_CMPD_VAL_OBS, (w) => {
          w.u16(3).u16(30);
          const mean = (v.abpSys + 2 * v.abpDia) / 3;
          for (const [physio, x] of [[P.ABP + 1, v.abpSys], [P.ABP + 2, v.abpDia], [P.ABP + 3, mean]] as const) {
            w.u16(physio).u16(this.dataState).u16(U.MMHG).u32(encodeFloat(Math.round(x)));
          }
        });
        if (withLabels) list.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, 'ABP'));
      }),
    );
    return out;
  }

  private dueSamples(wave: WaveName, now: number): number {
    return Math.floor(((now - this.waveStartMs) / 1000) * WAVE_SPECS[wave].rate);
  }

  /** Every sample due since the last update, for each wave on the list; the static attributes with the first. */
  private waveObservations(now: number, withStatic: boolean): Observation[] {
    const out: Observation[] = [];
    this.waves.forEach((wave, i) => {
      const spec = WAVE_SPECS[wave];
      const from = this.samplesSent.get(wave) ?? 0;
      const to = this.dueSamples(wave, now);
      this.samplesSent.set(wave, to);
      const periodTicks = (1000 * TICKS_PER_MS) / spec.rate;
      const firstMs = this.waveStartMs + (from * 1000) / spec.rate;
      const state = this.patient.waveState(wave) | this.dataState;
      const factor = (spec.highAbs - spec.lowAbs) / (spec.highScaled - spec.lowScaled);
      out.push(
        observation(HANDLE.WAVE + i, (list) => {
          if (withStatic) {
            list.attr(ATTR.SA_SPECN, (w) => w.u16(Math.max(0, to - from)).u8(16).u8(12).u16(SA_EXT_VAL_RANGE));
            list.attr(ATTR.SCALE_SPECN_I16, (w) => w.u32(encodeFloat(spec.lowAbs, 2)).u32(encodeFloat(spec.highAbs, 2)).u16(spec.lowScaled).u16(spec.highScaled));
            list.attr(ATTR.TIME_PD_SAMP, (w) => w.u32(periodTicks));
            list.attr(ATTR.UNIT_CODE, (w) => w.u16(WAVES[wave].unit));
            list.attr(ATTR.ID_LABEL_STRING, (w) => writeString(w, spec.label));
          }
          list.attr(ATTR.TIME_STAMP_REL, (w) => w.u32(this.relAt(firstMs)));
          list.attr(ATTR.SA_VAL_OBS, (w) => {
            w.u16(WAVES[wave].physio).u16(state);
            w.u16((to - from) * 2);
            let lastValue = 0;
            for (let k = from; k < to; k++) {
              const x = this.patient.sample(wave, (this.waveStartMs - this.t0) / 1000 + k / spec.rate);
              let scaled = Number.isNaN(x) ? 0 : Math.round(spec.lowScaled + (x - spec.lowAbs) / factor);
              scaled = Math.min(4095, Math.max(0, scaled));
              // Mark the R wave's peak above the significant bits, as the monitor does.
              if (wave.startsWith('ecg') && scaled > 2120 && lastValue <= 2120) scaled |= QRS_MARKER;
              lastValue = scaled & 0x0fff;
              w.u16(scaled);
            }
            this.counts.wavesSamplesOut += to - from;
          });
        }),
      );
    });
    return out;
  }

  private alertMonitor(): Observation {
    const alarms = this.patient.alarms();
    const physiological = alarms.filter((a) => a.type & 0xff00);
    const technical = alarms.filter((a) => !(a.type & 0xff00));
    const writeList = (w: Writer, list: typeof alarms) => {
      const count = list.length;
      w.u16(count);
      const len = w.lengthAt();
      list.forEach((a, i) => {
        w.u16(a.source).u16(a.code).u16(a.type).u16(a.state);
        w.u16(MOC.NUMERIC).u16(0).u16(HANDLE.NUMERIC); // the object the alarm belongs to
        w.u16(0x0204); // StrAlMonInfo
        const info = w.lengthAt();
        w.u16(i + 1).u32(0).u16(a.type).u16(0); // instance, text id, priority, flags
        writeString(w, a.text);
        w.patchLength(info);
      });
      w.patchLength(len);
    };
    const max = (list: typeof alarms) => list.reduce<number>((m, a) => Math.max(m, a.type), ALERT_TYPE.NONE);
    return observation(HANDLE.ALERT_MONITOR, (list) => {
      list.attr(ATTR.DEV_AL_COND, (w) => w.u16(0).u16(0).u16(max(physiological)).u16(max(technical)).u16(max(alarms)));
      list.attr(ATTR.AL_MON_P_AL_LIST, (w) => writeList(w, physiological));
      list.attr(ATTR.AL_MON_T_AL_LIST, (w) => writeList(w, technical));
    });
  }

  /** A made-up patient; the identifying fields are obviously not a person's. */
  private patientAttributes(list: AttributeListWriter): void {
    const measure = (w: Writer, value: number, unit: number) => w.u32(encodeFloat(value)).u16(unit);
    list.attr(ATTR.PT_DEMOG_ST, (w) => w.u16(2)); // admitted
    list.attr(ATTR.PT_TYPE, (w) => w.u16(1)); // adult
    list.attr(ATTR.PT_SEX, (w) => w.u16(1));
    list.attr(ATTR.PT_PACED_MODE, (w) => w.u16(0));
    list.attr(ATTR.PT_AGE, (w) => measure(w, 64, 0x0940));
    list.attr(ATTR.PT_HEIGHT, (w) => measure(w, 178, 0x0511));
    list.attr(ATTR.PT_WEIGHT, (w) => measure(w, 82, 0x06c3));
    list.attr(ATTR.PT_ID, (w) => writeString(w, 'SIM-000042'));
    list.attr(ATTR.PT_NAME_GIVEN, (w) => writeString(w, 'Simulated'));
    list.attr(ATTR.PT_NAME_FAMILY, (w) => writeString(w, 'Patient'));
    list.attr(ATTR.PT_DOB, (w) => writeAbsoluteTime(w, { year: 1961, month: 3, day: 14, hour: 0, minute: 0, second: 0 }));
  }

  private mdsAttributes(list: AttributeListWriter, now: number): void {
    list.attr(ATTR.SYS_TYPE, (w) => w.u16(PARTITION.OBJ).u16(DEV_MON_PHYSIO_MULTI_PARAM_MDS));
    list.attr(ATTR.ID_MODEL, (w) => {
      writeLabel(w, 'Philips');
      writeLabel(w, this.cfg.model);
    });
    list.attr(ATTR.SYS_ID, (w) => w.u16(6).bytes([0x00, 0x09, 0xfb, 0x12, 0x34, 0x56]));
    list.attr(ATTR.ID_PROD_SPECN, (w) => {
      w.u16(2);
      const n = w.lengthAt();
      w.u16(PROD_SPEC.SERIAL_NUMBER).u16(COMPONENT_PRODUCT);
      writeLabel(w, this.cfg.serial);
      w.u16(PROD_SPEC.SW_REVISION).u16(COMPONENT_PRODUCT);
      writeLabel(w, 'M.00.03');
      w.patchLength(n);
    });
    list.attr(ATTR.ID_BED_LABEL, (w) => writeString(w, this.cfg.bedLabel));
    list.attr(ATTR.TIME_ABS, (w) => writeAbsoluteTime(w, this.absoluteNow()));
    list.attr(ATTR.TIME_REL, (w) => w.u32(this.relAt(now)));
    list.attr(ATTR.MODE_OP, (w) => w.u16(this.cfg.demoData ? MODE_OP.DEMO : MODE_OP.MONITORING));
    list.attr(ATTR.VMS_MDS_STAT, (w) => w.u16(MDS_STATUS.OPERATING));
  }

  private absoluteNow(): AbsoluteTime {
    return absoluteTime(new Date(Date.now() + (this.cfg.clockOffsetMs ?? 0)));
  }

  private relAt(ms: number): number {
    return (this.cfg.relStart + Math.round((ms - this.t0) * TICKS_PER_MS)) >>> 0;
  }

  private nextInvoke(): number {
    this.invokeId = (this.invokeId + 1) & 0xffff;
    return this.invokeId;
  }

  private send(message: Buffer): void {
    if (this.state === 'stalled') return;
    this.counts.messagesOut++;
    this.transmit(message);
  }
}

function observation(handle: number, fill: (list: AttributeListWriter) => void): Observation {
  const w = new Writer(64);
  writeAttributeList(w, fill);
  return { handle, attributes: w.toBuffer() };
}

/** The monitor's wall clock: local time, no zone — as a real one is set. */
function absoluteTime(d = new Date()): AbsoluteTime {
  return { year: d.getFullYear(), month: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), minute: d.getMinutes(), second: d.getSeconds() };
}
