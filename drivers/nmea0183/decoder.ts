// Merges the sentences of one fix cycle (RMC, GGA, GNS, GLL, VTG, GSA, ZDA — in whatever order, from one talker or
// several: GP and GN, GP and GL …) into one `location` record. A cycle is identified by its UTC time of day as a
// number, so `130711` and `130711.00` are the same cycle; untimed sentences (VTG, GSA, ZDA) belong to the cycle of the
// last timed one. A cycle ends when a position sentence carries another time (or, for a receiver without a time yet,
// when a sentence repeats from the same talker), or as soon as the sentence that ended the previous cycle has
// arrived again (the receiver's cycle, learnt from its output), so a fix leaves without waiting for the next one.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import { SCHEMA_VERSION, type LocationRecord, type Validity } from '../../src/schema/index.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { parseSentence, type FixPart, type ParsedSentence, type SentenceType } from './sentences.js';

const KNOT_MS = 1852 / 3600;
const DAY_MS = 86_400_000;

/** Sentence types that carry the cycle's time (ZDA's time is when ZDA was sent, not the fix's). */
const CYCLE_TIME: Record<SentenceType, boolean> = {
  RMC: true,
  GGA: true,
  GNS: true,
  GLL: true,
  VTG: false,
  GSA: false,
  ZDA: false,
};

interface Epoch extends FixPart {
  rx: RxTime;
  /** Talker of each sentence type seen, to tell a second talker (merge) from the next cycle (repeat). */
  talkers: Partial<Record<SentenceType, string>>;
  /** A position sentence without a time was seen (a receiver that has no time yet). */
  timeless?: boolean;
  /** A sentence that can carry a fix (not only GSA or ZDA) was seen. */
  reportable: boolean;
  /** Talker whose satellite count is held: GN (all systems) wins; single systems add up. */
  satTalker?: string;
}

/** A known date: UTC midnight and the time of day it went with, to carry it across midnight. */
interface DateRef {
  dayMs: number;
  todMs: number;
}

export class NmeaDecoder implements Decoder<string> {
  private epoch: Epoch | undefined;
  /** The last sentence seen (address and how many times in a row), and the one that ended the last cycle. */
  private lastAddress = '';
  private lastRun = 0;
  private enderAddress = '';
  private enderRun = 0;
  /** Set when a cycle was emitted on the learnt ender: untimed sentences before the next time mean it was early. */
  private emittedEarly = false;
  /** Time of day of the last cycle sent, to recognise its sentences that come after it left. */
  private sentTodMs: number | undefined;
  /** Date from the last valid RMC or any ZDA, kept for the fixes that carry none (GGA, GNS, GLL). */
  private date: DateRef | undefined;

  constructor(private readonly ids: RecordIds) {}

  decode(body: string, rx: RxTime, out: RecordSink): void {
    const s = parseSentence(body);
    if (!s) return;
    const f = s.fix;
    const cycleTime = CYCLE_TIME[s.type] ? f.todMs : undefined;
    if (this.emittedEarly && cycleTime !== undefined && cycleTime === this.sentTodMs) {
      // A sentence of the cycle already sent on the learnt ender: the ender came too early (the receiver sends this
      // sentence only in some cycles, or changed its output). Its cycle has left; learn the end again.
      this.enderAddress = '';
      this.epoch = undefined;
      return;
    }
    const open = this.epoch;
    if (open) {
      if (cycleTime !== undefined && open.todMs !== undefined && cycleTime !== open.todMs) {
        // A new cycle: what came last in the one that ends is the receiver's cycle ender.
        this.enderAddress = this.lastAddress;
        this.enderRun = this.lastRun;
        this.emitEpoch(out);
      } else if (CYCLE_TIME[s.type] && (cycleTime === undefined ? open.todMs !== undefined : open.timeless)) {
        // A receiver that knows the time puts it in every position sentence: timed and untimed are other cycles.
        this.emitEpoch(out);
      } else if (this.repeats(open, s, cycleTime)) {
        this.emitEpoch(out);
      } else if (cycleTime !== undefined && open.todMs === undefined && this.emittedEarly) {
        // Sentences came after the learnt ender and before the next time: the ender was wrong (the receiver changed
        // its output). They belonged to the cycle already sent, so they are not merged into this one; learn again.
        this.enderAddress = '';
        this.epoch = undefined;
      }
    }
    if (cycleTime !== undefined) this.emittedEarly = false;
    if (s.type === 'ZDA' && f.dateMs !== undefined && f.todMs !== undefined) this.date = { dayMs: f.dateMs, todMs: f.todMs };
    if (s.address === this.lastAddress) this.lastRun++;
    else {
      this.lastAddress = s.address;
      this.lastRun = 1;
    }
    const e = (this.epoch ??= { rx, talkers: {}, reportable: false });
    this.merge(e, s, cycleTime);
    if (this.enderAddress !== '' && s.address === this.enderAddress && this.lastRun === this.enderRun) {
      this.emittedEarly = true;
      this.emitEpoch(out);
    }
  }

  flush(_rx: RxTime, out: RecordSink): void {
    if (this.epoch) this.emitEpoch(out);
  }

  /**
   * Without any time (a receiver that has none yet), the same sentence from the same talker again is the next cycle.
   * With a time, untimed sentences belong to the cycle of the last timed one, and only a new time ends it. GSA
   * repeats within a cycle (one per constellation).
   */
  private repeats(open: Epoch, s: ParsedSentence, cycleTime: number | undefined): boolean {
    return cycleTime === undefined && open.todMs === undefined && s.type !== 'GSA' && open.talkers[s.type] === s.talker;
  }

  private merge(e: Epoch, s: ParsedSentence, cycleTime: number | undefined): void {
    const f = s.fix;
    e.talkers[s.type] ??= s.talker;
    if (s.type !== 'GSA' && s.type !== 'ZDA') e.reportable = true;
    if (cycleTime !== undefined) e.todMs ??= cycleTime;
    else if (CYCLE_TIME[s.type]) e.timeless = true;
    if (s.type === 'RMC' && f.status === 'A' && f.dateMs !== undefined) e.dateMs = f.dateMs;
    if (f.status !== undefined && e.status !== 'V') e.status = f.status; // any 'void' sticks
    if (f.mode !== undefined && e.mode !== 'N') e.mode = f.mode; // any 'not valid' indicator sticks
    if (f.fixMode !== undefined && (e.fixMode === undefined || f.fixMode > e.fixMode)) e.fixMode = f.fixMode;
    if (f.lat !== undefined) e.lat = f.lat;
    if (f.lon !== undefined) e.lon = f.lon;
    if (f.speedKnots !== undefined) e.speedKnots = f.speedKnots;
    if (f.speedKmh !== undefined) e.speedKmh = f.speedKmh;
    if (f.courseTrue !== undefined) e.courseTrue = f.courseTrue;
    if (f.quality !== undefined) e.quality = f.quality;
    if (f.satellites !== undefined) this.mergeSatellites(e, s.talker, f.satellites);
    if (f.hdop !== undefined) e.hdop = f.hdop;
    if (f.altitude !== undefined) e.altitude = f.altitude;
    if (f.geoidSeparation !== undefined) e.geoidSeparation = f.geoidSeparation;
  }

  /** GN counts every system; GP + GL (+ GA …) each count their own, so theirs add up. */
  private mergeSatellites(e: Epoch, talker: string, n: number): void {
    if (e.satTalker === undefined || talker === 'GN' || e.satTalker === talker) {
      e.satellites = n;
      e.satTalker = talker;
    } else if (e.satTalker !== 'GN') {
      e.satellites = e.satellites! + n;
      e.satTalker = talker;
    }
  }

  private emitEpoch(out: RecordSink): void {
    const e = this.epoch!;
    this.epoch = undefined;
    this.sentTodMs = e.todMs;
    if (!e.reportable) return; // only GSA/ZDA: nothing to report, their mode and date are taken as they come
    const receivedAt = isoMs(e.rx.wallMs);
    const hasPosition = e.lat !== undefined && e.lon !== undefined;
    const noFix = e.status === 'V' || e.quality === 0 || e.mode === 'N' || e.fixMode === 1 || !hasPosition;
    const dimension = e.fixMode ?? (e.altitude !== undefined ? 3 : 2);
    const record: LocationRecord = {
      kind: 'location',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: receivedAt,
      receivedAt,
      mono: e.rx.monoMs,
      fix: noFix ? 'none' : dimension === 3 ? '3d' : '2d',
      validity: noFix ? 'invalid' : validityOf(e),
      timeSource: 'gateway',
    };
    if (e.todMs !== undefined) {
      const day = this.dayOf(e);
      record.observedAt = isoMs((day ?? this.gatewayDay(e.todMs, e.rx.wallMs)) + e.todMs);
      record.timeSource = day === undefined ? 'receiver-time-of-day' : 'receiver';
    }
    if (e.quality !== undefined) record.quality = e.quality;
    if (e.satellites !== undefined) record.satellites = e.satellites;
    if (e.hdop !== undefined) record.hdop = e.hdop;
    if (!noFix) {
      // A void fix carries no numbers: the receiver said they are not to be trusted.
      record.lat = e.lat!;
      record.lon = e.lon!;
      // A 2D fix holds the altitude fixed instead of solving it: not a measurement, so not reported.
      if (e.altitude !== undefined && dimension === 3) record.altitude = e.altitude;
      if (e.geoidSeparation !== undefined) record.geoidSeparation = e.geoidSeparation;
      const speed =
        e.speedKnots !== undefined ? e.speedKnots * KNOT_MS : e.speedKmh !== undefined ? e.speedKmh / 3.6 : undefined;
      if (speed !== undefined && speed >= 0) record.speed = speed;
      if (e.courseTrue !== undefined && e.courseTrue >= 0) record.course = e.courseTrue % 360;
    }
    out(record);
  }

  /** UTC midnight of the fix: its own RMC date, else the last known date carried across midnight; undefined if none. */
  private dayOf(e: Epoch): number | undefined {
    const tod = e.todMs!;
    if (e.dateMs !== undefined) {
      this.date = { dayMs: e.dateMs, todMs: tod };
      return e.dateMs;
    }
    const ref = this.date;
    if (ref === undefined) return undefined;
    // Times of day more than half a day apart are on either side of midnight.
    let day = ref.dayMs;
    if (tod < ref.todMs - DAY_MS / 2) day += DAY_MS;
    else if (tod > ref.todMs + DAY_MS / 2) day -= DAY_MS;
    this.date = { dayMs: day, todMs: tod };
    return day;
  }

  /** No date from the receiver yet: the gateway's date nearest the receiver's time of day (the record says so). */
  private gatewayDay(tod: number, wallMs: number): number {
    let day = Math.floor(wallMs / DAY_MS) * DAY_MS;
    const delta = day + tod - wallMs;
    if (delta > DAY_MS / 2) day -= DAY_MS;
    else if (delta < -DAY_MS / 2) day += DAY_MS;
    return day;
  }
}

/** Mode indicator / GGA quality → validity: estimated (dead reckoning) or manual fixes are questionable, simulated demo. */
function validityOf(e: Epoch): Validity {
  if (e.mode === 'S' || e.quality === 8) return 'demo';
  if (e.mode === 'E' || e.mode === 'M' || e.quality === 6 || e.quality === 7) return 'questionable';
  return 'valid';
}
