// Test digits with the network's prediction and the true label; mistakes are marked.
import { For, createEffect } from 'solid-js';
import type { Digit } from '../../kernel/training-view';

function DigitImage(props: { pixels: Float64Array }) {
  let canvas!: HTMLCanvasElement;
  createEffect(() => {
    const ctx = canvas.getContext?.('2d');
    if (!ctx) return;
    const img = ctx.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      const v = 255 - Math.round(Math.max(0, Math.min(1, props.pixels[i])) * 255);
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = v;
      img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
  });
  return <canvas ref={canvas} width={28} height={28} class="digit-image" />;
}

export function DigitGrid(props: { digits: Digit[] }) {
  return (
    <div class="digit-grid" role="list" aria-label="Test digits: predicted and true labels">
      <For each={props.digits}>
        {(d) => (
          <figure role="listitem" class={d.predicted === d.truth ? 'digit' : 'digit mistake'} aria-label={`predicted ${d.predicted}, true ${d.truth}${d.predicted === d.truth ? '' : ' (mistake)'}`}>
            <DigitImage pixels={d.pixels} />
            <figcaption>
              {d.predicted}
              {d.predicted === d.truth ? '' : ` ✗ (${d.truth})`}
            </figcaption>
          </figure>
        )}
      </For>
    </div>
  );
}
