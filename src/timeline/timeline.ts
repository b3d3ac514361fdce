// The care timeline of one encounter: each milestone once, with its time and source, and the pathway intervals
// between them checked against the chest-pain-centre targets. Pure: times come in as epoch ms.
import type { MilestoneName, MilestoneRecord, TimelineConfig, TimelineInterval } from './types.js';

export interface Milestone {
  milestone: MilestoneName;
  atMs: number;
  origin: MilestoneRecord['origin'];
  by: string;
  preArrival?: NonNullable<MilestoneRecord['preArrival']>;
  detail?: NonNullable<MilestoneRecord['detail']>;
}

type IntervalName = TimelineInterval['name'];

const INTERVALS: ReadonlyArray<{ name: IntervalName; from: MilestoneName; to: MilestoneName; target: (t: TimelineConfig['targets']) => number | undefined }> = [
  { name: 'contact-to-first-ecg', from: 'first-medical-contact', to: 'first-ecg', target: (t) => t.contactToFirstEcgS },
  { name: 'ecg-to-transmitted', from: 'first-ecg', to: '12-lead-transmitted', target: (t) => t.ecgToTransmittedS },
  { name: 'contact-to-arrival', from: 'first-medical-contact', to: 'arrived-hospital', target: (t) => t.contactToArrivalS },
];

/** An interval as the CLI shows it: done (ms), running (elapsed so far, overdue past its target) or not started. */
export interface LiveInterval extends TimelineInterval {
  from: MilestoneName;
  to: MilestoneName;
  state: 'done' | 'running' | 'not-started';
  /** While running: time since its start. */
  elapsedMs?: number;
  /** While running: past its target already. */
  overdue?: boolean;
}

/**
 * Each milestone once, except the pre-arrival alert: once per kind, since a second alert of another kind (a stroke
 * found after a STEMI alert) calls another team and must not be lost as a repeat.
 */
const keyOf = (m: Pick<Milestone, 'milestone' | 'preArrival'>): string => (m.preArrival ? `${m.milestone}:${m.preArrival}` : m.milestone);

export class CareTimeline {
  private readonly milestones = new Map<string, Milestone>();

  constructor(
    private readonly targets: TimelineConfig['targets'],
    readonly encounter: string | undefined,
    restored: readonly Milestone[] = [],
  ) {
    for (const m of restored) this.milestones.set(keyOf(m), m);
  }

  /** Records a milestone the first time it happens; false (and nothing changes) when it is already there. */
  add(m: Milestone): boolean {
    if (this.milestones.has(keyOf(m))) return false;
    this.milestones.set(keyOf(m), m);
    return true;
  }

  /** Replaces a milestone that is there (a correction); false when there is none to replace. */
  replace(m: Milestone): boolean {
    if (!this.milestones.has(keyOf(m))) return false;
    this.milestones.set(keyOf(m), m);
    return true;
  }

  /** The pre-arrival alerts made so far, in time order. */
  preArrivalAlerts(): Milestone[] {
    return this.list().filter((m) => m.milestone === 'pre-arrival-alert');
  }

  /** By name (a pre-arrival alert is found by preArrivalAlerts). */
  has(name: MilestoneName): boolean {
    return this.milestones.has(name);
  }

  get(name: MilestoneName): Milestone | undefined {
    return this.milestones.get(name);
  }

  /** In time order. */
  list(): Milestone[] {
    return [...this.milestones.values()].sort((a, b) => a.atMs - b.atMs);
  }

  /** The intervals for a record: ms once both ends are known, met against the target where there is one. */
  intervals(): TimelineInterval[] {
    return this.live(undefined).map(({ name, ms, targetMs, met }) => ({ name, ms, ...(targetMs !== undefined ? { targetMs } : {}), ...(met !== undefined ? { met } : {}) }));
  }

  /** The intervals now, with the elapsed time of those running. */
  live(nowMs: number | undefined): LiveInterval[] {
    return INTERVALS.map(({ name, from, to, target }) => {
      const s = target(this.targets);
      const targetMs = s === undefined ? undefined : s * 1000;
      const a = this.milestones.get(from);
      const b = this.milestones.get(to);
      const base = { name, from, to, ...(targetMs !== undefined ? { targetMs } : {}) };
      if (a && b) {
        // A device can be on the patient before contact is entered: that interval is zero, not negative.
        const ms = Math.max(0, b.atMs - a.atMs);
        return { ...base, ms, state: 'done' as const, ...(targetMs !== undefined ? { met: ms <= targetMs } : {}) };
      }
      if (a && nowMs !== undefined) {
        const elapsedMs = Math.max(0, nowMs - a.atMs);
        return { ...base, ms: null, state: 'running' as const, elapsedMs, ...(targetMs !== undefined ? { overdue: elapsedMs > targetMs } : {}) };
      }
      return { ...base, ms: null, state: a ? ('running' as const) : ('not-started' as const) };
    });
  }
}
