// Parsing of the sentences that carry a fix or its time: RMC, GGA, GNS, GLL (position), VTG (motion), GSA (fix
// mode), ZDA (date). Any talker (GP, GN, GL, GA, GB, BD, GQ …); empty fields are absent values, never zeros.
// Everything is in the units of the sentence; the decoder converts.

export interface FixPart {
  /** UTC time of day in ms, from hhmmss[.s…] (so `130711` and `130711.00` are the same); VTG and GSA have none. */
  todMs?: number;
  /** UTC midnight of the date in ms: RMC ddmmyy, ZDA dd,mm,yyyy. */
  dateMs?: number;
  /** Data valid A / void V (RMC, GLL). */
  status?: 'A' | 'V';
  /**
   * Mode indicator (NMEA 2.3+; GNS: the first constellation that has one): A autonomous, D differential, E estimated,
   * M manual, S simulator, P precise, R RTK fixed, F RTK float, N not valid.
   */
  mode?: string;
  lat?: number;
  lon?: number;
  speedKnots?: number;
  speedKmh?: number;
  courseTrue?: number;
  /** GGA fix quality (0 invalid). */
  quality?: number;
  satellites?: number;
  hdop?: number;
  altitude?: number;
  geoidSeparation?: number;
  /** GSA fix mode: 1 no fix, 2 2D, 3 3D. */
  fixMode?: 1 | 2 | 3;
}

export type SentenceType = 'RMC' | 'GGA' | 'VTG' | 'GNS' | 'GLL' | 'GSA' | 'ZDA';

export interface ParsedSentence {
  /** Talker + formatter, e.g. GNRMC: the same type from two talkers belongs to one cycle. */
  address: string;
  talker: string;
  type: SentenceType;
  fix: FixPart;
}

function num(field: string | undefined): number | undefined {
  if (field === undefined || field === '') return undefined;
  const n = Number(field);
  return Number.isFinite(n) ? n : undefined;
}

function int(field: string | undefined): number | undefined {
  const n = num(field);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

/** ddmm.mmmm / dddmm.mmmm with hemisphere → signed decimal degrees; undefined when empty or malformed. */
export function parseCoordinate(value: string | undefined, hemi: string | undefined, degDigits: 2 | 3): number | undefined {
  if (!value || !hemi) return undefined;
  const m = /^(\d+)(\.\d+)?$/.exec(value);
  if (!m || m[1]!.length !== degDigits + 2) return undefined;
  const deg = Number(value.slice(0, degDigits));
  const min = Number(value.slice(degDigits));
  if (!Number.isFinite(deg) || !Number.isFinite(min) || min >= 60) return undefined;
  const abs = deg + min / 60;
  const limit = degDigits === 2 ? 90 : 180;
  if (abs > limit) return undefined;
  if (hemi === 'N' || hemi === 'E') return abs;
  if (hemi === 'S' || hemi === 'W') return -abs;
  return undefined;
}

const TIME = /^(\d\d)(\d\d)(\d\d(?:\.\d+)?)$/;

/** hhmmss[.s…] → ms since UTC midnight, compared as a number; undefined when empty or out of range. */
export function parseTimeOfDay(t: string | undefined): number | undefined {
  if (!t) return undefined;
  const m = TIME.exec(t);
  if (!m) return undefined;
  const hh = Number(m[1]);
  const mm = Number(m[2]);
  const ss = Number(m[3]);
  if (hh > 23 || mm > 59 || ss >= 61) return undefined; // 60.x: a leap second
  return Math.round(((hh * 60 + mm) * 60 + ss) * 1000);
}

/** A calendar date → UTC midnight in ms; undefined when it is not a real date. */
function utcDate(year: number, month: number, day: number): number | undefined {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  const ms = Date.UTC(year, month - 1, day);
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/** The date field seen last and its value: a receiver sends the same date all day, so it is converted once. */
let lastDateField = '';
let lastDateMs: number | undefined;

/** RMC ddmmyy. Two-digit years: 80–99 → 19xx, else 20xx. */
function rmcDate(ddmmyy: string | undefined): number | undefined {
  if (!ddmmyy) return undefined;
  if (ddmmyy === lastDateField) return lastDateMs;
  const yy = Number(ddmmyy.slice(4, 6));
  const ms = /^\d{6}$/.test(ddmmyy)
    ? utcDate(yy >= 80 ? 1900 + yy : 2000 + yy, Number(ddmmyy.slice(2, 4)), Number(ddmmyy.slice(0, 2)))
    : undefined;
  lastDateField = ddmmyy;
  lastDateMs = ms;
  return ms;
}

/** The mode indicator of RMC/GLL/VTG, or GNS's per-constellation string (`AN`, `NNNN`): the first that has a fix. */
function modeOf(field: string | undefined): string | undefined {
  if (!field) return undefined;
  for (let i = 0; i < field.length; i++) if (field[i] !== 'N') return field[i];
  return 'N';
}

/** Parses a checksum-verified sentence body; other sentence types (GSV, TXT, proprietary …) give undefined. */
export function parseSentence(body: string): ParsedSentence | undefined {
  if (body.charCodeAt(5) !== 0x2c || body[0] === 'P') return undefined; // not a 5-letter address: proprietary …
  const address = body.slice(0, 5);
  const type = address.slice(2);
  const talker = address.slice(0, 2);
  if (type === 'GSA') {
    // $xxGSA,M|A,fix mode 1|2|3,12 × SV,PDOP,HDOP,VDOP[,system id]: only the mode is used; several per cycle.
    const m = body[7] === ',' && body[9] === ',' ? body[8] : undefined;
    const fix: FixPart = m === '1' || m === '2' || m === '3' ? { fixMode: Number(m) as 1 | 2 | 3 } : {};
    return { address, talker, type, fix };
  }
  if (type === 'GSV') return undefined; // the most frequent sentence, and nothing of the fix in it
  const f = body.split(',');
  let fix: FixPart;
  switch (type) {
    case 'RMC':
      // $xxRMC,time,status,lat,N,lon,E,speed kn,course,ddmmyy,magvar,E|W[,mode][,navStatus]
      fix = {
        todMs: parseTimeOfDay(f[1]),
        dateMs: rmcDate(f[9]),
        status: f[2] === 'A' ? 'A' : 'V',
        lat: parseCoordinate(f[3], f[4], 2),
        lon: parseCoordinate(f[5], f[6], 3),
        speedKnots: num(f[7]),
        courseTrue: num(f[8]),
        mode: modeOf(f[12]),
      };
      break;
    case 'GGA':
      // $xxGGA,time,lat,N,lon,E,quality,numSV,HDOP,alt,M,geoidSep,M,dgpsAge,dgpsId
      fix = {
        todMs: parseTimeOfDay(f[1]),
        lat: parseCoordinate(f[2], f[3], 2),
        lon: parseCoordinate(f[4], f[5], 3),
        quality: int(f[6]),
        satellites: int(f[7]),
        hdop: num(f[8]),
        altitude: num(f[9]),
        geoidSeparation: num(f[11]),
      };
      break;
    case 'GNS':
      // $xxGNS,time,lat,N,lon,E,mode per constellation,numSV,HDOP,alt,geoidSep,dgpsAge,dgpsId[,navStatus]
      fix = {
        todMs: parseTimeOfDay(f[1]),
        lat: parseCoordinate(f[2], f[3], 2),
        lon: parseCoordinate(f[4], f[5], 3),
        mode: modeOf(f[6]),
        satellites: int(f[7]),
        hdop: num(f[8]),
        altitude: num(f[9]),
        geoidSeparation: num(f[10]),
      };
      break;
    case 'GLL':
      // $xxGLL,lat,N,lon,E,time,status[,mode]
      fix = {
        todMs: parseTimeOfDay(f[5]),
        status: f[6] === 'A' ? 'A' : 'V',
        lat: parseCoordinate(f[1], f[2], 2),
        lon: parseCoordinate(f[3], f[4], 3),
        mode: modeOf(f[7]),
      };
      break;
    case 'VTG':
      // $xxVTG,course true,T,course mag,M,speed kn,N,speed km/h,K[,mode]
      fix = { courseTrue: num(f[1]), speedKnots: num(f[5]), speedKmh: num(f[7]), mode: modeOf(f[9]) };
      break;
    case 'ZDA':
      // $xxZDA,time,dd,mm,yyyy,tz hours,tz minutes (the date is UTC; the zone fields only describe local time)
      fix = {
        todMs: parseTimeOfDay(f[1]),
        dateMs: f[4] && /^\d{4}$/.test(f[4]) ? utcDate(Number(f[4]), Number(f[3]), Number(f[2])) : undefined,
      };
      break;
    default:
      return undefined;
  }
  return { address, talker, type, fix };
}
