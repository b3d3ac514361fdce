// ASTM E1394 (CLSI LIS2-A2) records: fields, repeats, components and escapes, with the delimiters the message
// declares in its header (H|\^& by default; an analyser may choose others).

export interface Delimiters {
  readonly field: string;
  readonly repeat: string;
  readonly component: string;
  readonly escape: string;
}

export const DEFAULT_DELIMITERS: Delimiters = { field: '|', repeat: '\\', component: '^', escape: '&' };

/** The delimiters declared by a header record ("H|\^&…"), or undefined when the declaration is unusable. */
export function delimitersOf(header: string): Delimiters | undefined {
  if (header.length < 5 || header[0] !== 'H') return undefined;
  const [field, repeat, component, escape] = [header[1]!, header[2]!, header[3]!, header[4]!];
  const all = [field, repeat, component, escape];
  if (new Set(all).size !== 4) return undefined;
  if (all.some((c) => /[A-Za-z0-9 \r\n]/.test(c))) return undefined;
  return { field, repeat, component, escape };
}

/** Undoes E1394 escapes: &F& &S& &R& &E& for the delimiters, &Xhh…& for bytes; highlighting and local ones drop. */
export function unescape(text: string, d: Delimiters): string {
  const e = d.escape;
  if (!text.includes(e)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const at = text.indexOf(e, i);
    const close = at === -1 ? -1 : text.indexOf(e, at + 1);
    if (at === -1 || close === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, at);
    const seq = text.slice(at + 1, close);
    switch (seq[0]) {
      case 'F':
        out += seq.length === 1 ? d.field : `${e}${seq}${e}`;
        break;
      case 'S':
        out += seq.length === 1 ? d.component : `${e}${seq}${e}`;
        break;
      case 'R':
        out += seq.length === 1 ? d.repeat : `${e}${seq}${e}`;
        break;
      case 'E':
        out += seq.length === 1 ? e : `${e}${seq}${e}`;
        break;
      case 'X':
        out += /^X([0-9A-Fa-f]{2})+$/.test(seq) ? Buffer.from(seq.slice(1), 'hex').toString('latin1') : `${e}${seq}${e}`;
        break;
      case 'H':
      case 'N':
      case 'Z':
        break; // highlighting on/off and local escapes carry no text
      default:
        out += `${e}${seq}${e}`;
    }
    i = close + 1;
  }
  return out;
}

/** One record, split on its delimiters. Field numbers are the standard's: 1 is the record type (H-1, R-1). */
export class E1394Record {
  readonly type: string;
  private readonly fields: string[];

  constructor(
    text: string,
    private readonly d: Delimiters,
  ) {
    this.fields = text.split(d.field);
    this.type = (this.fields[0] ?? '').toUpperCase();
  }

  /** The raw field text, escapes still in (for fields whose components the caller splits). */
  raw(n: number): string {
    return this.fields[n - 1] ?? '';
  }

  /** The whole field, first repeat, unescaped, components joined by "^". */
  text(n: number): string {
    const first = this.raw(n).split(this.d.repeat, 1)[0] ?? '';
    return this.components(first).join('^');
  }

  /** Component k (1-based) of the first repeat of field n, unescaped. */
  component(n: number, k: number): string {
    const first = this.raw(n).split(this.d.repeat, 1)[0] ?? '';
    return this.components(first)[k - 1] ?? '';
  }

  /** Every repeat of field n, unescaped, each with its components joined by "^". */
  repeats(n: number): string[] {
    const raw = this.raw(n);
    if (!raw) return [];
    return raw.split(this.d.repeat).map((r) => this.components(r).join('^'));
  }

  private components(text: string): string[] {
    return text.split(this.d.component).map((c) => unescape(c, this.d));
  }
}

/** A gateway time as E1394 writes it: YYYYMMDDHHMMSS in local time (the analyser's clock is local too). */
export function astmTimestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getFullYear(), 4)}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}
