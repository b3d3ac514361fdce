// Everything the setpoint service keeps per device: the queue (one command at a time), the state version the
// hospital must quote, the last observed setting values, the remote-authority lease, applied changes, the last valid
// plateau pressure, and the rate-limit and suspension counters.
import type { SignedCommand } from './command.js';
import type { AppliedChange, ClinicalParam } from './clinical.js';
import type { Refusal } from './reasons.js';
import type { PendingReconcile } from './store.js';

export interface Lease {
  leaseId: string;
  holder: string;
  keyId: string;
  lastUsedMono: number;
}

export type JobPhase = 'queued' | 'checking' | 'confirm' | 'executing';

export interface Job {
  envelope: SignedCommand;
  device: string;
  transactionId: string;
  clinical: ClinicalParam | undefined;
  phase: JobPhase;
  receivedMono: number;
  /** The checks passed so far, in order (what the crew console shows beside the confirm button). */
  passed: string[];
  /** Set while the job waits for the crew: settles the wait. */
  settle?: (outcome: { confirmedBy: string } | Refusal) => void;
  confirmDeadlineWall?: number;
}

export class Lane {
  readonly queue: Job[] = [];
  running: Job | undefined;
  stateVersion = 0;
  readonly observed = new Map<string, number>();
  lease: Lease | undefined;
  history: AppliedChange[] = [];
  lastValidPplat: number | undefined;
  readonly reconciles: PendingReconcile[] = [];
  receipts: number[] = [];
  failures: number[] = [];
  suspendedUntil = 0;
  rateAlertedAt = -Infinity;
  linkState: string | undefined;

  constructor(readonly device: string) {}
}
