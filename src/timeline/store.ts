// The open encounter's timeline, kept in one small file so that a restarted daemon keeps its milestones (and does not
// announce a second "first ECG"). Written whole on every milestone (a handful per encounter).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Milestone } from './timeline.js';

interface Stored {
  encounter: string | null;
  milestones: Milestone[];
}

export class TimelineFile {
  constructor(private readonly dataDir: string) {}

  private get file(): string {
    return join(this.dataDir, 'timeline.json');
  }

  /** The milestones stored for this encounter; none if the file is for another one (or absent, or unreadable). */
  read(encounter: string | undefined): { milestones: Milestone[]; problem?: string } {
    if (!existsSync(this.file)) return { milestones: [] };
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as Stored;
      return { milestones: s.encounter === (encounter ?? null) && Array.isArray(s.milestones) ? s.milestones : [] };
    } catch (err) {
      return { milestones: [], problem: `${this.file} is not readable JSON (${(err as Error).message}): starting an empty timeline` };
    }
  }

  write(encounter: string | undefined, milestones: Milestone[]): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ encounter: encounter ?? null, milestones } satisfies Stored), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
