// ffmpeg's `-progress pipe:1` output: key=value lines, one block per second, closed by progress=continue|end.
// Through tee, bitrate and total_size read N/A; frame, fps, out_time_us, speed and the drop/dup counters are real.
export interface Progress {
  frame: number;
  fps: number;
  /** Media time written so far, µs (out_time_ms is µs too, despite its name). */
  outTimeUs: number;
  /** Encoding speed relative to real time (1 = keeping up). */
  speed: number;
  dropFrames: number;
  dupFrames: number;
  end: boolean;
}

const num = (v: string | undefined): number => {
  if (v === undefined) return 0;
  const n = Number.parseFloat(v); // "1.01x" → 1.01; "N/A" → NaN
  return Number.isFinite(n) ? n : 0;
};

/** Feed it stdout chunks; it calls `onBlock` once per complete block. Partial lines wait for the next chunk. */
export class ProgressParser {
  private pending = '';
  private fields = new Map<string, string>();

  constructor(private readonly onBlock: (p: Progress) => void) {}

  push(chunk: string): void {
    const text = this.pending + chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) !== -1) {
      this.line(text.slice(start, nl).trim());
      start = nl + 1;
    }
    this.pending = text.slice(start);
    if (this.pending.length > 4096) this.pending = ''; // not progress output: do not grow without bound
  }

  private line(line: string): void {
    const eq = line.indexOf('=');
    if (eq <= 0) return;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (key !== 'progress') {
      this.fields.set(key, value);
      return;
    }
    const f = this.fields;
    this.onBlock({
      frame: num(f.get('frame')),
      fps: num(f.get('fps')),
      outTimeUs: num(f.get('out_time_us') ?? f.get('out_time_ms')),
      speed: num(f.get('speed')),
      dropFrames: num(f.get('drop_frames')),
      dupFrames: num(f.get('dup_frames')),
      end: value === 'end',
    });
    this.fields = new Map();
  }
}
