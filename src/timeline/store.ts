// The open encounter's timeline, kept in one small file so that a restarted daemon keeps its milestones (and does not
// announce a second "first ECG", nor an overdue target again). Written whole on every milestone and every overdue
// target (a handful per encounter).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Milestone } from './timeline.js';

interface Stored {
  encounter: string | null;
  milestones: Milestone[];
  /** The intervals already announced as overdue (absent in files of earlier versions). */
  overdue?: string[];
}

export interface StoredTimeline {
  milestones: Milestone[];
  overdue: string[];
  problem?: string;
}

export class TimelineFile {
  constructor(private readonly dataDir: string) {}

  private get file(): string {
    return join(this.dataDir, 'timeline.json');
  }

  /** The milestones stored for this encounter; none if the file is for another one (or absent, or unreadable). */
  read(encounter: string | undefined): StoredTimeline {
    if (!existsSync(this.file)) return { milestones: [], overdue: [] };
    try {
      const s = JSON.parse(readFileSync(this.file, 'utf8')) as Stored;
      const mine = s.encounter === (encounter ?? null);
      return {
        milestones: mine && Array.isArray(s.milestones) ? s.milestones : [],
        overdue: mine && Array.isArray(s.overdue) ? s.overdue.filter((x) => typeof x === 'string') : [],
      };
    } catch (err) {
      return { milestones: [], overdue: [], problem: `${this.file} is not readable JSON (${(err as Error).message}): starting an empty timeline` };
    }
  }

  write(encounter: string | undefined, milestones: Milestone[], overdue: readonly string[] = []): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ encounter: encounter ?? null, milestones, overdue: [...overdue] } satisfies Stored), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}
