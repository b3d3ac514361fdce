// The recording manifest of one camera: an append-only JSON-lines file, one entry per closed segment (and per
// bookmark, upload, eviction and recorder session), each entry carrying the hash of the one before it and an Ed25519
// signature with the gateway's key. Changing, removing or reordering anything breaks the chain or a file hash, and
// `ambulink video verify` says where. Patient linkage (the encounter id) lives here, never in file names.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import type { GatewayKey } from '../core/gateway-key.js';

export const MANIFEST_FILE = 'manifest.jsonl';
export const MANIFEST_VERSION = 1;

export interface SegmentFacts {
  type: 'segment';
  file: string;
  bytes: number;
  sha256: string;
  /** Media time of the segment as ffmpeg reports it (s), when the segment closed normally. */
  mediaStart?: number;
  mediaEnd?: number;
  /** Cut short: the encoder died mid-segment; the file plays up to its last complete fragment. */
  partial?: boolean;
  /** Encounters open at any time while the segment was recorded. */
  encounters?: string[];
  /** A high-priority alarm was active during this segment. */
  bookmarked?: boolean;
}

export interface BookmarkFacts {
  type: 'bookmark';
  /** The segment being written when the alarm came (its entry follows when it closes). */
  file: string | null;
  alarm: { device: string; alarmId: string; text: string; priority: string };
  encounter?: string;
}

export interface UploadFacts {
  type: 'upload';
  file: string;
  sha256: string;
}

export interface EvictionFacts {
  type: 'eviction';
  file: string;
  uploaded: boolean;
  reason: string;
}

export interface SessionFacts {
  type: 'session';
  /** The encoder's command line (secrets redacted) and version: what produced the following segments. */
  argv: string;
  encoder: string;
  ffmpegVersion?: string;
}

export interface RepairFacts {
  type: 'repair';
  /** Bytes of a torn last line (power lost mid-write) cut before appending. */
  truncatedBytes: number;
}

export type EntryFacts = SegmentFacts | BookmarkFacts | UploadFacts | EvictionFacts | SessionFacts | RepairFacts;

export type ManifestEntry = EntryFacts & {
  v: number;
  seq: number;
  at: string;
  vehicle: string;
  camera: string;
  /** entryHash of the previous entry ('' for the first). */
  prev: string;
  /** Id of the signing key. */
  key: string;
  /** sha256 (hex) of this entry's JSON without entryHash and sig. */
  entryHash: string;
  /** Ed25519 signature (base64) over entryHash. */
  sig: string;
};

/** The hash input: the entry's own JSON, as written, without the two fields derived from it. */
export function entryHashOf(entry: Record<string, unknown>): string {
  const { entryHash: _h, sig: _s, ...body } = entry;
  return createHash('sha256').update(JSON.stringify(body)).digest('hex');
}

export class ManifestWriter {
  private seq = 0;
  private prev = '';
  private fd: number | undefined;

  constructor(
    private readonly file: string,
    private readonly key: GatewayKey,
    private readonly who: { vehicle: string; camera: string },
  ) {}

  /** Opens for appending; picks up the chain where it ends, cutting a torn last line left by a power cut. */
  open(): void {
    let torn = 0;
    if (existsSync(this.file)) {
      const text = readFileSync(this.file, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      torn = Buffer.byteLength(text.slice(end));
      const lines = text.slice(0, end).split('\n').filter(Boolean);
      const last = lines.length ? (JSON.parse(lines[lines.length - 1]!) as ManifestEntry) : undefined;
      if (last) {
        this.seq = last.seq;
        this.prev = last.entryHash;
      }
      if (torn > 0) {
        const fd = openSync(this.file, 'r+');
        ftruncateSync(fd, statSync(this.file).size - torn);
        closeSync(fd);
      }
    }
    this.fd = openSync(this.file, 'a', 0o640);
    if (torn > 0) this.append({ type: 'repair', truncatedBytes: torn });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  get lastHash(): string {
    return this.prev;
  }

  get length(): number {
    return this.seq;
  }

  /** Appends one signed entry and makes it durable before returning. */
  append(facts: EntryFacts, at = new Date()): ManifestEntry {
    if (this.fd === undefined) throw new Error('manifest not open');
    const body = {
      v: MANIFEST_VERSION,
      seq: this.seq + 1,
      at: at.toISOString(),
      vehicle: this.who.vehicle,
      camera: this.who.camera,
      ...facts,
      prev: this.prev,
      key: this.key.id,
    };
    const entryHash = entryHashOf(body);
    const entry = { ...body, entryHash, sig: this.key.sign(entryHash) } as ManifestEntry;
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.seq = entry.seq;
    this.prev = entryHash;
    return entry;
  }
}

/** Reads a manifest's entries; a line that is not JSON is returned as a string so the verifier can name it. */
export function readManifest(file: string): Array<ManifestEntry | string> {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => {
      try {
        return JSON.parse(l) as ManifestEntry;
      } catch {
        return l;
      }
    });
}
