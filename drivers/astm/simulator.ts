// A blood-gas analyser speaking ASTM E1381/E1394 as the instrument: it bids for the line (ENQ), sends one message per
// sample (H, P, O, R…, L) frame by frame waiting for ACK, retransmits on NAK, answers the host's bid, and wins
// contention. Faults on request: corrupted frames (→ NAK), records split over ETB frames, an interrupted transfer
// (EOT before L), a stalled transfer (the gateway must time out), contention, host queries, QC runs, custom
// delimiters, and raw mode (E1394 records without framing).
import { setTimeout as sleep } from 'node:timers/promises';
import { SimPatient, formatValue, type Panel } from '../lab/physiology.js';
import { openSimPort, type SimPort } from '../sdk/sim-port.js';
import { SimParamError, flagParam, numberParam, type SimulatorDefinition } from '../sdk/simulator.js';
import { ACK_BYTE, ENQ_BYTE, EOT_BYTE, MAX_FRAME_TEXT, NAK_BYTE, framesOf } from './e1381.js';
import { AstmFramer, type AstmToken } from './framer.js';
import { astmTimestamp } from './records.js';

export interface AstmInstrumentOptions {
  framing: 'e1381' | 'raw';
  /** Time between samples. */
  everyMs: number;
  /** Delay before the first sample. */
  firstMs: number;
  panel: Panel;
  /** Longest frame text; below 240 forces ETB continuation frames. */
  split: number;
  /** Probability per frame that its first transmission is corrupted (bad checksum → NAK → retransmit). */
  corrupt: number;
  /** How many of the gateway's bids for the line the instrument answers with its own ENQ (contention). */
  contention: number;
  /** Probability per transfer of EOT before the message's L record. */
  interrupt: number;
  /** Probability per transfer of going silent mid-transfer for stallMs (the gateway's receive timeout). */
  stall: number;
  stallMs: number;
  /** Ask the host for orders (Q record) before each sample. */
  query: boolean;
  /** Probability per sample of a quality-control run instead. */
  qc: number;
  /** Field, repeat, component and escape delimiters, e.g. "|\^&". */
  delimiters: string;
  patient: string;
  specimenType: string;
  /** Stop after this many samples (0: never). */
  count: number;
  /** E1381 sender timeout (15 s). */
  replyTimeoutMs: number;
}

export const defaultInstrumentOptions: AstmInstrumentOptions = {
  framing: 'e1381',
  everyMs: 30_000,
  firstMs: 1000,
  panel: 'bloodgas',
  split: MAX_FRAME_TEXT,
  corrupt: 0,
  contention: 0,
  interrupt: 0,
  stall: 0,
  stallMs: 35_000,
  query: false,
  qc: 0,
  delimiters: '|\\^&',
  patient: 'AMB-7781',
  specimenType: 'Arterial',
  count: 0,
  replyTimeoutMs: 15_000,
};

export interface AstmInstrumentStats {
  samples: number;
  /** Transfers that ended with EOT after their last frame was acknowledged. */
  transfers: number;
  framesSent: number;
  retransmissions: number;
  naksReceived: number;
  /** Times the instrument and the gateway bid at once. */
  contentions: number;
  interrupted: number;
  stalled: number;
  /** Transfers given up because the gateway did not answer in time. */
  timeouts: number;
  /** Messages the gateway sent us (its answers to our queries), as records. */
  received: string[][];
  /** Bytes of our ENQ that were answered with ACK, with NAK, or by the gateway's own ENQ. */
  bidsAnswered: { ack: number; nak: number; enq: number };
}

type Reply = 'ack' | 'nak' | 'enq' | 'eot' | 'timeout';

export class AstmInstrument {
  readonly stats: AstmInstrumentStats = {
    samples: 0,
    transfers: 0,
    framesSent: 0,
    retransmissions: 0,
    naksReceived: 0,
    contentions: 0,
    interrupted: 0,
    stalled: 0,
    timeouts: 0,
    received: [],
    bidsAnswered: { ack: 0, nak: 0, enq: 0 },
  };
  private readonly framer = new AstmFramer();
  private readonly patient: SimPatient;
  private readonly stopper = new AbortController();
  private mode: 'idle' | 'sending' | 'receiving' = 'idle';
  private waiter: ((reply: Reply) => void) | undefined;
  private idleWaiters: Array<() => void> = [];
  private incoming: string[] = [];
  private contentionsLeft: number;
  private wake: (() => void) | undefined;
  /** We answered the gateway's ENQ with ours: the next bid waits 1 s first. */
  private contended = false;
  private specimenNo = 0;
  private running: Promise<void> | undefined;

  constructor(
    private readonly port: SimPort,
    private readonly o: AstmInstrumentOptions,
    private readonly random: () => number = Math.random,
  ) {
    this.patient = new SimPatient(random);
    this.contentionsLeft = o.contention;
  }

  start(): void {
    this.port.onData((chunk) => this.framer.push(chunk, (t) => this.onToken(t)));
    this.running = this.run().catch((err: Error) => {
      if (err.name !== 'AbortError') throw err;
    });
  }

  async stop(): Promise<void> {
    // Everything the run loop may be waiting on ends now (an answer, the line, a pause), and it waits on nothing new:
    // in `ambulink demo` the gateway is stopped first, so an answer would only come after the reply timeout.
    this.stopper.abort();
    this.waiter?.('timeout');
    this.becomeIdle();
    await this.running;
    await this.port.close();
  }

  private async run(): Promise<void> {
    const signal = this.stopper.signal;
    await sleep(this.o.firstMs, undefined, { signal });
    while (!signal.aborted) {
      if (this.o.query && this.o.framing === 'e1381') await this.transfer(this.queryMessage());
      const qc = this.random() < this.o.qc;
      await this.transfer(qc ? this.qcMessage() : this.sampleMessage());
      this.stats.samples++;
      if (this.o.count > 0 && this.stats.samples >= this.o.count) return;
      await this.pause(this.o.everyMs);
    }
  }

  /** Sleeps, unless the line is contended: then the instrument goes (almost) at once. */
  private async pause(ms: number): Promise<void> {
    // An abort listener added to a signal already aborted never runs: stopped during the transfer before this pause,
    // the instrument would sleep the whole interval.
    this.stopper.signal.throwIfAborted();
    const ac = new AbortController();
    const abort = () => ac.abort();
    this.stopper.signal.addEventListener('abort', abort, { once: true });
    this.wake = abort;
    try {
      await sleep(ms, undefined, { signal: ac.signal });
    } catch {
      this.stopper.signal.throwIfAborted();
    } finally {
      this.wake = undefined;
      this.stopper.signal.removeEventListener('abort', abort);
    }
  }

  private onToken(t: AstmToken): void {
    if (this.mode === 'sending') {
      if (t.kind === 'ack' || t.kind === 'nak' || t.kind === 'enq' || t.kind === 'eot') this.waiter?.(t.kind);
      return;
    }
    if (this.mode === 'receiving') return this.receive(t);
    if (t.kind !== 'enq') return;
    // The gateway bids for the line.
    if (this.contentionsLeft > 0) {
      this.contentionsLeft--;
      this.stats.contentions++;
      this.port.write(ENQ_BYTE); // we want the line too: the instrument wins, and goes after 1 s
      this.contended = true;
      this.wake?.();
      return;
    }
    this.mode = 'receiving';
    this.incoming = [];
    this.port.write(ACK_BYTE);
  }

  private receive(t: AstmToken): void {
    switch (t.kind) {
      case 'record':
        this.incoming.push(t.text);
        return;
      case 'frame':
        this.port.write(t.answer === 'ack' ? ACK_BYTE : NAK_BYTE);
        return;
      case 'enq':
        this.incoming = [];
        this.port.write(ACK_BYTE);
        return;
      case 'eot':
        if (this.incoming.length) this.stats.received.push(this.incoming);
        this.incoming = [];
        return this.becomeIdle();
      default:
        return;
    }
  }

  private becomeIdle(): void {
    this.mode = 'idle';
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Until the gateway's own transfer ends; throws once stopped (the gateway may never end it). */
  private async lineIdle(): Promise<void> {
    this.stopper.signal.throwIfAborted();
    if (this.mode !== 'idle') await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    this.stopper.signal.throwIfAborted();
  }

  private reply(timeoutMs: number): Promise<Reply> {
    if (this.stopper.signal.aborted) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      const done = (r: Reply) => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(r);
      };
      this.waiter = done;
    });
  }

  private write(data: Buffer): void {
    this.port.write(data);
  }

  private async transfer(records: string[]): Promise<void> {
    const signal = this.stopper.signal;
    await this.lineIdle();
    if (this.contended) {
      this.contended = false;
      await sleep(1000, undefined, { signal }); // E1381: the instrument waits at least 1 s, then bids again
      await this.lineIdle();
    }
    this.mode = 'sending';
    try {
      if (this.o.framing === 'raw') {
        this.write(Buffer.from(records.map((r) => `${r}\r\n`).join(''), 'latin1'));
        this.stats.transfers++;
        return;
      }
      if (!(await this.establish())) return;
      const frames = framesOf(records, this.o.split);
      const interruptAt = this.random() < this.o.interrupt ? Math.max(1, frames.length - 2) : -1;
      const stallAt = this.random() < this.o.stall ? Math.max(1, Math.floor(frames.length / 2)) : -1;
      for (let i = 0; i < frames.length; i++) {
        if (i === interruptAt) {
          this.stats.interrupted++;
          this.write(EOT_BYTE);
          return;
        }
        if (i === stallAt) {
          this.stats.stalled++;
          await sleep(this.o.stallMs, undefined, { signal });
          this.write(EOT_BYTE);
          return;
        }
        if (!(await this.sendFrame(frames[i]!))) return;
      }
      this.write(EOT_BYTE);
      this.stats.transfers++;
    } finally {
      this.becomeIdle();
    }
  }

  /** ENQ until the gateway says ACK. */
  private async establish(): Promise<boolean> {
    for (let busy = 0; ; ) {
      this.write(ENQ_BYTE);
      const r = await this.reply(this.o.replyTimeoutMs);
      if (r === 'ack') {
        this.stats.bidsAnswered.ack++;
        return true;
      }
      if (r === 'enq') {
        // The gateway bid at the same moment; the instrument has priority: wait 1 s and bid again.
        this.stats.bidsAnswered.enq++;
        this.stats.contentions++;
        await sleep(1000, undefined, { signal: this.stopper.signal });
        continue;
      }
      if (r === 'nak' && ++busy <= 6) {
        this.stats.bidsAnswered.nak++;
        await sleep(10_000, undefined, { signal: this.stopper.signal });
        continue;
      }
      this.stats.timeouts++;
      this.write(EOT_BYTE);
      return false;
    }
  }

  /** One frame until ACK: a NAK gets it again (up to 6 times), silence gives up the transfer. */
  private async sendFrame(frame: Buffer): Promise<boolean> {
    for (let naks = 0; ; ) {
      const corrupt = naks === 0 && this.random() < this.o.corrupt;
      this.write(corrupt ? corrupted(frame, this.random) : frame);
      if (naks === 0) this.stats.framesSent++;
      else this.stats.retransmissions++;
      const r = await this.reply(this.o.replyTimeoutMs);
      if (r === 'ack' || r === 'eot') return true; // EOT here is the receiver's interrupt request: allowed to go on
      if (r === 'nak') {
        this.stats.naksReceived++;
        if (++naks <= 6) continue;
      } else this.stats.timeouts++;
      this.write(EOT_BYTE);
      return false;
    }
  }

  private translate(record: string): string {
    const d = this.o.delimiters;
    if (d === '|\\^&') return record;
    const map: Record<string, string> = { '|': d[0]!, '\\': d[1]!, '^': d[2]!, '&': d[3]! };
    return record.replace(/[|\\^&]/g, (c) => map[c]!);
  }

  private header(processing: string): string {
    return `H|\\^&|||SIM-BG^ambulink^1.0|||||||${processing}|LIS2-A2|${astmTimestamp(Date.now())}`;
  }

  private queryMessage(): string[] {
    const now = astmTimestamp(Date.now());
    return [this.header('P'), `Q|1|^S${this.specimenNo + 1}||^^^ALL||${now}`, 'L|1|N'].map((r) => this.translate(r));
  }

  private sampleMessage(): string[] {
    const now = Date.now();
    const ts = astmTimestamp(now);
    const specimen = `S${++this.specimenNo}`;
    const records = [
      this.header('P'),
      `P|1||${this.o.patient}`,
      `O|1|${specimen}||^^^BG|R|${ts}|${astmTimestamp(now - 120_000)}||||||||${this.o.specimenType}`,
      ...this.patient.sample(this.o.panel).map(
        (r, i) => `R|${i + 1}|^^^${r.id}|${formatValue(r)}|${r.unit}|${r.low}^${r.high}|${r.flag}||F||medic12||${ts}`,
      ),
      'L|1|N',
    ];
    return records.map((r) => this.translate(r));
  }

  private qcMessage(): string[] {
    const ts = astmTimestamp(Date.now());
    const records = [
      this.header('P'),
      // O-12 action code Q: a quality-control specimen.
      `O|1|QC2-LOT4711||^^^BG|R|${ts}|||||Q`,
      ...this.patient.qc(this.o.panel).map(
        (r, i) => `R|${i + 1}|^^^${r.id}|${formatValue(r)}|${r.unit}|${r.low}^${r.high}|${r.flag}||F||medic12||${ts}`,
      ),
      'L|1|N',
    ];
    return records.map((r) => this.translate(r));
  }
}

/** One text byte changed, checksum kept: the receiver must NAK it. */
function corrupted(frame: Buffer, random: () => number): Buffer {
  const copy = Buffer.from(frame);
  const textLen = frame.length - 7;
  const at = 2 + Math.floor(random() * Math.max(1, textLen));
  copy[at] = copy[at]! ^ 0x01;
  return copy;
}

function choice<T extends string>(params: Record<string, string | undefined>, name: string, allowed: readonly T[], fallback: T): T {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new SimParamError(`--${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export const astmSimulator: SimulatorDefinition = {
  summary: 'Blood-gas analyser (ABL-style ids), ASTM E1381/E1394 or raw E1394; faults on request',
  endpoints: ['pty', 'tcp-server', 'tcp-client'],
  params: [
    { name: 'every', description: 'seconds between samples', default: '30' },
    { name: 'first', description: 'seconds before the first sample', default: '1' },
    { name: 'panel', description: 'bloodgas | cardiac | full (blood gas and troponin I)', default: 'bloodgas' },
    { name: 'framing', description: 'e1381 | raw (E1394 records without framing)', default: 'e1381' },
    { name: 'split', description: 'longest frame text; small values force ETB continuation frames', default: '240' },
    { name: 'corrupt', description: 'probability per frame of a bad checksum on first sending (NAK → retransmit)', default: '0' },
    { name: 'contention', description: "how many of the gateway's bids to answer with ENQ (the instrument wins)", default: '0' },
    { name: 'interrupt', description: 'probability per transfer of EOT before the L record', default: '0' },
    { name: 'stall', description: 'probability per transfer of going silent mid-transfer', default: '0' },
    { name: 'stall-ms', description: 'how long a stall lasts', default: '35000' },
    { name: 'query', description: 'ask the host for orders (Q record) before each sample', flag: true },
    { name: 'qc', description: 'probability per sample of a quality-control run instead', default: '0' },
    { name: 'delimiters', description: 'field, repeat, component, escape delimiters', default: '|\\^&' },
    { name: 'patient', description: 'patient id sent in P-3', default: 'AMB-7781' },
    { name: 'specimen', description: 'specimen type sent in O-16', default: 'Arterial' },
    { name: 'count', description: 'stop after this many samples (0: never)', default: '0' },
  ],
  async start({ endpoint, params, log }) {
    const delimiters = params.delimiters ?? defaultInstrumentOptions.delimiters;
    if (delimiters.length !== 4 || new Set(delimiters).size !== 4) throw new SimParamError('--delimiters takes 4 different characters, e.g. "|\\^&"');
    const split = numberParam(params, 'split', MAX_FRAME_TEXT);
    if (split < 1) throw new SimParamError('--split must be at least 1');
    const options: AstmInstrumentOptions = {
      ...defaultInstrumentOptions,
      framing: choice(params, 'framing', ['e1381', 'raw'] as const, 'e1381'),
      everyMs: numberParam(params, 'every', 30) * 1000,
      firstMs: numberParam(params, 'first', 1) * 1000,
      panel: choice(params, 'panel', ['bloodgas', 'cardiac', 'full'] as const, 'bloodgas'),
      split,
      corrupt: numberParam(params, 'corrupt', 0),
      contention: numberParam(params, 'contention', 0),
      interrupt: numberParam(params, 'interrupt', 0),
      stall: numberParam(params, 'stall', 0),
      stallMs: numberParam(params, 'stall-ms', 35_000),
      query: flagParam(params, 'query'),
      qc: numberParam(params, 'qc', 0),
      delimiters,
      patient: params.patient ?? defaultInstrumentOptions.patient,
      specimenType: params.specimen ?? defaultInstrumentOptions.specimenType,
      count: numberParam(params, 'count', 0),
    };
    const port = await openSimPort(endpoint, log);
    const instrument = new AstmInstrument(port, options);
    instrument.start();
    return {
      description: `${port.description}, a ${options.panel} sample every ${options.everyMs / 1000} s (${options.framing})`,
      stop: () => instrument.stop(),
    };
  },
};
