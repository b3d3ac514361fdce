// Upload of closed segments to the hospital over the tus resumable-upload protocol (tus-js-client): one segment at a
// time, oldest first, resumed where it stopped after an outage or a restart, throttled while live video runs. The
// receiver checks the sha256 sent in the upload's metadata before it answers the last chunk; only then is the
// segment marked uploaded (a manifest entry), which makes it the first to go when the disk fills.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { Backoff } from '../core/backoff.js';
import type { Logger } from '../core/logger.js';
import type { CameraPipeline } from './camera-pipeline.js';

/** tus-js-client's file-backed URL store (exported by the package, missing from its type declarations). */
type UrlStorage = NonNullable<ConstructorParameters<typeof tus.Upload>[1]['urlStorage']>;
const FileUrlStorage = (tus as unknown as { FileUrlStorage: new (path: string) => UrlStorage }).FileUrlStorage;

export interface UploadPolicy {
  url: string;
  maxKbps: number;
  maxKbpsWhileLive: number;
}

export interface UploadStatus {
  endpoint: string;
  pending: number;
  uploaded: number;
  bytesSent: number;
  throttleKbps: number;
  current?: { camera: string; file: string; percent: number };
  lastError?: string;
}

interface Item {
  camera: CameraPipeline;
  file: string;
  sha256: string;
  bytes: number;
}

const CHUNK = 256 * 1024;

export class Uploader {
  private readonly queue: Item[] = [];
  private readonly queued = new Set<string>();
  private current: { item: Item; upload: tus.Upload; percent: number } | undefined;
  private uploaded = 0;
  private bytesSent = 0;
  private lastError: string | undefined;
  private stopped = true;
  private wake: (() => void) | undefined;
  private worker: Promise<void> | undefined;
  private nextSendAt = 0;
  private readonly backoff = new Backoff({ initialMs: 2000, maxMs: 120_000, factor: 2, jitter: 0.2 });
  private readonly urlStorage: UrlStorage;

  constructor(
    private readonly policy: UploadPolicy,
    private readonly vehicle: string,
    stateFile: string,
    /** True while any camera's live leg is connected: uploads then share the uplink politely. */
    private readonly liveActive: () => boolean,
    private readonly log: Logger,
  ) {
    this.urlStorage = new FileUrlStorage(stateFile);
  }

  start(cameras: CameraPipeline[]): void {
    this.stopped = false;
    for (const camera of cameras) {
      for (const [file, s] of camera.index.segments) if (!s.uploaded && !s.evicted) this.add({ camera, file, sha256: s.sha256, bytes: s.bytes });
    }
    this.worker = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.current?.upload.abort(false).catch(() => undefined);
    await this.worker;
  }

  add(item: Item): void {
    const key = `${item.camera.id}/${item.file}`;
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(item);
    this.wake?.();
  }

  status(): UploadStatus {
    const c = this.current;
    return {
      endpoint: this.policy.url.replace(/\/\/[^/@]*@/, '//[redacted]@'),
      pending: this.queue.length,
      uploaded: this.uploaded,
      bytesSent: this.bytesSent,
      throttleKbps: this.rateKbps(),
      ...(c ? { current: { camera: c.item.camera.id, file: c.item.file, percent: c.percent } } : {}),
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  private rateKbps(): number {
    return this.liveActive() ? this.policy.maxKbpsWhileLive : this.policy.maxKbps;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const item = this.queue[0];
      if (!item) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      const s = item.camera.index.segments.get(item.file);
      if (!s || s.uploaded || s.evicted) {
        this.dequeue(item);
        continue;
      }
      try {
        await this.send(item);
        if (this.stopped) break;
        await item.camera.collector.enqueue(() => item.camera.manifest.append({ type: 'upload', file: item.file, sha256: item.sha256 }));
        s.uploaded = true;
        this.uploaded++;
        this.lastError = undefined;
        this.backoff.reset();
        this.dequeue(item);
        this.log.info({ camera: item.camera.id, file: item.file, bytes: item.bytes }, 'segment uploaded and verified by the receiver');
      } catch (err) {
        if (this.stopped) break;
        this.lastError = (err as Error).message.split('\n')[0];
        const delay = this.backoff.next();
        this.log.warn({ camera: item.camera.id, file: item.file, err: this.lastError, retryInMs: delay }, 'upload failed; will resume');
        await new Promise<void>((r) => {
          const timer = setTimeout(r, delay);
          this.wake = () => {
            if (this.stopped) {
              clearTimeout(timer);
              r();
            }
          };
        });
        this.wake = undefined;
      }
    }
  }

  private dequeue(item: Item): void {
    this.queue.shift();
    this.queued.delete(`${item.camera.id}/${item.file}`);
  }

  /** One upload attempt, resumed from the offset the receiver has if an earlier attempt got that far. */
  private async send(item: Item): Promise<void> {
    const fingerprint = `ambulink-${this.vehicle}-${item.camera.id}-${item.file}-${item.sha256}`;
    let lastMethod = '';
    const attempt = (fresh: boolean) =>
      new Promise<string>((resolve, reject) => {
        const upload = new tus.Upload(createReadStream(join(item.camera.dir, item.file)), {
          endpoint: this.policy.url,
          chunkSize: CHUNK,
          retryDelays: null, // our own backoff, which also survives restarts of the daemon
          metadata: { filename: item.file, vehicle: this.vehicle, camera: item.camera.id, sha256: item.sha256 },
          fingerprint: async () => fingerprint,
          urlStorage: this.urlStorage,
          storeFingerprintForResuming: true,
          removeFingerprintOnSuccess: true,
          onBeforeRequest: (req) => (req.getMethod() === 'PATCH' ? this.throttle() : undefined),
          onAfterResponse: (req) => {
            lastMethod = req.getMethod();
          },
          onProgress: (sent, total) => {
            if (this.current) this.current.percent = total ? Math.floor((sent / total) * 100) : 0;
          },
          onChunkComplete: (size) => {
            this.bytesSent += size;
          },
          onSuccess: () => resolve(lastMethod),
          onError: reject,
        });
        this.current = { item, upload, percent: 0 };
        const go = fresh ? Promise.resolve([]) : upload.findPreviousUploads();
        go.then((previous) => {
          if (previous[0]) upload.resumeFromPreviousUpload(previous[0]);
          upload.start();
        }, reject);
      });
    try {
      // Complete after a PATCH: the receiver has just checked the sha256 and accepted it. Complete from a HEAD alone
      // (a finished upload found on resuming): the receiver's verdict is unknown, so send the segment again.
      const method = await attempt(false);
      if (method !== 'PATCH' && !this.stopped) {
        await this.forget(fingerprint);
        if ((await attempt(true)) !== 'PATCH') throw new Error('the receiver did not confirm the upload');
      }
    } catch (err) {
      // A rejection (e.g. the receiver's sha256 check failed): the next attempt starts over, not from the offset.
      const status = (err as { originalResponse?: { getStatus(): number } | null }).originalResponse?.getStatus();
      if (status !== undefined && status >= 400 && status < 500 && status !== 409 && status !== 423) await this.forget(fingerprint);
      throw err;
    } finally {
      this.current = undefined;
    }
  }

  private async forget(fingerprint: string): Promise<void> {
    for (const p of await this.urlStorage.findUploadsByFingerprint(fingerprint)) await this.urlStorage.removeUpload(p.urlStorageKey);
  }

  /** Spaces chunks so the average rate stays under the current limit (0 = no limit). */
  private async throttle(): Promise<void> {
    const kbps = this.rateKbps();
    if (kbps <= 0) return;
    const now = Date.now();
    const at = Math.max(now, this.nextSendAt);
    this.nextSendAt = at + (CHUNK * 8) / kbps; // ms per chunk at kbps (bits per ms)
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
