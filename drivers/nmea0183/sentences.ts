// Parsing of the three sentences that carry a position fix. Any talker (GP, GN, GL, GA, GB, BD …); empty fields are
// absent values, never zeros. Everything is in the units of the sentence; the decoder converts.

export interface FixPart {
  /** hhmmss.ss as sent, '' when empty; VTG has none. */
  time: string | undefined;
  /** ddmmyy from RMC. */
  date?: string;
  /** RMC status A (valid) / V (void). */
  status?: 'A' | 'V';
  /** FAA mode indicator (NMEA 2.3+): A autonomous, D differential, E estimated, M manual, S simulator, N not valid … */
  mode?: string;
  lat?: number;
  lon?: number;
  speedKnots?: number;
  speedKmh?: number;
  courseTrue?: number;
  quality?: number;
  satellites?: number;
  hdop?: number;
  altitude?: number;
  geoidSeparation?: number;
}

export type SentenceType = 'RMC' | 'GGA' | 'VTG';

export interface ParsedSentence {
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

function validTime(t: string | undefined): string {
  return t && /^\d{6}(\.\d+)?$/.test(t) ? t : '';
}

/** Parses a checksum-verified sentence body; other sentence types (GSA, GSV, TXT, proprietary) give undefined. */
export function parseSentence(body: string): ParsedSentence | undefined {
  const f = body.split(',');
  const head = f[0]!;
  if (head.length !== 5 || head[0] === 'P') return undefined;
  const type = head.slice(2);
  const talker = head.slice(0, 2);
  switch (type) {
    case 'RMC': {
      // $xxRMC,time,status,lat,N,lon,E,speed kn,course,ddmmyy,magvar,E|W[,mode][,navStatus]
      const status = f[2] === 'A' ? 'A' : 'V';
      const fix: FixPart = {
        time: validTime(f[1]),
        status,
        lat: parseCoordinate(f[3], f[4], 2),
        lon: parseCoordinate(f[5], f[6], 3),
        speedKnots: num(f[7]),
        courseTrue: num(f[8]),
      };
      if (f[9] && /^\d{6}$/.test(f[9])) fix.date = f[9];
      if (f[12]) fix.mode = f[12];
      return { talker, type, fix };
    }
    case 'GGA': {
      // $xxGGA,time,lat,N,lon,E,quality,numSV,HDOP,alt,M,geoidSep,M,dgpsAge,dgpsId
      return {
        talker,
        type,
        fix: {
          time: validTime(f[1]),
          lat: parseCoordinate(f[2], f[3], 2),
          lon: parseCoordinate(f[4], f[5], 3),
          quality: int(f[6]),
          satellites: int(f[7]),
          hdop: num(f[8]),
          altitude: num(f[9]),
          geoidSeparation: num(f[11]),
        },
      };
    }
    case 'VTG': {
      // $xxVTG,course true,T,course mag,M,speed kn,N,speed km/h,K[,mode]
      const fix: FixPart = {
        time: undefined,
        courseTrue: num(f[1]),
        speedKnots: num(f[5]),
        speedKmh: num(f[7]),
      };
      if (f[9]) fix.mode = f[9];
      return { talker, type, fix };
    }
    default:
      return undefined;
  }
}
