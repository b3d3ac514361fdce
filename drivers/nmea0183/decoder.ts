// Merges the sentences of one fix epoch (RMC, GGA, VTG — in whatever order the receiver sends them) into one
// `location` record. An epoch ends when a sentence carries another time, when a sentence type repeats, or as soon
// as every type seen in the previous complete epoch has arrived (the receiver's cycle, learnt as gpsd does), so a
// fix leaves without waiting for the next one.
import { isoMs, type RxTime } from '../../src/core/clock.js';
import { SCHEMA_VERSION, type LocationRecord, type Validity } from '../../src/schema/index.js';
import type { Decoder, RecordIds, RecordSink } from '../sdk/driver.js';
import { parseSentence, type FixPart, type SentenceType } from './sentences.js';

const TYPE_BIT: Record<SentenceType, number> = { RMC: 1, GGA: 2, VTG: 4 };
const KNOT_MS = 1852 / 3600;
const DAY_MS = 86_400_000;

interface Epoch extends FixPart {
  types: number;
  rx: RxTime;
}

function timeOfDayMs(t: string): number {
  const hh = Number(t.slice(0, 2));
  const mm = Number(t.slice(2, 4));
  const ss = Number(t.slice(4));
  return ((hh * 60 + mm) * 60 + ss) * 1000;
}

/** ddmmyy → UTC midnight in ms. Two-digit years: 80–99 → 19xx, else 20xx. */
function dateMs(ddmmyy: string): number {
  const dd = Number(ddmmyy.slice(0, 2));
  const mo = Number(ddmmyy.slice(2, 4));
  const yy = Number(ddmmyy.slice(4, 6));
  return Date.UTC(yy >= 80 ? 1900 + yy : 2000 + yy, mo - 1, dd);
}

export class NmeaDecoder implements Decoder<string> {
  private epoch: Epoch | undefined;
  /** Sentence types of the last complete epoch: when the current one has them all, it is complete. */
  private cycle = 0;
  /** Date of the last RMC, and the time of day of the last timed fix, to date fixes from GGA alone. */
  private lastDateMs: number | undefined;
  private lastTimeOfDayMs: number | undefined;

  constructor(private readonly ids: RecordIds) {}

  decode(body: string, rx: RxTime, out: RecordSink): void {
    const s = parseSentence(body);
    if (!s) return;
    const bit = TYPE_BIT[s.type];
    const open = this.epoch;
    if (open) {
      const otherTime = s.fix.time !== undefined && open.time !== undefined && s.fix.time !== open.time;
      if (otherTime || open.types & bit) {
        this.cycle = open.types;
        this.emitEpoch(out);
      }
    }
    const epoch = (this.epoch ??= { types: 0, time: undefined, rx });
    epoch.types |= bit;
    const f = s.fix;
    if (f.time !== undefined && epoch.time === undefined) epoch.time = f.time;
    if (f.date !== undefined) epoch.date = f.date;
    if (f.status !== undefined) epoch.status = f.status;
    if (f.mode !== undefined && epoch.mode !== 'N') epoch.mode = f.mode; // any 'not valid' indicator sticks
    if (f.lat !== undefined) epoch.lat = f.lat;
    if (f.lon !== undefined) epoch.lon = f.lon;
    if (f.speedKnots !== undefined) epoch.speedKnots = f.speedKnots;
    if (f.speedKmh !== undefined) epoch.speedKmh = f.speedKmh;
    if (f.courseTrue !== undefined) epoch.courseTrue = f.courseTrue;
    if (f.quality !== undefined) epoch.quality = f.quality;
    if (f.satellites !== undefined) epoch.satellites = f.satellites;
    if (f.hdop !== undefined) epoch.hdop = f.hdop;
    if (f.altitude !== undefined) epoch.altitude = f.altitude;
    if (f.geoidSeparation !== undefined) epoch.geoidSeparation = f.geoidSeparation;
    if (this.cycle !== 0 && (epoch.types & this.cycle) === this.cycle) this.emitEpoch(out);
  }

  flush(_rx: RxTime, out: RecordSink): void {
    if (this.epoch) this.emitEpoch(out);
  }

  private emitEpoch(out: RecordSink): void {
    const e = this.epoch!;
    this.epoch = undefined;
    const receivedAt = isoMs(e.rx.wallMs);
    const observedMs = this.observedMs(e);
    const hasPosition = e.lat !== undefined && e.lon !== undefined;
    const noFix = e.status === 'V' || e.quality === 0 || e.mode === 'N' || !hasPosition;
    const record: LocationRecord = {
      kind: 'location',
      schema: SCHEMA_VERSION,
      vehicle: this.ids.vehicle,
      device: this.ids.device,
      driver: this.ids.driver,
      observedAt: observedMs === undefined ? receivedAt : isoMs(observedMs),
      receivedAt,
      mono: e.rx.monoMs,
      fix: noFix ? 'none' : e.altitude !== undefined ? '3d' : '2d',
      validity: noFix ? 'invalid' : validityOf(e),
    };
    if (e.quality !== undefined) record.quality = e.quality;
    if (e.satellites !== undefined) record.satellites = e.satellites;
    if (e.hdop !== undefined) record.hdop = e.hdop;
    if (!noFix) {
      // A void fix carries no numbers: the receiver said they are not to be trusted.
      record.lat = e.lat!;
      record.lon = e.lon!;
      if (e.altitude !== undefined) record.altitude = e.altitude;
      if (e.geoidSeparation !== undefined) record.geoidSeparation = e.geoidSeparation;
      const speed =
        e.speedKnots !== undefined ? e.speedKnots * KNOT_MS : e.speedKmh !== undefined ? e.speedKmh / 3.6 : undefined;
      if (speed !== undefined && speed >= 0) record.speed = speed;
      if (e.courseTrue !== undefined && e.courseTrue >= 0) record.course = e.courseTrue % 360;
    }
    out(record);
  }

  /** UTC time of the fix: RMC date + time; GGA time on the last RMC date; or the gateway's date nearest the time. */
  private observedMs(e: Epoch): number | undefined {
    if (!e.time) return undefined;
    const tod = timeOfDayMs(e.time);
    let day: number;
    if (e.date !== undefined) {
      day = dateMs(e.date);
      this.lastDateMs = day;
    } else if (this.lastDateMs !== undefined) {
      // Past midnight without a new RMC date: the time of day wrapped.
      if (this.lastTimeOfDayMs !== undefined && tod < this.lastTimeOfDayMs - DAY_MS / 2) this.lastDateMs += DAY_MS;
      day = this.lastDateMs;
    } else {
      day = Math.floor(e.rx.wallMs / DAY_MS) * DAY_MS;
      const delta = day + tod - e.rx.wallMs;
      if (delta > DAY_MS / 2) day -= DAY_MS;
      else if (delta < -DAY_MS / 2) day += DAY_MS;
    }
    this.lastTimeOfDayMs = tod;
    return day + tod;
  }
}

/** FAA mode / GGA quality → validity: estimated (dead reckoning) or manual fixes are questionable, simulated ones demo. */
function validityOf(e: Epoch): Validity {
  if (e.mode === 'S' || e.quality === 8) return 'demo';
  if (e.mode === 'E' || e.mode === 'M' || e.quality === 6 || e.quality === 7) return 'questionable';
  return 'valid';
}
