// Turns what the recorder writes into manifest entries. ffmpeg appends `file,start,end` to the run's segment list when
// a segment closes: that line is the signal to hash it and sign it in. A segment the encoder never closed (kill -9,
// power cut) is collected as `partial` once its writer is gone: fragmented MP4 plays up to its last fragment.
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import { readManifest, type ManifestEntry, type ManifestWriter, type SegmentFacts } from './manifest.js';
import { sha256File } from './verify.js';

const LIST_PREFIX = '.segments-';

/** What the manifest already says about the camera's files (rebuilt from it at start). */
export interface RecordingIndex {
  /** Segments in the manifest, oldest first, with their upload and eviction state. */
  segments: Map<string, { sha256: string; bytes: number; uploaded: boolean; evicted: boolean; at: string }>;
}

export function indexManifest(file: string): RecordingIndex {
  const segments: RecordingIndex['segments'] = new Map();
  for (const e of readManifest(file)) {
    if (typeof e === 'string') continue;
    if (e.type === 'segment') segments.set(e.file, { sha256: e.sha256, bytes: e.bytes, uploaded: false, evicted: false, at: e.at });
    else if (e.type === 'upload') {
      const s = segments.get(e.file);
      if (s) s.uploaded = true;
    } else if (e.type === 'eviction') {
      const s = segments.get(e.file);
      if (s) s.evicted = true;
    }
  }
  return { segments };
}

export class SegmentCollector {
  private listFile: string | undefined;
  private listOffset = 0;
  /** Serialises manifest writes: hashing is asynchronous, entries must stay in order. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Encounters open at some time during the segment being written. */
  private encounters = new Set<string>();
  private currentEncounter: string | undefined;
  private bookmarked = false;
  lastSegment: ManifestEntry | undefined;

  constructor(
    private readonly dir: string,
    private readonly manifest: ManifestWriter,
    readonly index: RecordingIndex,
    private readonly log: Logger,
    private readonly onClosed: (entry: ManifestEntry) => void,
  ) {}

  /** A fresh segment list for a new recorder run (ffmpeg truncates the list it is given). */
  newRun(): string {
    this.listFile = join(this.dir, `${LIST_PREFIX}${Date.now()}.csv`);
    this.listOffset = 0;
    return this.listFile;
  }

  /** The encounter open now (undefined: none): linked to the segment being written and the following ones. */
  setEncounter(id: string | undefined): void {
    if (id) this.encounters.add(id);
    this.currentEncounter = id;
  }

  /** A high-priority alarm: marks the segment being written, right now and durably. */
  bookmark(alarm: { device: string; alarmId: string; text: string; priority: string }): Promise<ManifestEntry> {
    this.bookmarked = true;
    const file = this.openSegment() ?? null;
    return this.enqueue(() =>
      this.manifest.append({ type: 'bookmark', file, alarm, ...(this.currentEncounter ? { encounter: this.currentEncounter } : {}) }),
    );
  }

  /** Appends a manifest entry in order with the segment entries. */
  enqueue<T>(fn: () => T | Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch((err: Error) => this.log.error({ dir: this.dir, err: err.message }, 'manifest write failed'));
    return next;
  }

  /** Reads the lines ffmpeg has appended to the current run's list since last time. */
  poll(): Promise<void> {
    const file = this.listFile;
    if (!file || !existsSync(file)) return this.queue.then(() => undefined);
    const text = readFileSync(file, 'utf8');
    const end = text.lastIndexOf('\n') + 1;
    if (end <= this.listOffset) return this.queue.then(() => undefined);
    const lines = text.slice(this.listOffset, end).split('\n').filter(Boolean);
    this.listOffset = end;
    for (const line of lines) {
      const [name, start, stop] = line.split(',');
      if (name) void this.enqueue(() => this.close(name, { mediaStart: Number(start), mediaEnd: Number(stop) }));
    }
    return this.queue.then(() => undefined);
  }

  /**
   * With no recorder running: reads every leftover segment list, then signs in every segment file the manifest does
   * not know as partial. Runs before each recorder start and after each exit.
   */
  async sweep(): Promise<void> {
    await this.poll();
    for (const f of readdirSync(this.dir).filter((n) => n.startsWith(LIST_PREFIX)).sort()) {
      const path = join(this.dir, f);
      for (const line of readFileSync(path, 'utf8').split('\n').filter(Boolean)) {
        const [name, start, stop] = line.split(',');
        if (name && !this.index.segments.has(name) && existsSync(join(this.dir, name))) {
          await this.enqueue(() => this.close(name, { mediaStart: Number(start), mediaEnd: Number(stop) }));
        }
      }
      unlinkSync(path);
    }
    this.listFile = undefined;
    for (const name of this.unlisted()) await this.enqueue(() => this.close(name, { partial: true }));
  }

  /** The segment being written: the newest file the manifest does not know yet. */
  openSegment(): string | undefined {
    return this.unlisted().at(-1);
  }

  private unlisted(): string[] {
    return readdirSync(this.dir)
      .filter((n) => n.endsWith('.mp4') && !this.index.segments.has(n))
      .sort();
  }

  private async close(name: string, media: { mediaStart?: number; mediaEnd?: number; partial?: boolean }): Promise<void> {
    if (this.index.segments.has(name)) return;
    const path = join(this.dir, name);
    if (!existsSync(path)) return void this.log.warn({ file: name }, 'listed segment is gone');
    const bytes = statSync(path).size;
    const sha256 = await sha256File(path);
    const encounters = [...this.encounters];
    const facts: SegmentFacts = {
      type: 'segment',
      file: name,
      bytes,
      sha256,
      ...(media.mediaStart !== undefined && Number.isFinite(media.mediaStart) ? { mediaStart: media.mediaStart } : {}),
      ...(media.mediaEnd !== undefined && Number.isFinite(media.mediaEnd) ? { mediaEnd: media.mediaEnd } : {}),
      ...(media.partial ? { partial: true } : {}),
      ...(encounters.length ? { encounters } : {}),
      ...(this.bookmarked ? { bookmarked: true } : {}),
    };
    const entry = this.manifest.append(facts);
    this.index.segments.set(name, { sha256, bytes, uploaded: false, evicted: false, at: entry.at });
    // The next segment starts with whatever encounter is still open, and no bookmark.
    this.encounters = new Set(this.currentEncounter ? [this.currentEncounter] : []);
    this.bookmarked = false;
    this.lastSegment = entry;
    if (media.partial) this.log.warn({ file: name, bytes }, 'partial segment signed in (the encoder ended mid-segment)');
    this.onClosed(entry);
  }
}
