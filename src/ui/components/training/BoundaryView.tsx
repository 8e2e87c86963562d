// The decision boundary: every grid point coloured by the class the network gives it, the
// data points over it in the colour of their label (as TensorFlow Playground draws it).
import { createEffect } from 'solid-js';
import type { Boundary } from '../../kernel/training-view';

// Colour-blind-safe class colours (Okabe–Ito), light for regions, full for points.
const CLASS_RGB: [number, number, number][] = [
  [0, 114, 178],
  [213, 94, 0],
  [0, 158, 115],
  [204, 121, 167],
  [230, 159, 0],
  [86, 180, 233],
];

export function BoundaryView(props: { boundary: Boundary; px?: number }) {
  let canvas!: HTMLCanvasElement;
  const px = () => props.px ?? 240;
  createEffect(() => {
    const b = props.boundary;
    const ctx = canvas.getContext?.('2d');
    if (!ctx) return;
    const W = px();
    const img = ctx.createImageData(b.size, b.size);
    for (let k = 0; k < b.classes.length; k++) {
      const [r, g, bl] = CLASS_RGB[b.classes[k] % CLASS_RGB.length];
      img.data[4 * k] = 255 - (255 - r) * 0.35;
      img.data[4 * k + 1] = 255 - (255 - g) * 0.35;
      img.data[4 * k + 2] = 255 - (255 - bl) * 0.35;
      img.data[4 * k + 3] = 255;
    }
    const off = document.createElement('canvas');
    off.width = b.size;
    off.height = b.size;
    off.getContext('2d')!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, W, W);
    ctx.drawImage(off, 0, 0, W, W);
    const n = b.labels.length;
    for (let i = 0; i < n; i++) {
      const x = ((b.points[2 * i] - b.x0) / (b.x1 - b.x0)) * W;
      const y = ((b.y1 - b.points[2 * i + 1]) / (b.y1 - b.y0)) * W;
      const [r, g, bl] = CLASS_RGB[b.labels[i] % CLASS_RGB.length];
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${r},${g},${bl})`;
      ctx.fill();
      ctx.lineWidth = 0.8;
      ctx.strokeStyle = '#fff';
      ctx.stroke();
    }
  });
  return <canvas ref={canvas} class="boundary" width={px()} height={px()} role="img" aria-label="Decision boundary with the data points" />;
}
