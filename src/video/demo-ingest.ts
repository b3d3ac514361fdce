// The demo's stand-in for the hospital: a local SRT listener on the vehicle's configured live ingest, when that is a
// loopback address, so `ambulink demo` shows live video leaving the box without any hospital.
import { readFileSync } from 'node:fs';
import type { VehicleConfig } from '../config/schema.js';
import { SrtReceiver } from './srt-receiver.js';
import { resolveSrtLiveTransmit } from './tools.js';

export interface StandIn {
  description: string;
  stop(): Promise<void>;
}

export function startHospitalStandIn(config: VehicleConfig): StandIn | undefined {
  const live = config.video.live;
  const m = live ? /^srt:\/\/(127\.0\.0\.1|localhost):(\d+)$/.exec(live.url) : null;
  if (!live || !m || config.cameras.every((c) => !c.enabled)) return undefined;
  const srt = resolveSrtLiveTransmit(config.video.srtLiveTransmitPath);
  if (!srt) return { description: 'no SRT stand-in: srt-live-transmit not found (install srt-tools)', stop: async () => undefined };
  const passphrase = live.passphraseFile ? readFileSync(live.passphraseFile, 'utf8').trim() : undefined;
  const rx = new SrtReceiver({ srtLiveTransmit: srt, port: Number(m[2]), latencyMs: live.latencyMs, ...(passphrase ? { passphrase } : {}) });
  rx.start();
  return {
    description: `SRT listener ${live.url} standing in for the hospital ingest (received video is discarded)`,
    stop: () => rx.stop(),
  };
}
