// Reading what analysers write: numbers, reference ranges in the vendor's own syntax, and device times.

/** A plain decimal number as analysers write it ("7.382", "-2.1", "+0.4", ".5"); anything else is not a number. */
export function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

export interface ReferenceRange {
  low?: number;
  high?: number;
  /** As the analyser wrote it. */
  text: string;
}

const NUM = '([+-]?(?:\\d+\\.?\\d*|\\.\\d+))';
// lo^hi (E1394 components), lo-hi, lo - hi, lo to hi, lo..hi, [lo;hi] (POCT1), lo;hi
const BOTH = new RegExp(`^\\[?\\s*${NUM}\\s*(?:\\^|;|-|–|to|\\.\\.)\\s*${NUM}\\s*\\]?$`, 'i');
const BELOW = new RegExp(`^(?:<|<=|≤)\\s*${NUM}$`);
const ABOVE = new RegExp(`^(?:>|>=|≥)\\s*${NUM}$`);

/** The bounds of a reference range, when its syntax is one we can read; the text is always kept. */
export function parseRange(text: string): ReferenceRange | undefined {
  const t = text.trim();
  if (!t) return undefined;
  let m = BOTH.exec(t);
  if (m) {
    const low = Number(m[1]);
    const high = Number(m[2]);
    if (low <= high) return { low, high, text: t };
  }
  m = BELOW.exec(t);
  if (m) return { high: Number(m[1]), text: t };
  m = ABOVE.exec(t);
  if (m) return { low: Number(m[1]), text: t };
  return { text: t };
}

/**
 * How device times without a zone are read: `local` (the gateway's time zone, which is the ambulance's and so the
 * analyser's), or a fixed offset such as "+01:00" or "Z".
 */
export type TimeZoneOption = string;

/** Minutes east of UTC for an offset text ("+0100", "+01:00", "-05", "Z"); undefined if it is not one. */
export function offsetMinutes(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(text);
  if (!m) return undefined;
  const h = Number(m[2]);
  const min = Number(m[3] ?? '0');
  if (h > 14 || min > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (h * 60 + min);
}

/** UTC ms of a civil time given in `zone`; undefined when the fields are not a real date and time. */
export function civilToUtcMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  zone: TimeZoneOption | number,
): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, Math.min(s, 59), ms);
  const check = new Date(asUtc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined; // 31 February
  if (typeof zone === 'number') return asUtc - zone * 60_000;
  if (zone === 'local') {
    const local = new Date(y, mo - 1, d, h, mi, Math.min(s, 59), ms).getTime();
    return Number.isFinite(local) ? local : undefined;
  }
  const off = offsetMinutes(zone);
  return off === undefined ? undefined : asUtc - off * 60_000;
}

/** E1394 time: YYYYMMDD[HH[MM[SS]]], optionally with a zone offset (+HHMM) some analysers append. */
export function parseAstmTime(text: string, zone: TimeZoneOption): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?)?(?:\.(\d{1,3}))?([+-]\d{4}|Z)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? '0');
  const frac = m[7] ? Number(m[7].padEnd(3, '0')) : 0;
  const z = m[8] ? offsetMinutes(m[8]) : undefined;
  return civilToUtcMs(n(1), n(2), n(3), n(4), n(5), n(6), frac, z ?? zone);
}

/** ISO-8601 as POCT1-A writes it (2024-03-15T10:15:30+01:00); without an offset it is read in `zone`. */
export function parseIsoTime(text: string, zone: TimeZoneOption): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? '0');
  const frac = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const z = m[8] ? offsetMinutes(m[8].toUpperCase()) : undefined;
  if (m[8] && z === undefined) return undefined;
  return civilToUtcMs(n(1), n(2), n(3), n(4), n(5), n(6), frac, z ?? zone);
}
