// The latest value of everything, per device, with its age: what `ambulink watch` shows and what interlocks read
// (is SpO2 fresh?). Waveforms are kept as a summary, not their samples.
import type { CanonicalRecord } from '../schema/index.js';
import type { DaemonEnv, Extension } from './context.js';

export interface LatestEntry {
  key: string;
  record: CanonicalRecord;
  /** Gateway monotonic ms when it arrived. */
  mono: number;
}

function keyOf(r: CanonicalRecord): string {
  switch (r.kind) {
    case 'numeric':
    case 'setting':
    case 'waveform':
      return `${r.kind}:${r.metric.ref}`;
    case 'alarm':
      return `alarm:${r.alarmId}`;
    case 'lab':
      // A QC run must never stand in for the patient's latest result.
      return r.qc ? `lab-qc:${r.test.loinc}` : `lab:${r.test.loinc}`;
    case 'event':
      return `event:${r.event}`;
    case 'score':
    case 'alert':
      return `${r.kind}:${r.score}`;
    case 'milestone':
      // One per milestone, and one per kind of pre-arrival alert (a stroke alert after a STEMI one keeps both).
      return `milestone:${r.milestone}${r.preArrival ? `:${r.preArrival}` : ''}`;
    default:
      return r.kind;
  }
}

export class LatestValues implements Extension {
  readonly name = 'latest-values';
  private readonly byDevice = new Map<string, Map<string, LatestEntry>>();

  constructor(private readonly env: DaemonEnv) {}

  async start(): Promise<void> {
    this.env.bus.on(this, 'record', (record) => this.remember(record));
  }

  async stop(): Promise<void> {
    this.env.bus.removeListeners(this);
  }

  private remember(record: CanonicalRecord): void {
    let entries = this.byDevice.get(record.device);
    if (!entries) this.byDevice.set(record.device, (entries = new Map()));
    const key = keyOf(record);
    const kept: CanonicalRecord =
      record.kind === 'waveform' ? { ...record, samples: record.samples.slice(-1) } : record;
    if (record.kind === 'alarm' && record.state === 'cleared') entries.delete(key);
    else entries.set(key, { key, record: kept, mono: record.mono });
  }

  /** One value, with its age in ms (gateway monotonic clock). */
  get(device: string, key: string): { record: CanonicalRecord; ageMs: number } | undefined {
    const e = this.byDevice.get(device)?.get(key);
    return e && { record: e.record, ageMs: this.env.clock.monoMs() - e.mono };
  }

  snapshot(): Record<string, Array<{ key: string; ageMs: number; record: CanonicalRecord }>> {
    const now = this.env.clock.monoMs();
    const out: Record<string, Array<{ key: string; ageMs: number; record: CanonicalRecord }>> = {};
    for (const [device, entries] of this.byDevice) {
      out[device] = [...entries.values()].map((e) => ({ key: e.key, ageMs: Math.round(now - e.mono), record: e.record }));
    }
    return out;
  }
}
