// Finding the programs the video pipeline runs. ffmpeg: the config's path, then $FFMPEG_PATH, then the ffmpeg-static
// package (optional dependency), then `ffmpeg` on PATH. srt-live-transmit (Debian: srt-tools): the config's path,
// then $SRT_LIVE_TRANSMIT_PATH, then PATH.
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import type { EncoderName } from '../config/schema.js';
import { probeArgs, type VideoFormat } from './ffmpeg-args.js';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function ffmpegStatic(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('ffmpeg-static') as unknown;
    return typeof path === 'string' && executable(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

export function resolveFfmpeg(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (configured) return configured;
  if (env.FFMPEG_PATH) return env.FFMPEG_PATH;
  return ffmpegStatic() ?? onPath('ffmpeg', env);
}

export function resolveSrtLiveTransmit(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (configured) return configured;
  if (env.SRT_LIVE_TRANSMIT_PATH) return env.SRT_LIVE_TRANSMIT_PATH;
  return onPath('srt-live-transmit', env);
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, env: { ...process.env, TZ: 'UTC' } }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: `${stdout}${stderr}` });
    });
  });
}

export async function ffmpegVersion(ffmpeg: string): Promise<string | undefined> {
  const r = await run(ffmpeg, ['-hide_banner', '-version'], 15_000);
  return r.ok ? /ffmpeg version (\S+)/.exec(r.output)?.[1] : undefined;
}

export interface ProbeResult {
  encoder: EncoderName;
  /** Encoders tried before it, and why each was passed over. */
  rejected: Array<{ encoder: EncoderName; reason: string }>;
}

/**
 * The first encoder in the preference list that completes a one-frame test encode. `ffmpeg -encoders` only lists what
 * was compiled in, not what this box's hardware and drivers can do, so each one is tried. libx264 is the fallback.
 */
export async function probeEncoder(ffmpeg: string, preference: readonly EncoderName[], format: VideoFormat): Promise<ProbeResult> {
  const rejected: ProbeResult['rejected'] = [];
  for (const encoder of preference) {
    const r = await run(ffmpeg, probeArgs(encoder, format), 30_000);
    if (r.ok) return { encoder, rejected };
    rejected.push({ encoder, reason: r.output.trim().split('\n').slice(-1)[0] ?? 'failed' });
  }
  return { encoder: 'libx264', rejected };
}
