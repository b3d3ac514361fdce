// `ambulink video status` (from the running daemon) and `ambulink video verify` (reads the recording itself).
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/index.js';
import { callDaemon, resolveSocket } from '../../control/client.js';
import { GatewayPublicKey, keysDir, PUBLIC_KEY_FILE } from '../../core/gateway-key.js';
import { verifyCamera, type VerifyReport, type VideoStatus } from '../../video/index.js';
import { MANIFEST_FILE } from '../../video/manifest.js';
import { ask } from '../daemon-call.js';
import { EXIT, age, fail, table } from '../output.js';

export async function videoStatusCommand(opts: { json?: boolean; socket?: string }): Promise<number> {
  const s = await ask<VideoStatus>('video.status', opts.socket);
  // Unhealthy: a camera not recording, a live leg refused for its configuration, or the disk critically full.
  const healthy = !s.problem && s.cameras.every((c) => c.state === 'recording' && c.live.state !== 'config-error') && !s.storage.alarm;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
    return healthy ? EXIT.ok : EXIT.failure;
  }
  const lines: string[] = [];
  if (s.problem) lines.push(`PROBLEM: ${s.problem}`);
  if (s.cameras.length === 0) lines.push('no cameras configured');
  else {
    const now = Date.now();
    lines.push(
      table(
        ['CAMERA', 'RECORDING', 'ENCODER', 'FPS', 'SPEED', 'DROPS', 'SEGMENTS', 'LAST SEGMENT', 'RESTARTS', 'LIVE', 'KB/S', 'RTT', 'ERROR'],
        s.cameras.map((c) => {
          const p = c.recorder.progress;
          const l = c.live;
          const error = c.recorder.failure?.text ?? (c.state !== 'recording' ? c.recorder.lastExit?.reason : undefined) ?? l.reason ?? '';
          return [
            c.id,
            c.state,
            c.encoder,
            p ? p.fps.toFixed(1) : '-',
            p ? `${p.speed.toFixed(2)}x` : '-',
            p ? String(p.dropFrames) : '-',
            String(c.recording.segments),
            c.recording.lastSegment ? `${age(now - Date.parse(c.recording.lastSegment.at))} ago${c.recording.lastSegment.partial ? ' (partial)' : ''}` : '-',
            String(c.recorder.restarts),
            l.state === 'connected' || l.state === 'connecting' ? `${l.state} (${l.mode})` : l.state,
            l.targetKbps ? String(l.targetKbps) : '-',
            l.link ? `${Math.round(l.link.rttMs)} ms` : '-',
            error,
          ];
        }),
      ),
    );
  }
  const st = s.storage;
  lines.push(
    `storage: ${s.recordDir}, ${st.freePercent} % free${st.alarm ? ' — ALARM: critically low' : ''}; evicted ${st.evictedUploaded} uploaded, ${st.evictedUnuploaded} never uploaded`,
  );
  if (s.upload) {
    const u = s.upload;
    lines.push(
      `upload:  ${u.endpoint}, ${u.uploaded} uploaded, ${u.pending} pending, throttle ${u.throttleKbps ? `${u.throttleKbps} kb/s` : 'none'}${u.current ? `, sending ${u.current.camera}/${u.current.file} ${u.current.percent} %` : ''}${u.lastError ? `, last error: ${u.lastError}` : ''}`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return healthy ? EXIT.ok : EXIT.failure;
}

export interface VerifyOptions {
  config?: string;
  dir?: string;
  publicKey?: string;
  camera?: string;
  json?: boolean;
  socket?: string;
}

/** Where the recording and the public key are: flags, then the config file, then the running daemon, then /etc. */
async function locate(opts: VerifyOptions): Promise<{ recordDir: string; publicKey: string }> {
  let recordDir = opts.dir;
  let publicKey = opts.publicKey;
  if (recordDir && publicKey) return { recordDir, publicKey };
  const fromConfig = (file: string) => {
    try {
      const { config } = loadConfig(file);
      recordDir ??= config.video.recordDir ?? join(config.storage.dataDir, 'video');
      publicKey ??= join(keysDir(config.storage.dataDir), PUBLIC_KEY_FILE);
    } catch (err) {
      if (err instanceof ConfigError) fail(err.message);
      throw err;
    }
  };
  if (opts.config) fromConfig(opts.config);
  else {
    try {
      const paths = (await callDaemon(resolveSocket(opts.socket), 'video.paths', {}, 5000)) as { recordDir: string; publicKey: string };
      recordDir ??= paths.recordDir;
      publicKey ??= paths.publicKey;
    } catch {
      fromConfig('/etc/ambulink/vehicle.yaml');
    }
  }
  return { recordDir: recordDir!, publicKey: publicKey! };
}

export async function videoVerifyCommand(opts: VerifyOptions): Promise<number> {
  const { recordDir, publicKey } = await locate(opts);
  if (!existsSync(publicKey)) fail(`no gateway public key at ${publicKey} (give it with --public-key)`);
  if (!existsSync(recordDir)) fail(`no recording directory ${recordDir}`);
  const key = GatewayPublicKey.load(publicKey);
  const cameras = readdirSync(recordDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(recordDir, d.name, MANIFEST_FILE)))
    .map((d) => d.name)
    .filter((c) => !opts.camera || c === opts.camera)
    .sort();
  if (cameras.length === 0) fail(opts.camera ? `no recording of camera "${opts.camera}" in ${recordDir}` : `no recordings in ${recordDir}`);
  const reports: VerifyReport[] = [];
  for (const camera of cameras) reports.push(await verifyCamera(join(recordDir, camera), camera, key));
  if (opts.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  else process.stdout.write(`${reports.map(describe).join('\n')}\n`);
  return reports.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
}

function describe(r: VerifyReport): string {
  const counts = `${r.segments} segment(s)${r.partialSegments ? ` (${r.partialSegments} partial)` : ''}, ${r.bookmarks} bookmark(s), ${r.evicted} evicted, ${r.entries} entries`;
  if (r.ok) {
    return `${r.camera}: OK — ${counts}; chain head ${r.head.slice(0, 16)}${r.unlisted.length ? `; not yet in the manifest: ${r.unlisted.join(', ')}` : ''}`;
  }
  const first = r.problems[0]!;
  return [
    `${r.camera}: FAILED — first bad: ${first.file ?? `manifest line ${first.line}`}: ${first.message}`,
    ...r.problems.map((p) => `  line ${p.line}${p.file ? ` ${p.file}` : ''}: ${p.kind}: ${p.message}`),
    `  (${counts})`,
  ].join('\n');
}
