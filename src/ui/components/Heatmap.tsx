// A matrix as a small heatmap on a canvas, with a diverging scale (blue < 0 < orange)
// centred on zero and scaled by the largest magnitude.
import { createEffect } from 'solid-js';
import type { Matrix } from '../../engine/tensor/value';

const NO_CANVAS = typeof navigator !== 'undefined' && /jsdom/i.test(navigator.userAgent);

/** Diverging colour: negative → blue, zero → near white, positive → orange; NaN → magenta. */
export function divergingColor(x: number, maxAbs: number): [number, number, number] {
  if (!Number.isFinite(x)) return [200, 0, 200];
  const t = maxAbs > 0 ? Math.max(-1, Math.min(1, x / maxAbs)) : 0;
  const base: [number, number, number] = [247, 247, 247];
  const neg: [number, number, number] = [33, 102, 172];
  const pos: [number, number, number] = [217, 95, 2];
  const to = t < 0 ? neg : pos;
  const a = Math.abs(t);
  return [0, 1, 2].map((i) => Math.round(base[i] + (to[i] - base[i]) * a)) as [number, number, number];
}

export function maxAbsOf(m: Matrix): number {
  let mx = 0;
  for (let i = 0; i < m.data.length; i++) {
    const a = Math.abs(m.data[i]);
    if (Number.isFinite(a) && a > mx) mx = a;
  }
  return mx;
}

export function Heatmap(props: { matrix: Matrix; width: number; height: number; label: string; class?: string }) {
  let canvas!: HTMLCanvasElement;
  createEffect(() => {
    const m = props.matrix;
    if (NO_CANVAS || !canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    // One pixel per entry, at most the canvas size (larger matrices are sampled).
    const w = Math.min(m.cols, props.width * 2), h = Math.min(m.rows, props.height * 2);
    canvas.width = w;
    canvas.height = h;
    const img = ctx.createImageData(w, h);
    const mx = maxAbsOf(m);
    for (let y = 0; y < h; y++) {
      const i = Math.floor((y * m.rows) / h);
      for (let x = 0; x < w; x++) {
        const j = Math.floor((x * m.cols) / w);
        const [r, g, b] = divergingColor(m.data[i * m.cols + j], mx);
        const k = (y * w + x) * 4;
        img.data[k] = r;
        img.data[k + 1] = g;
        img.data[k + 2] = b;
        img.data[k + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
  });
  return (
    <canvas
      ref={canvas}
      class={`heatmap ${props.class ?? ''}`}
      style={{ width: `${props.width}px`, height: `${props.height}px` }}
      role="img"
      aria-label={props.label}
    />
  );
}
