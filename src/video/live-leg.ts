// The live leg of one camera: the shaper (ffmpeg: copy, or re-encode at the rate the uplink allows) and the SRT
// sender (srt-live-transmit as caller, reconnecting by itself). It reads the recorder's stream from loopback, so
// restarting it for a new bitrate never touches the recording.
import { join } from 'node:path';
import type { Logger } from '../core/logger.js';
import type { CameraConfig, EncoderName, VideoConfig } from '../config/schema.js';
import { BitrateController, type LinkVerdict } from './bitrate-controller.js';
import { packetsPerSecond, shaperArgs, srtSenderArgs } from './ffmpeg-args.js';
import { parseSrtStats, type LinkSample } from './link-conditions.js';
import { ManagedProcess, type ProcessHealth } from './managed-process.js';

export type LiveState = 'off' | 'unavailable' | 'connecting' | 'connected' | 'config-error';

export interface LiveHealth {
  state: LiveState;
  reason?: string;
  targetKbps: number;
  mode: 'copy' | 'transcode';
  bitrateChanges: number;
  link?: LinkSample & { verdict: LinkVerdict | undefined; ageMs: number };
  sender?: ProcessHealth;
  shaper?: ProcessHealth;
}

export interface LiveLegOptions {
  vehicle: string;
  camera: CameraConfig;
  live: NonNullable<VideoConfig['live']>;
  stallMs: number;
  ffmpeg: string;
  srtLiveTransmit: string;
  encoder: EncoderName;
  passphrase: string | undefined;
  redact: (line: string) => string;
  /** Loopback port the recorder sends to, and the one between shaper and sender. */
  inPort: number;
  outPort: number;
  log: Logger;
  /** Monotonic ms (for the controller's hold times). */
  now: () => number;
  /** Where the shaper's and sender's pid files are kept (the camera's directory). */
  pidDir: string;
}

export class LiveLeg {
  private connected = false;
  private changes = 0;
  private lastSample: { sample: LinkSample; at: number } | undefined;
  readonly controller: BitrateController;
  private readonly shaper: ManagedProcess;
  private readonly sender: ManagedProcess;

  constructor(private readonly o: LiveLegOptions) {
    const record = o.camera.recordBitrateKbps;
    const max = Math.min(record, o.camera.live.maxBitrateKbps ?? record);
    this.controller = new BitrateController({ minKbps: Math.min(o.camera.live.minBitrateKbps, max), maxKbps: max, latencyMs: o.live.latencyMs });
    const common = { redact: o.redact, stallMs: o.stallMs, configErrorRetryMs: o.live.configErrorRetryMs };
    this.shaper = new ManagedProcess(
      {
        ...common,
        name: `${o.camera.id}/live-shaper`,
        command: o.ffmpeg,
        pidFile: join(o.pidDir, '.live-shaper.pid'),
        args: () => shaperArgs({ inPort: o.inPort, outPort: o.outPort, ...(this.transcoding ? { transcode: this.encodeAt(this.controller.kbps) } : {}) }),
        progress: true,
        startupMs: Math.max(20_000, o.stallMs),
      },
      o.log,
    );
    this.sender = new ManagedProcess(
      {
        ...common,
        name: `${o.camera.id}/srt-sender`,
        command: o.srtLiveTransmit,
        pidFile: join(o.pidDir, '.srt-sender.pid'),
        args: () =>
          srtSenderArgs({
            inPort: o.outPort,
            url: o.live.url,
            ...(o.passphrase !== undefined ? { passphrase: o.passphrase } : {}),
            pbkeylen: o.live.pbkeylen,
            latencyMs: o.live.latencyMs,
            streamId: `publish:${o.vehicle}/${o.camera.id}`,
            statsEveryPackets: packetsPerSecond(max),
          }),
        progress: false,
        startupMs: 0,
        onStdoutLine: (line) => {
          const sample = parseSrtStats(line);
          if (sample) this.observe(sample);
        },
        onStderrLine: (line) => {
          if (/SRT target connected/.test(line)) this.setConnected(true);
          else if (/SRT target disconnected/.test(line)) this.setConnected(false);
        },
        afterExit: () => this.setConnected(false),
      },
      o.log,
    );
  }

  private get transcoding(): boolean {
    return this.controller.kbps < this.o.camera.recordBitrateKbps;
  }

  private encodeAt(kbps: number) {
    const c = this.o.camera;
    return { width: c.width, height: c.height, fps: c.fps, encoder: this.o.encoder, bitrateKbps: kbps, scale: false };
  }

  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    this.sender.start();
    this.shaper.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.shaper.stop(), this.sender.stop()]);
    this.connected = false;
  }

  /** One measurement of the uplink (SRT statistics, or the MQTT uplink's): may change the live bitrate. */
  observe(sample: LinkSample): void {
    const now = this.o.now();
    this.lastSample = { sample, at: now };
    const next = this.controller.observe(sample, now);
    if (next === undefined) return;
    this.changes++;
    this.o.log.info({ camera: this.o.camera.id, kbps: next, verdict: this.controller.lastVerdict, rttMs: sample.rttMs, source: sample.source }, 'live bitrate changed');
    void this.shaper.restart(`bitrate ${next} kb/s`);
  }

  private setConnected(connected: boolean): void {
    if (connected === this.connected) return;
    this.connected = connected;
    this.o.log.info({ camera: this.o.camera.id, connected }, connected ? 'live: connected to the hospital ingest' : 'live: disconnected');
  }

  health(): LiveHealth {
    const sender = this.sender.health();
    const state: LiveState = sender.state === 'config-error' ? 'config-error' : this.connected ? 'connected' : 'connecting';
    const s = this.lastSample;
    return {
      state,
      ...(sender.failure ? { reason: sender.failure.text } : {}),
      targetKbps: this.controller.kbps,
      mode: this.transcoding ? 'transcode' : 'copy',
      bitrateChanges: this.changes,
      ...(s ? { link: { ...s.sample, verdict: this.controller.lastVerdict, ageMs: Math.round(this.o.now() - s.at) } } : {}),
      sender,
      shaper: this.shaper.health(),
    };
  }
}
