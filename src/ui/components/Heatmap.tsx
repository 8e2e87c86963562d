// A matrix as a small heatmap on a canvas, with a diverging scale centred on zero and scaled
// by the largest magnitude. Values and gradients use two different scales (blue–orange for
// values, purple–green for gradients) so a glance tells them apart; Legend shows both.
import { createEffect } from 'solid-js';
import { formatNumber } from '../../engine/format-value';
import type { Matrix } from '../../engine/tensor/value';

export type Scale = 'value' | 'grad';

const ENDS: Record<Scale, { neg: [number, number, number]; pos: [number, number, number] }> = {
  value: { neg: [33, 102, 172], pos: [217, 95, 2] },
  grad: { neg: [118, 42, 131], pos: [27, 120, 55] },
};

const NO_CANVAS = typeof navigator !== 'undefined' && /jsdom/i.test(navigator.userAgent);

/** Diverging colour: negative → blue, zero → near white, positive → orange; NaN → magenta. */
export function divergingColor(x: number, maxAbs: number, scale: Scale = 'value'): [number, number, number] {
  if (!Number.isFinite(x)) return scale === 'value' ? [200, 0, 200] : [0, 0, 0];
  const t = maxAbs > 0 ? Math.max(-1, Math.min(1, x / maxAbs)) : 0;
  const base: [number, number, number] = [247, 247, 247];
  const { neg, pos } = ENDS[scale];
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

/** The entry under a point of the heatmap (for the hover text). */
export function entryAt(m: Matrix, x: number, y: number, width: number, height: number): { i: number; j: number } {
  const i = Math.min(m.rows - 1, Math.max(0, Math.floor((y / height) * m.rows)));
  const j = Math.min(m.cols - 1, Math.max(0, Math.floor((x / width) * m.cols)));
  return { i, j };
}

export function Heatmap(props: { matrix: Matrix; width: number; height: number; label: string; class?: string; scale?: Scale }) {
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
        const [r, g, b] = divergingColor(m.data[i * m.cols + j], mx, props.scale ?? 'value');
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
      onMouseMove={(e) => {
        // The numbers under the pointer, as the canvas's tooltip (computed on hover only).
        const m = props.matrix;
        const { i, j } = entryAt(m, e.offsetX, e.offsetY, props.width, props.height);
        e.currentTarget.title = `[${i}, ${j}] = ${formatNumber(m.data[i * m.cols + j], 6)}  (${m.rows}×${m.cols}, ${props.scale === 'grad' ? 'gradient' : 'value'})`;
      }}
    />
  );
}

/** The two colour scales, with the magnitude each spans. */
export function Legend(props: { scale: Scale; maxAbs: number }) {
  const c = (t: number) => `rgb(${divergingColor(t, 1, props.scale).join(',')})`;
  const m = () => formatNumber(props.maxAbs, 2);
  return (
    <div class={`legend legend-${props.scale}`} aria-label={`${props.scale === 'grad' ? 'gradient' : 'value'} colour scale from -${m()} to ${m()}`}>
      <span class="legend-end">−{m()}</span>
      <span class="legend-bar" style={{ background: `linear-gradient(to right, ${c(-1)}, ${c(0)}, ${c(1)})` }} />
      <span class="legend-end">{m()}</span>
      <span class="muted legend-what">{props.scale === 'grad' ? '∂ gradient' : 'value'}</span>
    </div>
  );
}
