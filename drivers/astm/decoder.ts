// E1394 messages into `lab` records. A message is H (delimiters, sender, processing id) → P (patient) → O (order:
// specimen) → R (results) with C (comments) … → L. Results are held until the message is complete: only an L with a
// normal termination makes them final. A transfer that ends without its L (EOT, a new ENQ or H, the link lost, the
// receiver timeout) or an L saying it was aborted reports them as `partial`, never as final.
import type { RxTime } from '../../src/core/clock.js';
import type { Decoder, RecordSink } from '../sdk/driver.js';
import { LabRecordBuilder, type LabObservation, type LabStatus } from '../lab/result.js';
import type { TestMap } from '../lab/test-map.js';
import { parseAstmTime, type TimeZoneOption } from '../lab/values.js';
import type { RecordIds } from '../sdk/driver.js';
import type { AstmToken } from './framer.js';
import { DEFAULT_DELIMITERS, E1394Record, delimitersOf, type Delimiters } from './records.js';

/** R-9 result status → record status. Anything unknown is not claimed to be final. */
function statusOf(code: string): LabStatus {
  switch (code.toUpperCase()) {
    case 'F': // final
    case 'V': // operator verified
    case 'R': // previously transmitted
    case 'Q': // response to a query
      return 'final';
    case 'C':
      return 'corrected';
    case 'X':
      return 'cancelled';
    case 'S':
      return 'partial';
    default: // P preliminary, I pending, M, N, and empty
      return 'preliminary';
  }
}

interface Header {
  instrument: string;
  messageMs: number | undefined;
  /** H-12 processing id: P production, T training, D debugging, Q quality control. */
  processing: string;
}

interface Order {
  specimenId?: string;
  specimenType?: string;
  collectedAtMs?: number;
  qc: boolean;
  notes: string[];
}

export interface AstmDecoderOptions {
  timeZone: TimeZoneOption;
}

export class AstmDecoder implements Decoder<AstmToken> {
  private readonly lab: LabRecordBuilder;
  private delimiters: Delimiters = DEFAULT_DELIMITERS;
  /** A message is open from its H (or first record) until its L. */
  private open = false;
  private header: Header | undefined;
  private patientId: string | undefined;
  private order: Order | undefined;
  private pending: LabObservation[] = [];
  /** The record a comment (C) belongs to: the last record that was not a comment. */
  private commented: 'R' | 'O' | 'other' = 'other';

  constructor(
    ids: RecordIds,
    tests: TestMap,
    private readonly options: AstmDecoderOptions,
  ) {
    this.lab = new LabRecordBuilder(ids, tests);
  }

  decode(token: AstmToken, rx: RxTime, out: RecordSink): void {
    switch (token.kind) {
      case 'record':
        return this.record(token.text, rx, out);
      case 'enq':
      case 'eot':
      case 'abort':
        // A transfer starts or ends: a message still open lost its end.
        if (this.open) this.finish('partial', rx, out);
        return;
      default:
        return;
    }
  }

  flush(rx: RxTime, out: RecordSink): void {
    if (this.open) this.finish('partial', rx, out);
  }

  private record(text: string, rx: RxTime, out: RecordSink): void {
    const type = text[0]?.toUpperCase();
    if (type === 'H') {
      if (this.open) this.finish('partial', rx, out);
      this.delimiters = delimitersOf(text) ?? DEFAULT_DELIMITERS;
      const h = new E1394Record(text, this.delimiters);
      this.begin();
      this.commented = 'other';
      this.header = {
        instrument: h.text(5),
        messageMs: parseAstmTime(h.component(14, 1), this.options.timeZone),
        processing: h.component(12, 1).toUpperCase(),
      };
      return;
    }
    const r = new E1394Record(text, this.delimiters);
    if (r.type !== 'C') this.commented = r.type === 'R' || r.type === 'O' ? r.type : 'other';
    switch (r.type) {
      case 'P':
        if (!this.open) this.begin();
        this.patientId = r.text(3) || r.text(4) || r.text(5) || undefined;
        this.order = undefined;
        return;
      case 'O':
        if (!this.open) this.begin();
        this.order = this.orderOf(r);
        return;
      case 'R':
        if (!this.open) this.begin();
        this.pending.push(this.resultOf(r));
        return;
      case 'C':
        return this.comment(r);
      case 'L': {
        if (!this.open) return;
        // L-3: N (or empty) normal; Q, I, F answer a query; T, R, E mean the transfer was aborted.
        const code = r.component(3, 1).toUpperCase();
        this.finish(code === 'T' || code === 'R' || code === 'E' ? 'partial' : 'complete', rx, out);
        return;
      }
      default:
        return; // Q (host query: the session answers), M, S: nothing to report
    }
  }

  private begin(): void {
    this.open = true;
    this.header = undefined;
    this.patientId = undefined;
    this.order = undefined;
    this.pending = [];
  }

  private orderOf(o: E1394Record): Order {
    const specimenId = o.component(3, 1) || o.component(4, 1);
    const specimenType = o.component(16, 1);
    const collectedAtMs = parseAstmTime(o.component(8, 1), this.options.timeZone);
    const order: Order = {
      // O-12 action code Q: "treat specimen as a quality-control specimen".
      qc: o.component(12, 1).toUpperCase() === 'Q',
      notes: [],
    };
    if (specimenId) order.specimenId = specimenId;
    if (specimenType) order.specimenType = specimenType;
    if (collectedAtMs !== undefined) order.collectedAtMs = collectedAtMs;
    return order;
  }

  private resultOf(r: E1394Record): LabObservation {
    // R-3 universal test id ^^^local code: the analyser's own id is the 4th component; some put it first.
    const vendorCode = r.component(3, 4) || r.component(3, 1) || r.component(3, 2) || r.text(3);
    const vendorName = r.component(3, 5) || r.component(3, 2);
    const h = this.header;
    const o = this.order;
    const zone = this.options.timeZone;
    const completed = parseAstmTime(r.component(13, 1), zone) ?? parseAstmTime(r.component(12, 1), zone);
    const qc = (o?.qc ?? false) || h?.processing === 'Q';
    const obs: LabObservation = {
      vendorCode,
      value: r.text(4),
      unit: r.text(5),
      // Reference range as the vendor writes it: lo^hi, lo-hi, "lo to hi".
      range: r.text(6),
      flags: r.repeats(7).filter((f) => f !== ''),
      status: statusOf(r.component(9, 1)),
      qc,
      notes: o ? [...o.notes] : [],
    };
    if (vendorName && vendorName !== vendorCode) obs.vendorName = vendorName;
    if (h?.processing === 'T' || h?.processing === 'D') obs.validity = 'demo'; // training or debugging run
    const operator = r.component(11, 1) || r.component(11, 2);
    if (operator) obs.operator = operator;
    const instrument = r.text(14) || h?.instrument;
    if (instrument) obs.instrument = instrument;
    const observed = completed ?? o?.collectedAtMs ?? h?.messageMs;
    if (observed !== undefined) obs.observedAtMs = observed;
    if (o?.specimenId) obs.specimenId = o.specimenId;
    if (o?.specimenType) obs.specimenType = o.specimenType;
    if (o?.collectedAtMs !== undefined) obs.collectedAtMs = o.collectedAtMs;
    // A QC run has no patient; a patient result keeps the id exactly as the analyser gave it.
    if (!qc && this.patientId) obs.patientId = this.patientId;
    return obs;
  }

  /** C after R: a note on that result; C after O: on every result of the order. Patient comments are not kept. */
  private comment(c: E1394Record): void {
    if (!this.open) return;
    const text = c.text(4).split('^').filter(Boolean).join(' ').trim();
    if (!text) return;
    const last = this.pending[this.pending.length - 1];
    if (this.commented === 'R' && last) last.notes.push(text);
    else if (this.commented === 'O' && this.order) this.order.notes.push(text);
  }

  private finish(how: 'complete' | 'partial', rx: RxTime, out: RecordSink): void {
    const results = this.pending;
    this.open = false;
    this.pending = [];
    for (const obs of results) {
      if (how === 'partial' && obs.status !== 'cancelled') obs.status = 'partial';
      this.lab.emit(obs, rx, out);
    }
  }
}
