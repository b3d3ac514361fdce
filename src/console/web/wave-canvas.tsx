// One waveform on a canvas, redrawn on animation frames: the last few seconds across, scaled to what is shown, the
// newest sample drawn at the right edge. Samples are revealed at the wave's own rate a feed batch behind their arrival
// (playout.ts), so the wave scrolls evenly rather than jumping a batch at a time. Drawing never goes through Preact.
import { useEffect, useRef } from 'preact/hooks';
import { playoutPosition } from '../playout.js';
import type { WaveRing } from './live-store.js';

/** Monitor colours by what the wave is: ECG green, pleth cyan, CO2 yellow, airway pressure and flow white. */
export function waveColour(ref: string): string {
  if (ref.startsWith('MDC_ECG')) return '#3ddc84';
  if (ref.includes('PLETH')) return '#4fc3f7';
  if (ref.includes('CO2')) return '#ffd54f';
  if (ref.includes('AWAY') || ref.includes('FLOW') || ref.includes('VOL')) return '#f5f5f5';
  if (ref.includes('PRESS_BLD')) return '#ef5350';
  return '#b0bec5';
}

/** Draws the ring's samples up to `end` (≤ ring.written; those after it are not shown yet). */
function paint(canvas: HTMLCanvasElement, ring: WaveRing, colour: string, end: number): void {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.clearRect(0, 0, w, h);
  const n = ring.values.length;
  // The slots of samples not shown yet hold them, no longer the oldest ones: those are not drawn.
  const count = Math.min(end, n - (ring.written - end));
  if (count < 2) return;
  const start = end - count;
  let min = Infinity;
  let max = -Infinity;
  for (let i = start; i < end; i++) {
    const v = ring.values[i % n]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || 1;
  const pad = h * 0.08;
  const y = (v: number) => h - pad - ((v - min) / span) * (h - 2 * pad);
  // The ring spans the canvas: a partly filled ring starts at its share of the width from the right.
  const dx = w / (n - 1);
  const x0 = w - (count - 1) * dx;
  ctx.strokeStyle = colour;
  ctx.lineWidth = 1.5 * dpr;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  for (let i = 0; i < count; i++) {
    const v = ring.values[(start + i) % n]!;
    if (i === 0) ctx.moveTo(x0, y(v));
    else ctx.lineTo(x0 + i * dx, y(v));
  }
  ctx.stroke();
}

export function WaveCanvas({ ring }: { ring: WaveRing }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const colour = waveColour(ring.ref);
    let shown: number | undefined;
    let drawnEnd = -1;
    let last = performance.now();
    let frame = 0;
    const draw = (now: number) => {
      frame = requestAnimationFrame(draw);
      shown = playoutPosition(shown, ring.written, ring.rate, now - last);
      last = now;
      const end = Math.floor(shown);
      if (end === drawnEnd) return;
      drawnEnd = end;
      paint(canvas, ring, colour, end);
    };
    frame = requestAnimationFrame(draw);
    return () => cancelAnimationFrame(frame);
  }, [ring]);
  return (
    <div class="wave">
      <span class="wave-label" style={{ color: waveColour(ring.ref) }}>
        {ring.label} <small>{ring.unit}</small>
      </span>
      <canvas ref={ref} data-wave={ring.ref} />
    </div>
  );
}
