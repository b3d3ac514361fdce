// One camera: the recorder (the one ffmpeg: capture, one encode, fMP4 segments + loopback stream for the live leg),
// the segment collector (manifest), and the live leg. Recording comes first: nothing the live leg does can stop it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CameraConfig, EncoderName, VideoConfig } from '../config/schema.js';
import type { GatewayKey } from '../core/gateway-key.js';
import type { Logger } from '../core/logger.js';
import { recorderArgs } from './ffmpeg-args.js';
import type { LinkSample } from './link-conditions.js';
import { LiveLeg, type LiveHealth } from './live-leg.js';
import { ManagedProcess, type ProcessHealth } from './managed-process.js';
import { MANIFEST_FILE, ManifestWriter, type ManifestEntry } from './manifest.js';
import { indexManifest, SegmentCollector, type RecordingIndex } from './segment-collector.js';

export interface CameraPipelineOptions {
  vehicle: string;
  camera: CameraConfig;
  video: VideoConfig;
  /** This camera's directory (<recordDir>/<camera>). */
  dir: string;
  ffmpeg: string;
  ffmpegVersion: string | undefined;
  encoder: EncoderName;
  key: GatewayKey;
  redact: (line: string) => string;
  /** The live leg's programs and ports; undefined when live is off or cannot run (then `liveOff` says why). */
  live?: { srtLiveTransmit: string; passphrase: string | undefined; inPort: number; outPort: number };
  liveOff?: { state: 'off' | 'unavailable' | 'config-error'; reason: string };
  log: Logger;
  now: () => number;
  /** A segment was signed into the manifest. */
  onSegment: (entry: ManifestEntry) => void;
}

export interface CameraHealth {
  id: string;
  name?: string;
  source: string;
  encoder: EncoderName;
  /** recording: segments are being written; anything else: they are not. */
  state: 'recording' | 'starting' | 'stalled' | 'restarting' | 'config-error' | 'stopped';
  recorder: ProcessHealth;
  recording: { dir: string; segments: number; lastSegment?: { file: string; at: string; bytes: number; partial: boolean }; head: string };
  live: LiveHealth;
}

const PID_FILE = '.recorder.pid';

export class CameraPipeline {
  readonly manifest: ManifestWriter;
  readonly collector: SegmentCollector;
  readonly index: RecordingIndex;
  private readonly recorder: ManagedProcess;
  readonly live: LiveLeg | undefined;
  private poller: NodeJS.Timeout | undefined;
  private argv: string[] = [];

  constructor(private readonly o: CameraPipelineOptions) {
    const c = o.camera;
    this.manifest = new ManifestWriter(join(o.dir, MANIFEST_FILE), o.key, { vehicle: o.vehicle, camera: c.id });
    this.index = indexManifest(join(o.dir, MANIFEST_FILE));
    this.collector = new SegmentCollector(o.dir, this.manifest, this.index, o.log, (entry) => o.onSegment(entry));
    this.recorder = new ManagedProcess(
      {
        name: `${c.id}/recorder`,
        command: o.ffmpeg,
        args: () => this.argv,
        redact: o.redact,
        progress: true,
        stallMs: o.video.stallTimeoutMs,
        startupMs: Math.max(20_000, o.video.stallTimeoutMs),
        configErrorRetryMs: 60_000,
        prepare: () => this.prepareRun(),
        afterExit: () => this.afterRun(),
        pidFile: join(o.dir, PID_FILE),
      },
      o.log,
    );
    this.live = o.live
      ? new LiveLeg({
          vehicle: o.vehicle,
          camera: c,
          live: o.video.live!,
          stallMs: o.video.stallTimeoutMs,
          ffmpeg: o.ffmpeg,
          srtLiveTransmit: o.live.srtLiveTransmit,
          encoder: o.encoder,
          passphrase: o.live.passphrase,
          redact: o.redact,
          inPort: o.live.inPort,
          outPort: o.live.outPort,
          log: o.log,
          now: o.now,
          pidDir: o.dir,
        })
      : undefined;
  }

  get id(): string {
    return this.o.camera.id;
  }

  get dir(): string {
    return this.o.dir;
  }

  get recorderPid(): number | undefined {
    return this.recorder.pid;
  }

  async start(): Promise<void> {
    mkdirSync(this.o.dir, { recursive: true });
    this.manifest.open();
    this.recorder.start();
    this.live?.start();
    this.poller = setInterval(() => void this.collector.poll(), 500);
  }

  async stop(): Promise<void> {
    clearInterval(this.poller);
    // The live leg first, while the recorder still feeds it. The shaper (ffmpeg) reads the recorder's stream over UDP:
    // after one SIGTERM, ffmpeg only stops once its current read returns, and with the recorder already gone that
    // read waits out its whole input timeout (5 s), then the SIGKILL grace — the daemon's stop took seconds.
    await this.live?.stop();
    await this.recorder.stop();
    this.manifest.close();
  }

  observeLink(sample: LinkSample): void {
    this.live?.observe(sample);
  }

  /** Kills the recorder as a power cut would (tests, chaos drills); the supervisor restarts it. */
  crashRecorder(): void {
    const pid = this.recorder.pid;
    if (pid) process.kill(-pid, 'SIGKILL');
  }

  /**
   * Before each recorder start (a recorder an earlier daemon left has been ended by then: see pidFile): everything on
   * disk signed in, a name no earlier run used.
   */
  private async prepareRun(): Promise<void> {
    await this.collector.sweep();
    // Segment names have one-second resolution: a restart within the same second would reuse the last name.
    await new Promise((r) => setTimeout(r, 1020 - (Date.now() % 1000)));
    const p = this.o;
    this.argv = recorderArgs({
      source: p.camera.source,
      encode: { width: p.camera.width, height: p.camera.height, fps: p.camera.fps, encoder: p.encoder, bitrateKbps: p.camera.recordBitrateKbps, scale: p.camera.source.type === 'rtsp' },
      dir: p.dir,
      prefix: `${p.vehicle}_${p.camera.id}`,
      segmentSeconds: p.video.segmentSeconds,
      segmentList: this.collector.newRun(),
      ...(p.live ? { livePort: p.live.inPort } : {}),
    });
    await this.collector.enqueue(() =>
      this.manifest.append({ type: 'session', argv: this.argv.map(p.redact).join(' '), encoder: p.encoder, ...(p.ffmpegVersion ? { ffmpegVersion: p.ffmpegVersion } : {}) }),
    );
  }

  private async afterRun(): Promise<void> {
    await this.collector.sweep();
  }

  health(): CameraHealth {
    const c = this.o.camera;
    const recorder = this.recorder.health();
    const state: CameraHealth['state'] =
      recorder.state === 'running' ? 'recording' : recorder.state === 'starting' || recorder.state === 'idle' ? 'starting' : recorder.state === 'waiting' ? 'restarting' : recorder.state;
    const last = this.collector.lastSegment;
    const off = this.o.liveOff;
    return {
      id: c.id,
      ...(c.name ? { name: c.name } : {}),
      source: describeSource(c, this.o.redact),
      encoder: this.o.encoder,
      state,
      recorder,
      recording: {
        dir: this.o.dir,
        segments: this.index.segments.size,
        ...(last && last.type === 'segment' ? { lastSegment: { file: last.file, at: last.at, bytes: last.bytes, partial: last.partial === true } } : {}),
        head: this.manifest.lastHash,
      },
      live: this.live?.health() ?? { state: off?.state ?? 'off', reason: off?.reason ?? 'live is off for this camera', targetKbps: 0, mode: 'copy', bitrateChanges: 0 },
    };
  }
}

function describeSource(c: CameraConfig, redact: (s: string) => string): string {
  const s = c.source;
  const size = `${c.width}x${c.height}@${c.fps}`;
  switch (s.type) {
    case 'test':
      return `test ${s.pattern} ${size}`;
    case 'v4l2':
      return `v4l2 ${s.device} ${size}`;
    case 'rtsp':
      return `rtsp ${redact(s.url)} ${size}`;
  }
}
