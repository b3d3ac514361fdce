// Checks one camera's recording against its manifest: every entry's hash and signature, the chain from one entry to
// the next, and every segment file's size and sha256 (unless the manifest itself records that it was evicted).
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { GatewayPublicKey } from '../core/gateway-key.js';
import { entryHashOf, MANIFEST_FILE, readManifest, type ManifestEntry } from './manifest.js';

export type ProblemKind = 'malformed' | 'signature' | 'chain' | 'changed' | 'missing';

export interface VerifyProblem {
  kind: ProblemKind;
  /** Manifest line (1-based). */
  line: number;
  file?: string;
  message: string;
}

export interface VerifyReport {
  camera: string;
  dir: string;
  ok: boolean;
  entries: number;
  segments: number;
  partialSegments: number;
  evicted: number;
  bookmarks: number;
  /** The latest entryHash: compare with the one the hospital last received. */
  head: string;
  problems: VerifyProblem[];
  /** Segment files in the directory that no entry names (the one being written, or something added). */
  unlisted: string[];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

export async function verifyCamera(dir: string, camera: string, key: GatewayPublicKey): Promise<VerifyReport> {
  const entries = readManifest(join(dir, MANIFEST_FILE));
  const problems: VerifyProblem[] = [];
  const report: VerifyReport = { camera, dir, ok: true, entries: entries.length, segments: 0, partialSegments: 0, evicted: 0, bookmarks: 0, head: '', problems, unlisted: [] };
  const evicted = new Set<string>();
  for (const e of entries) if (typeof e !== 'string' && e.type === 'eviction') evicted.add(e.file);
  const listed = new Set<string>();
  let prev = '';
  let prevSeq = 0;
  for (let i = 0; i < entries.length; i++) {
    const line = i + 1;
    const e = entries[i]!;
    if (typeof e === 'string' || typeof e.entryHash !== 'string' || typeof e.seq !== 'number') {
      problems.push({ kind: 'malformed', line, message: 'not a manifest entry' });
      continue;
    }
    const file = 'file' in e && typeof e.file === 'string' ? e.file : undefined;
    const at = (kind: ProblemKind, message: string) => problems.push({ kind, line, ...(file ? { file } : {}), message });
    const hash = entryHashOf(e as unknown as Record<string, unknown>);
    if (hash !== e.entryHash) at('changed', 'the entry was edited (its hash does not match its content)');
    else if (!key.verify(e.entryHash, e.sig)) at('signature', `bad signature (key ${e.key}, verifying with ${key.id})`);
    if (e.prev !== prev || e.seq !== prevSeq + 1) {
      at('chain', `out of order or after a removed entry (seq ${e.seq} after ${prevSeq}; prev hash does not match)`);
    }
    prev = e.entryHash;
    prevSeq = e.seq;
    report.head = e.entryHash;
    if (e.type === 'bookmark') report.bookmarks++;
    if (e.type === 'eviction') report.evicted++;
    if (e.type !== 'segment') continue;
    report.segments++;
    if (e.partial) report.partialSegments++;
    listed.add(e.file);
    await checkSegment(dir, e, evicted, at);
  }
  if (existsSync(dir)) {
    report.unlisted = readdirSync(dir).filter((f) => f.endsWith('.mp4') && !listed.has(f)).sort();
  }
  report.ok = problems.length === 0;
  return report;
}

async function checkSegment(
  dir: string,
  e: Extract<ManifestEntry, { type: 'segment' }>,
  evicted: Set<string>,
  problem: (kind: ProblemKind, message: string) => void,
): Promise<void> {
  const path = join(dir, e.file);
  if (!existsSync(path)) {
    if (!evicted.has(e.file)) problem('missing', 'segment file is missing (and no eviction is recorded)');
    return;
  }
  const bytes = statSync(path).size;
  if (bytes !== e.bytes) return void problem('changed', `size ${bytes} bytes, manifest says ${e.bytes}`);
  if ((await sha256File(path)) !== e.sha256) problem('changed', 'content changed (sha256 mismatch)');
}
