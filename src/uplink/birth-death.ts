// The retained status message on …/status, in the manner of Sparkplug's birth and death certificates: "online" on
// every connection (and refreshed with the current figures), "offline" as the Will when the link dies and as an
// explicit goodbye on a clean stop. Each connection has a new bdSeq, kept across restarts, so a consumer can ignore a
// death that arrives late for an older connection (its bdSeq is below the latest birth's).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface StatusMessage {
  state: 'online' | 'offline';
  vehicle: string;
  bdSeq: number;
  /** Outbox epoch: seqs restart at 1 only under a new epoch. */
  epoch: string;
  at?: string;
  reason?: string;
  [section: string]: unknown;
}

export function statusPayload(message: StatusMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

/** The birth/death sequence number, one per connection attempt, persisted in a small file. */
export class BdSeq {
  private value = 0;

  constructor(private readonly file: string) {}

  load(): void {
    try {
      const n = Number(readFileSync(this.file, 'utf8').trim());
      if (Number.isSafeInteger(n) && n >= 0) this.value = n;
    } catch {
      this.value = 0;
    }
  }

  /** The next bdSeq; stored before it is used so that a restart never repeats one. */
  next(): number {
    this.value++;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      writeFileSync(this.file, `${this.value}\n`);
    } catch {
      // Storage unwritable: the sequence still increases in memory; a restart may repeat a bdSeq, which consumers
      // see as a stale death at worst.
    }
    return this.value;
  }

  get current(): number {
    return this.value;
  }
}
