// HL7 v2 "pipe" messages: delimiters from MSH-1/MSH-2, segments, fields, repetitions, components, subcomponents,
// escape sequences, and DTM times. Tolerant of line ends (CR as on the wire, CR LF or LF as in files); strict about
// what makes a message a message (it starts with MSH and declares its delimiters).

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export interface Segment {
  readonly id: string;
  /** fields[n] is field n as sent (escaped). For MSH, fields[1] is the field separator and fields[2] the encoding characters. */
  readonly fields: readonly string[];
}

export interface Hl7Message {
  readonly delimiters: Delimiters;
  readonly segments: readonly Segment[];
  readonly msh: Segment;
}

export type ParseResult =
  | { ok: true; message: Hl7Message }
  /** Not a message at all; `controlId` is MSH-10 if it could still be found, for the ACK. */
  | { ok: false; code: number; text: string; controlId: string };

export const STANDARD: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** Bytes → text: UTF-8 when MSH-18 says so, ISO 8859-1 otherwise (HL7's default character sets are 8-bit). */
function textOf(bytes: Buffer): string {
  const latin1 = bytes.toString('latin1');
  const mshEnd = latin1.search(/[\r\n]/);
  const msh = mshEnd === -1 ? latin1 : latin1.slice(0, mshEnd);
  return /UTF-?8/i.test(msh.split(msh[3] ?? '|')[17] ?? '') ? bytes.toString('utf8') : latin1;
}

export function parseMessage(bytes: Buffer): ParseResult {
  const text = textOf(bytes);
  const lines = text.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
  const first = lines[0] ?? '';
  if (!first.startsWith('MSH') || first.length < 8) {
    return { ok: false, code: 100, text: 'message does not start with an MSH segment', controlId: peekControlId(text) };
  }
  const field = first[3]!;
  const enc = first.slice(4, first.indexOf(field, 4) === -1 ? undefined : first.indexOf(field, 4));
  if (enc.length < 2 || enc.length > 5 || enc.includes(field) || /[A-Za-z0-9\s]/.test(field + enc) || new Set(field + enc).size !== enc.length + 1) {
    return { ok: false, code: 102, text: 'MSH-1/MSH-2 do not declare usable delimiters', controlId: peekControlId(text) };
  }
  const delimiters: Delimiters = {
    field,
    component: enc[0]!,
    repetition: enc[1]!,
    escape: enc[2] ?? '\\',
    subcomponent: enc[3] ?? '&',
  };
  const segments: Segment[] = [];
  for (const line of lines) {
    const parts = line.split(field);
    const id = parts[0]!;
    if (!/^[A-Z][A-Z0-9]{2}$/.test(id)) {
      return { ok: false, code: 100, text: `"${id.slice(0, 8)}" is not a segment`, controlId: peekControlId(text) };
    }
    // MSH counts its field separator as MSH-1: shift so that fields[n] is MSH-n.
    segments.push({ id, fields: id === 'MSH' ? ['MSH', field, ...parts.slice(1)] : parts });
  }
  return { ok: true, message: { delimiters, segments, msh: segments[0]! } };
}

/** MSH-10 found the hard way, for ACKs to messages that do not parse. */
export function peekControlId(text: string): string {
  const at = text.indexOf('MSH');
  if (at === -1 || text.length < at + 4) return '';
  const sep = text[at + 3]!;
  const line = text.slice(at).split(/[\r\n]/, 1)[0]!;
  const value = line.split(sep)[9] ?? '';
  return value.length <= 199 ? value : '';
}

/** Field n, first repetition, component c, subcomponent s, unescaped ('' when absent). */
export function get(m: Hl7Message, seg: Segment, n: number, c = 1, s = 1): string {
  const raw = seg.fields[n];
  if (!raw) return '';
  if (seg.id === 'MSH' && n <= 2) return raw;
  const d = m.delimiters;
  const rep = raw.split(d.repetition, 1)[0]!;
  const comp = rep.split(d.component)[c - 1] ?? '';
  const sub = comp.split(d.subcomponent)[s - 1] ?? '';
  return unescape(sub, d);
}

/** Every repetition of field n, component c. */
export function repetitions(m: Hl7Message, seg: Segment, n: number, c = 1): string[] {
  const raw = seg.fields[n];
  if (!raw) return [];
  const d = m.delimiters;
  return raw.split(d.repetition).map((rep) => unescape(rep.split(d.component)[c - 1] ?? '', d));
}

export function unescape(value: string, d: Delimiters): string {
  if (!value.includes(d.escape)) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value[i]!;
    const close = ch === d.escape ? value.indexOf(d.escape, i + 1) : -1;
    if (close === -1) {
      out += ch;
      i++;
      continue;
    }
    const seq = value.slice(i + 1, close);
    switch (seq[0]) {
      case 'F':
        out += d.field;
        break;
      case 'S':
        out += d.component;
        break;
      case 'T':
        out += d.subcomponent;
        break;
      case 'R':
        out += d.repetition;
        break;
      case 'E':
        out += d.escape;
        break;
      case 'X':
        for (let h = 1; h + 1 < seq.length; h += 2) out += String.fromCharCode(parseInt(seq.slice(h, h + 2), 16) || 0x20);
        break;
      case '.':
        if (seq === '.br') out += '\n';
        break;
      default:
        break; // highlighting and other formatting sequences carry no data
    }
    i = close + 1;
  }
  return out;
}

export function escape(value: string, d: Delimiters = STANDARD): string {
  let out = '';
  for (const ch of value) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch === '\r' || ch === '\n') out += `${d.escape}.br${d.escape}`;
    else out += ch;
  }
  return out;
}

/**
 * HL7 DTM/TS: YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ] → epoch ms. Without an offset the time is the device's local
 * time, taken as the gateway's (both are in the same vehicle). Undefined when malformed.
 */
export function parseDtm(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', tz] = m;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  if (parts[1] > 11 || parts[2] < 1 || parts[2] > 31 || parts[3] > 23 || parts[4] > 59 || parts[5] > 60) return undefined;
  if (!tz) return new Date(...parts).getTime();
  const sign = tz[0] === '-' ? -1 : 1;
  const offsetMin = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(3, 5)));
  return Date.UTC(...parts) - offsetMin * 60_000;
}

export function formatDtm(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}+0000`;
}

/** The message types this gateway takes: device observations (PCD-01) and alerts (PCD-04). */
export const ACCEPTED_EVENTS = ['R01', 'R40'] as const;

/** Why a well-formed message is refused as a whole (AR), or undefined when it is admitted. */
export function refusal(m: Hl7Message): { code: number; text: string } | undefined {
  const type = get(m, m.msh, 9, 1);
  const event = get(m, m.msh, 9, 2);
  if (!get(m, m.msh, 10)) return { code: 101, text: 'MSH-10 (message control id) is empty' };
  if (!/^2\./.test(get(m, m.msh, 12))) return { code: 203, text: `unsupported HL7 version "${get(m, m.msh, 12)}"` };
  if (type !== 'ORU') return { code: 200, text: `unsupported message type "${type}"` };
  if (!(ACCEPTED_EVENTS as readonly string[]).includes(event)) return { code: 201, text: `unsupported event "${event}"` };
  return undefined;
}
