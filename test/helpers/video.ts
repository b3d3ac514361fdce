// Helpers for the video tests: the real tools (Debian's ffmpeg, ffprobe, srt-live-transmit), a local SRT receiver
// standing in for the hospital, and ffprobe to check what was written really plays.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpPort } from '../../src/video/ports.js';
import { SrtReceiver } from '../../src/video/srt-receiver.js';
import { resolveSrtLiveTransmit } from '../../src/video/tools.js';
import { readManifest, MANIFEST_FILE, type ManifestEntry } from '../../src/video/manifest.js';

export const SRT_TOOL = resolveSrtLiveTransmit(undefined);

/** Tools missing on this machine, for `t.test(name, { skip })`: the Debian packages to install. */
export function missingTools(): string | false {
  const missing: string[] = [];
  if (!SRT_TOOL) missing.push('srt-live-transmit (apt-get install srt-tools)');
  if (!existsSync('/usr/bin/ffprobe') && !process.env.FFPROBE_PATH) missing.push('ffprobe (apt-get install ffmpeg)');
  return missing.length ? `missing: ${missing.join(', ')}` : false;
}

export interface Probe {
  ok: boolean;
  durationS: number;
  frames: number;
  codec: string;
  stderr: string;
}

/** Decodes every video frame of a file with ffprobe: what a reviewer's player would get. */
export function ffprobe(file: string): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(
      process.env.FFPROBE_PATH ?? 'ffprobe',
      ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames:format=duration', '-of', 'json', file],
      { timeout: 120_000 },
      (err, stdout, stderr) => {
        try {
          const j = JSON.parse(stdout) as { streams?: Array<{ codec_name?: string; nb_read_frames?: string }>; format?: { duration?: string } };
          const s = j.streams?.[0];
          resolve({ ok: !err, durationS: Number(j.format?.duration ?? 0), frames: Number(s?.nb_read_frames ?? 0), codec: s?.codec_name ?? '', stderr });
        } catch {
          resolve({ ok: false, durationS: 0, frames: 0, codec: '', stderr: `${stderr}${err?.message ?? ''}` });
        }
      },
    );
  });
}

export async function startReceiver(t: { teardown(fn: () => Promise<void>): void }, options: { passphrase?: string; outFile?: string; port?: number } = {}): Promise<SrtReceiver> {
  const rx = new SrtReceiver({ srtLiveTransmit: SRT_TOOL!, port: options.port ?? (await freeUdpPort()), latencyMs: 500, ...options });
  rx.start();
  t.teardown(() => rx.stop());
  return rx;
}

export function segmentsOf(cameraDir: string): Array<Extract<ManifestEntry, { type: 'segment' }>> {
  return readManifest(join(cameraDir, MANIFEST_FILE)).filter((e): e is Extract<ManifestEntry, { type: 'segment' }> => typeof e !== 'string' && e.type === 'segment');
}

export function mp4Files(cameraDir: string): string[] {
  return readdirSync(cameraDir).filter((f) => f.endsWith('.mp4')).sort();
}

/** A small camera that keeps CPU low on a loaded 2-core machine. */
export function testCamera(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, source: { type: 'test' }, width: 320, height: 240, fps: 15, recordBitrateKbps: 400, live: { minBitrateKbps: 100 }, ...extra };
}
