// Priority classes of the outbox. Each has its own disk quota; only location, waveform and diagnostic records may be
// evicted (lowest class first, oldest first) or expire. Alarms, events, audit, lab results and numerics are never
// dropped by the outbox: issue 7 requires lab results to survive like alarms.
import type { OutboxConfig } from '../config/schema.js';
import type { CanonicalRecord } from '../schema/index.js';

/** In sending order: live data of a higher class leaves before a lower class's. */
export const PRIORITY_CLASSES = ['alarm', 'lab', 'numeric', 'location', 'waveform', 'diagnostic'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/** Index of a class in PRIORITY_CLASSES; arrays indexed by it hold per-class state. */
export type ClassIndex = number;
export const CLASS_COUNT = PRIORITY_CLASSES.length;

/**
 * On-disk code of each class (the key prefix of its records). Fixed forever: an outbox written by one version is read
 * by the next, whatever the sending order becomes.
 */
export const CLASS_CODES: readonly number[] = [1, 2, 3, 4, 5, 6];

/** Evicted first to last when the total quota is reached. */
export const EVICTION_ORDER: readonly ClassIndex[] = ['diagnostic', 'waveform', 'location'].map((c) =>
  PRIORITY_CLASSES.indexOf(c as PriorityClass),
);

export function isEvictable(cls: ClassIndex): boolean {
  return EVICTION_ORDER.includes(cls);
}

export function className(cls: ClassIndex): PriorityClass {
  return PRIORITY_CLASSES[cls]!;
}

export function classIndex(name: PriorityClass): ClassIndex {
  return PRIORITY_CLASSES.indexOf(name);
}

const byKind: Record<CanonicalRecord['kind'], ClassIndex> = {
  alarm: classIndex('alarm'),
  event: classIndex('alarm'),
  loss: classIndex('alarm'),
  lab: classIndex('lab'),
  numeric: classIndex('numeric'),
  setting: classIndex('numeric'),
  location: classIndex('location'),
  waveform: classIndex('waveform'),
  device: classIndex('diagnostic'),
  // Early-warning alerts and care milestones are events: never dropped. Scores are derived numerics.
  alert: classIndex('alarm'),
  milestone: classIndex('alarm'),
  score: classIndex('numeric'),
};

export function classOfKind(kind: CanonicalRecord['kind']): ClassIndex {
  return byKind[kind];
}

export interface ClassPolicy {
  readonly name: PriorityClass;
  readonly quotaBytes: number;
  /** 0 = never expires. Always 0 for the protected classes. */
  readonly expiryMs: number;
  readonly evictable: boolean;
}

export function classPolicies(config: OutboxConfig): ClassPolicy[] {
  return PRIORITY_CLASSES.map((name, i) => {
    const c = config.classes[name] as { quotaBytes: number; expirySeconds?: number };
    return { name, quotaBytes: c.quotaBytes, expiryMs: isEvictable(i) ? (c.expirySeconds ?? 0) * 1000 : 0, evictable: isEvictable(i) };
  });
}
