// The video extension of the daemon: one pipeline per configured camera, the recording's retention and upload, the
// open encounter and high-priority alarms linked into the manifests, `ambulink video status` on the control socket
// and a `video` section in the gateway status.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isoMs } from '../core/clock.js';
import { GatewayKey, keysDir, PUBLIC_KEY_FILE } from '../core/gateway-key.js';
import type { DaemonEnv, Extension } from '../daemon/context.js';
import type { AlarmRecord, CanonicalRecord } from '../schema/index.js';
import { CameraPipeline, type CameraHealth } from './camera-pipeline.js';
import type { LinkSample } from './link-conditions.js';
import { PassphraseError, readPassphrase, redactor } from './passphrase.js';
import { freeUdpPort } from './ports.js';
import { Retention, statfsFreePercent, type FreeSpaceProbe, type RetentionReport } from './retention.js';
import { ffmpegVersion, probeEncoder, resolveFfmpeg, resolveSrtLiveTransmit } from './tools.js';
import { Uploader, type UploadStatus } from './uploader.js';

export interface VideoStatus {
  recordDir: string;
  /** Something that keeps every camera from running (ffmpeg missing …). */
  problem?: string;
  cameras: CameraHealth[];
  storage: RetentionReport;
  upload?: UploadStatus;
}

export interface VideoServiceOptions {
  /** How free space is measured (tests stage a full disk with it). */
  freeSpace?: FreeSpaceProbe;
  retentionIntervalMs?: number;
}

export class VideoService implements Extension {
  readonly name = 'video';
  readonly pipelines: CameraPipeline[] = [];
  private retention: Retention | undefined;
  private uploader: Uploader | undefined;
  private timer: NodeJS.Timeout | undefined;
  private problem: string | undefined;
  private encounter: string | undefined;
  private recordDir = '';

  constructor(
    private readonly env: DaemonEnv,
    /** The record gate: storage alarms are records like any other. */
    private readonly ingest: (record: CanonicalRecord) => void,
    private readonly options: VideoServiceOptions = {},
  ) {}

  async start(): Promise<void> {
    const { config, log } = this.env;
    const video = config.video;
    this.recordDir = video.recordDir ?? join(config.storage.dataDir, 'video');
    this.env.control.register('video.status', () => this.status());
    this.env.control.register('video.paths', () => ({ recordDir: this.recordDir, publicKey: join(keysDir(config.storage.dataDir), PUBLIC_KEY_FILE) }));
    this.env.statusSections.set('video', () => this.summary());
    this.retention = new Retention(
      video.retention,
      this.recordDir,
      () => this.pipelines,
      { storageAlarm: (active, free) => this.storageAlarm(active, free), evictedUnuploaded: (camera, file) => this.evictionAlarm(camera, file) },
      log,
      this.options.freeSpace ?? statfsFreePercent,
    );
    const cameras = config.cameras.filter((c) => c.enabled);
    if (cameras.length === 0) return;
    mkdirSync(this.recordDir, { recursive: true });
    const ffmpeg = resolveFfmpeg(video.ffmpegPath, process.env);
    if (!ffmpeg) {
      this.problem = 'ffmpeg not found: install the ffmpeg package, or set video.ffmpegPath or FFMPEG_PATH';
      log.error(this.problem);
      return;
    }
    const version = await ffmpegVersion(ffmpeg);
    const key = GatewayKey.loadOrCreate(config.storage.dataDir);
    const live = await this.liveSetup();
    for (const camera of cameras) {
      const probe = await probeEncoder(ffmpeg, camera.encoders, camera);
      for (const r of probe.rejected) log.warn({ camera: camera.id, encoder: r.encoder, reason: r.reason }, 'encoder not usable here');
      const liveOff = !video.live
        ? { state: 'off' as const, reason: 'no video.live ingest configured' }
        : !camera.live.enabled
          ? { state: 'off' as const, reason: 'live is off for this camera' }
          : live.off;
      const pipeline = new CameraPipeline({
        vehicle: config.vehicle.id,
        camera,
        video,
        dir: join(this.recordDir, camera.id),
        ffmpeg,
        ffmpegVersion: version,
        encoder: probe.encoder,
        key,
        redact: live.redact,
        ...(liveOff ? { liveOff } : { live: { srtLiveTransmit: live.srt!, passphrase: live.passphrase, inPort: await freeUdpPort(), outPort: await freeUdpPort() } }),
        log,
        now: () => this.env.clock.monoMs(),
        onSegment: (entry) => {
          if (entry.type === 'segment') this.uploader?.add({ camera: pipeline, file: entry.file, sha256: entry.sha256, bytes: entry.bytes });
          void this.retention?.check();
        },
      });
      this.pipelines.push(pipeline);
    }
    this.env.bus.on(this, 'record', (r) => this.onRecord(r));
    for (const p of this.pipelines) await p.start();
    if (video.upload) {
      this.uploader = new Uploader(video.upload, config.vehicle.id, join(config.storage.dataDir, 'video-uploads.json'), () => this.pipelines.some((p) => p.live?.isConnected), log);
      this.uploader.start(this.pipelines);
    }
    this.timer = setInterval(() => void this.retention?.check(), this.options.retentionIntervalMs ?? 15_000);
    this.timer.unref();
    void this.retention.check();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.env.bus.removeListeners(this);
    await this.uploader?.stop();
    await Promise.all(this.pipelines.map((p) => p.stop()));
  }

  /** Uplink measurements from elsewhere (the MQTT uplink's RTT and throughput) steer the live bitrate too. */
  observeUplink(sample: LinkSample): void {
    for (const p of this.pipelines) p.observeLink(sample);
  }

  pipeline(id: string): CameraPipeline | undefined {
    return this.pipelines.find((p) => p.id === id);
  }

  /** Runs a retention pass now (the CLI and tests; it also runs on a timer and after every segment). */
  checkStorage(): Promise<void> {
    return this.retention?.check() ?? Promise.resolve();
  }

  status(): VideoStatus {
    return {
      recordDir: this.recordDir,
      ...(this.problem ? { problem: this.problem } : {}),
      cameras: this.pipelines.map((p) => p.health()),
      storage: this.retention?.report() ?? { freePercent: 100, alarm: false, evictedUploaded: 0, evictedUnuploaded: 0 },
      ...(this.uploader ? { upload: this.uploader.status() } : {}),
    };
  }

  /** The short form in the gateway status (and on the status topic). */
  private summary(): unknown {
    return {
      ...(this.problem ? { problem: this.problem } : {}),
      cameras: this.pipelines.map((p) => {
        const h = p.health();
        return { id: h.id, state: h.state, live: h.live.state, liveKbps: h.live.targetKbps, segments: h.recording.segments, restarts: h.recorder.restarts, head: h.recording.head };
      }),
      storage: this.retention?.report(),
    };
  }

  private async liveSetup(): Promise<{ srt?: string; passphrase?: string; redact: (s: string) => string; off?: { state: 'unavailable' | 'config-error'; reason: string } }> {
    const live = this.env.config.video.live;
    const srt = resolveSrtLiveTransmit(this.env.config.video.srtLiveTransmitPath, process.env);
    let passphrase: string | undefined;
    try {
      if (live?.passphraseFile) passphrase = readPassphrase(live.passphraseFile);
    } catch (err) {
      if (!(err instanceof PassphraseError)) throw err;
      this.env.log.error({ err: err.message }, 'live video: passphrase unusable');
      return { redact: redactor([]), off: { state: 'config-error', reason: err.message } };
    }
    const redact = redactor(passphrase ? [passphrase] : []);
    if (live && !srt) {
      const reason = 'srt-live-transmit not found: install srt-tools, or set video.srtLiveTransmitPath (recording continues)';
      this.env.log.error(reason);
      return { redact, ...(passphrase ? { passphrase } : {}), off: { state: 'unavailable', reason } };
    }
    return { redact, ...(srt ? { srt } : {}), ...(passphrase ? { passphrase } : {}) };
  }

  private onRecord(r: CanonicalRecord): void {
    if (r.kind === 'event' && (r.event === 'encounter.opened' || r.event === 'encounter.closed')) {
      const id = typeof r.detail?.encounter === 'string' ? r.detail.encounter : undefined;
      this.encounter = r.event === 'encounter.opened' ? id : undefined;
      for (const p of this.pipelines) p.collector.setEncounter(this.encounter);
      return;
    }
    if (r.kind === 'alarm' && r.priority === 'high' && r.state === 'active' && r.driver !== 'video') {
      for (const p of this.pipelines) {
        void p.collector.bookmark({ device: r.device, alarmId: r.alarmId, text: r.text, priority: r.priority });
      }
      this.env.log.info({ device: r.device, alarm: r.alarmId }, 'high-priority alarm: current segments bookmarked');
    }
  }

  private storageAlarm(active: boolean, freePercent: number): void {
    this.emitAlarm('video.storage', `Recording storage ${active ? 'critically low' : 'recovered'}: ${freePercent.toFixed(1)} % free`, active ? 'active' : 'cleared');
  }

  private evictionAlarm(camera: string, file: string): void {
    this.emitAlarm(`video.evicted.${camera}`, `Recording segment ${file} of camera ${camera} deleted before upload (disk full)`, 'active');
  }

  private emitAlarm(alarmId: string, text: string, state: AlarmRecord['state']): void {
    const { clock, config } = this.env;
    const now = isoMs(clock.wallMs());
    this.ingest({
      kind: 'alarm',
      schema: 1,
      vehicle: config.vehicle.id,
      device: 'gateway',
      driver: 'video',
      observedAt: now,
      receivedAt: now,
      mono: clock.monoMs(),
      alarmId,
      text,
      priority: 'high',
      category: 'technical',
      state,
    });
  }
}
