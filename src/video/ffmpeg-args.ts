// Typed argument builders for the camera's processes. ffmpeg is driven with spawn and these argv arrays (no shell,
// no quoting); fluent-ffmpeg is deprecated upstream. Every builder is pure and covered by golden tests, because a
// misplaced option silently changes what ffmpeg does. Facts behind the choices: video-research.md §2.
import type { CameraConfig, EncoderName } from '../config/schema.js';

export type CameraSource = CameraConfig['source'];

export interface VideoFormat {
  width: number;
  height: number;
  fps: number;
}

/** Options every long-running ffmpeg gets: quiet stderr with level prefixes, progress blocks on stdout each second. */
const COMMON = ['-hide_banner', '-nostdin', '-loglevel', 'level+warning', '-progress', 'pipe:1', '-stats_period', '1'];

export function inputArgs(source: CameraSource, format: VideoFormat): string[] {
  const size = `${format.width}x${format.height}`;
  switch (source.type) {
    case 'test':
      return ['-re', '-f', 'lavfi', '-i', `${source.pattern}=size=${size}:rate=${format.fps}`];
    case 'v4l2':
      return ['-f', 'v4l2', '-input_format', source.inputFormat, '-video_size', size, '-framerate', String(format.fps), '-thread_queue_size', '512', '-i', source.device];
    case 'rtsp':
      // -timeout (µs) bounds every socket read: without it a frozen camera hangs ffmpeg for good (§2.5).
      return ['-rtsp_transport', source.transport, '-timeout', String(source.timeoutMs * 1000), '-i', source.url];
  }
}

export interface EncodeSettings extends VideoFormat {
  encoder: EncoderName;
  bitrateKbps: number;
  /** Scale to the configured size (IP cameras send what they send; V4L2 and test sources are asked for it). */
  scale: boolean;
}

/** The video encode: constant bitrate, a keyframe every second, no scene-cut keyframes (exact segment cuts). */
export function encodeArgs(s: EncodeSettings): string[] {
  const gop = String(s.fps);
  const rate = [`-b:v`, `${s.bitrateKbps}k`, '-maxrate', `${s.bitrateKbps}k`, '-bufsize', `${Math.max(1, Math.round(s.bitrateKbps / 2))}k`];
  const gopArgs = ['-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-r', String(s.fps)];
  const scale = s.scale ? [`scale=${s.width}:${s.height}`] : [];
  const filters = (extra: string[]) => {
    const chain = [...scale, ...extra];
    return chain.length ? ['-vf', chain.join(',')] : [];
  };
  switch (s.encoder) {
    case 'libx264':
      return [...filters([]), '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-pix_fmt', 'yuv420p', ...rate, ...gopArgs];
    case 'vaapi':
      return [...filters(['format=nv12', 'hwupload']), '-c:v', 'h264_vaapi', '-rc_mode', 'CBR', '-bf', '0', ...rate, ...gopArgs];
    case 'nvenc':
      return [...filters([]), '-c:v', 'h264_nvenc', '-preset', 'p4', '-tune', 'll', '-rc', 'cbr', '-zerolatency', '1', '-delay', '0', '-bf', '0', '-pix_fmt', 'yuv420p', ...rate, ...gopArgs];
    case 'v4l2m2m':
      return [...filters([]), '-c:v', 'h264_v4l2m2m', '-pix_fmt', 'yuv420p', ...rate, ...gopArgs];
  }
}

/** Global options an encoder needs before the input (the VAAPI device). */
export function encoderGlobalArgs(encoder: EncoderName, vaapiDevice = '/dev/dri/renderD128'): string[] {
  return encoder === 'vaapi' ? ['-vaapi_device', vaapiDevice] : [];
}

export interface RecorderPlan {
  source: CameraSource;
  encode: EncodeSettings;
  /** Directory of this camera's segments. */
  dir: string;
  /** File name prefix, `{vehicle}_{camera}`: the UTC start time follows. Never patient data (PHI stays in the manifest). */
  prefix: string;
  segmentSeconds: number;
  /** The CSV ffmpeg appends a line to whenever a segment is closed: the "ready to hash" signal. */
  segmentList: string;
  /** Loopback UDP port the live leg reads the encoded stream from; undefined when live is off. */
  livePort?: number;
}

/** Characters ffmpeg's tee muxer gives meaning to; a path with them would be split or misread. */
const TEE_SPECIAL = /[:|[\]\\]/;

/**
 * The camera's one ffmpeg: capture, one encode, and a tee into (a) fragmented-MP4 segments cut on the UTC clock, which
 * survive kill -9 up to the last fragment (one GOP), and (b) MPEG-TS over loopback UDP to the live leg, which can
 * never stall or end the recording (onfail=ignore; UDP never blocks). `-flags +global_header` is mandatory with tee.
 */
export function recorderArgs(p: RecorderPlan): string[] {
  for (const path of [p.dir, p.segmentList]) {
    if (TEE_SPECIAL.test(path)) throw new Error(`recording path "${path}" contains one of : | [ ] \\`);
  }
  // flush_packets=1: without it the MP4 muxer keeps a whole segment in its write buffer and a kill -9 leaves only
  // the 28-byte header on disk (seen with Debian's ffmpeg 5.1). With it every fragment (one GOP, 1 s) reaches the
  // file as it is made. Inside tee the option separator is escaped twice: `\\:` in argv.
  const movflags = 'movflags=+frag_keyframe+empty_moov+default_base_moof\\\\:flush_packets=1';
  const segment = [
    'f=segment',
    `segment_time=${p.segmentSeconds}`,
    'segment_atclocktime=1',
    'strftime=1',
    'reset_timestamps=1',
    'segment_format=mp4',
    `segment_format_options=${movflags}`,
    `segment_list=${p.segmentList}`,
    'segment_list_type=csv',
    'segment_list_flags=+live',
  ].join(':');
  const targets = [`[${segment}]${p.dir}/${p.prefix}_%Y%m%dT%H%M%SZ.mp4`];
  if (p.livePort !== undefined) targets.push(`[f=mpegts:onfail=ignore]udp://127.0.0.1:${p.livePort}?pkt_size=1316`);
  return [
    ...COMMON,
    ...encoderGlobalArgs(p.encode.encoder),
    ...inputArgs(p.source, p.encode),
    '-map', '0:v',
    ...encodeArgs(p.encode),
    '-flags', '+global_header',
    '-f', 'tee',
    targets.join('|'),
  ];
}

export interface ShaperPlan {
  inPort: number;
  outPort: number;
  /** undefined: pass the recorder's encode through untouched (no second encode). */
  transcode?: EncodeSettings;
}

/**
 * The live leg's rate shaper: reads the recorder's stream from loopback and forwards it to the SRT sender, copying it
 * as is, or re-encoding it at the bitrate the uplink allows. Restarting it never touches the recording.
 */
export function shaperArgs(p: ShaperPlan): string[] {
  return [
    ...COMMON,
    ...(p.transcode ? encoderGlobalArgs(p.transcode.encoder) : []),
    // Start forwarding at once: the stream is known (our own MPEG-TS), no need to buffer seconds of it to probe.
    '-fflags', 'nobuffer', '-probesize', '500000', '-analyzeduration', '1000000',
    // timeout (µs): no packets for 5 s (the recorder restarting) ends this process; the supervisor starts it again.
    '-f', 'mpegts', '-i', `udp://127.0.0.1:${p.inPort}?timeout=5000000&fifo_size=100000&overrun_nonfatal=1`,
    '-map', '0:v',
    ...(p.transcode ? encodeArgs({ ...p.transcode, scale: false }) : ['-c:v', 'copy']),
    '-f', 'mpegts', `udp://127.0.0.1:${p.outPort}?pkt_size=1316`,
  ];
}

export interface SrtSenderPlan {
  inPort: number;
  /** srt://host:port of the hospital ingest. */
  url: string;
  passphrase?: string;
  pbkeylen: 16 | 24 | 32;
  latencyMs: number;
  streamId: string;
  /** Print statistics every this many packets (srt-live-transmit counts packets, not seconds). */
  statsEveryPackets: number;
}

/**
 * srt-live-transmit as the SRT caller: it reconnects by itself across outages, keeps the SRT session up while the
 * shaper restarts, and prints the link statistics (RTT, send buffer, loss) the bitrate controller feeds on.
 * Its URIs take latency in milliseconds (ffmpeg's srt:// takes microseconds).
 */
export function srtSenderArgs(p: SrtSenderPlan): string[] {
  // Built by hand: srt-live-transmit does not percent-decode, so values go in literally (the passphrase's characters
  // are checked when it is read, see passphrase.ts).
  const query = [`mode=caller`, `transtype=live`, `latency=${p.latencyMs}`, `streamid=${p.streamId}`];
  if (p.passphrase !== undefined) query.push(`passphrase=${p.passphrase}`, `pbkeylen=${p.pbkeylen}`);
  return [
    '-autoreconnect:yes',
    `-stats:${p.statsEveryPackets}`,
    '-statspf:json',
    '-loglevel:warn',
    `udp://127.0.0.1:${p.inPort}`,
    `${p.url}?${query.join('&')}`,
  ];
}

/** A one-frame test encode: does this encoder work on this box (driver, device node, licence)? */
export function probeArgs(encoder: EncoderName, format: VideoFormat): string[] {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    ...encoderGlobalArgs(encoder),
    '-f', 'lavfi', '-i', `testsrc2=size=${format.width}x${format.height}:rate=${format.fps}`,
    '-frames:v', '1',
    ...encodeArgs({ ...format, encoder, bitrateKbps: 1000, scale: false }),
    '-f', 'null', '-',
  ];
}

/** Packets per second of an MPEG-TS stream in 1316-byte UDP packets: used to ask srt-live-transmit for ~1 s stats. */
export function packetsPerSecond(kbps: number): number {
  return Math.max(10, Math.round((kbps * 1000) / 8 / 1316));
}
