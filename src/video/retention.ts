// Disk watermarks for the recording. Below the first, segments already uploaded are deleted, oldest first. Below
// the second, the storage alarm is raised; segments never uploaded are deleted only if the vehicle's policy says so,
// and each such deletion is an alarm and a manifest entry. Nothing is ever deleted silently, and the segment being
// written is never touched.
import { statfsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { VideoConfig } from '../config/schema.js';
import type { Logger } from '../core/logger.js';
import type { CameraPipeline } from './camera-pipeline.js';

/** Free space of the file system holding `path`, in percent. Injected in tests to stage a full disk. */
export type FreeSpaceProbe = (path: string) => number;

export const statfsFreePercent: FreeSpaceProbe = (path) => {
  const s = statfsSync(path);
  return s.blocks > 0 ? (s.bavail / s.blocks) * 100 : 100;
};

export interface RetentionEvents {
  /** Storage below the alarm watermark (true), or back above it (false). */
  storageAlarm(active: boolean, freePercent: number): void;
  /** A segment that was never uploaded was deleted (policy evictUnuploaded). */
  evictedUnuploaded(camera: string, file: string): void;
}

export interface RetentionReport {
  freePercent: number;
  alarm: boolean;
  evictedUploaded: number;
  evictedUnuploaded: number;
}

export class Retention {
  private alarm = false;
  private evictedUploaded = 0;
  private evictedUnuploaded = 0;
  private lastFree = 100;
  private running: Promise<void> | undefined;

  constructor(
    private readonly policy: VideoConfig['retention'],
    private readonly recordDir: string,
    private readonly cameras: () => CameraPipeline[],
    private readonly events: RetentionEvents,
    private readonly log: Logger,
    private readonly freePercent: FreeSpaceProbe = statfsFreePercent,
  ) {}

  report(): RetentionReport {
    return { freePercent: Math.round(this.lastFree * 10) / 10, alarm: this.alarm, evictedUploaded: this.evictedUploaded, evictedUnuploaded: this.evictedUnuploaded };
  }

  /** One pass; concurrent calls share the pass in progress. */
  check(): Promise<void> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  private async pass(): Promise<void> {
    const { evictUploadedBelowFreePercent: low, alarmBelowFreePercent: critical, evictUnuploaded } = this.policy;
    let free = this.measure();
    if (free < low) {
      for (const c of this.candidates(true)) {
        if (free >= low) break;
        await this.evict(c.camera, c.file, true, `free space ${free.toFixed(1)} % < ${low} %`);
        free = this.measure();
      }
    }
    if (free < critical && evictUnuploaded) {
      for (const c of this.candidates(false)) {
        if (free >= critical) break;
        await this.evict(c.camera, c.file, false, `free space ${free.toFixed(1)} % < ${critical} % (policy evictUnuploaded)`);
        this.events.evictedUnuploaded(c.camera.id, c.file);
        free = this.measure();
      }
    }
    const alarm = free < critical;
    if (alarm !== this.alarm) {
      this.alarm = alarm;
      this.log[alarm ? 'error' : 'info']({ freePercent: free }, alarm ? 'recording storage critically low' : 'recording storage recovered');
      this.events.storageAlarm(alarm, free);
    }
  }

  private measure(): number {
    this.lastFree = this.freePercent(this.recordDir);
    return this.lastFree;
  }

  /** Closed segments of every camera, oldest first (file names start with the UTC time after a fixed prefix). */
  private candidates(uploaded: boolean): Array<{ camera: CameraPipeline; file: string; at: string }> {
    const list: Array<{ camera: CameraPipeline; file: string; at: string }> = [];
    for (const camera of this.cameras()) {
      for (const [file, s] of camera.index.segments) {
        if (!s.evicted && s.uploaded === uploaded) list.push({ camera, file, at: s.at });
      }
    }
    return list.sort((a, b) => a.at.localeCompare(b.at));
  }

  private async evict(camera: CameraPipeline, file: string, uploaded: boolean, reason: string): Promise<void> {
    const s = camera.index.segments.get(file)!;
    // The manifest says so first: a crash between the two leaves an entry for a file that is still there, never a
    // missing file without an entry.
    await camera.collector.enqueue(() => camera.manifest.append({ type: 'eviction', file, uploaded, reason }));
    s.evicted = true;
    try {
      unlinkSync(join(camera.dir, file));
    } catch (err) {
      this.log.warn({ camera: camera.id, file, err: (err as Error).message }, 'eviction: cannot delete');
    }
    if (uploaded) this.evictedUploaded++;
    else this.evictedUnuploaded++;
    this.log[uploaded ? 'info' : 'error']({ camera: camera.id, file, uploaded, reason }, uploaded ? 'evicted an uploaded segment' : 'EVICTED A SEGMENT THAT WAS NEVER UPLOADED');
  }
}
