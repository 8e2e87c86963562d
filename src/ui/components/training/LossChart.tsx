// The loss curve (and accuracy, on its own 0…1 axis) over training steps, drawn by uPlot:
// one series per optimizer's loss and per accuracy cell, updated in place as points arrive.
import { createEffect, onCleanup, onMount } from 'solid-js';
import type uPlot from 'uplot';

// uPlot reads the window's pixel ratio when it loads: load it with the first chart (the page's
// first load and DOM-less tests never touch it).
let uplot: Promise<typeof uPlot> | null = null;
function loadUplot(): Promise<typeof uPlot> {
  return (uplot ??= Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]).then(([m]) => m.default));
}

export interface Curve {
  label: string;
  points: readonly (readonly [number, number])[];
}

const LOSS_COLOURS = ['#d55e00', '#cc79a7', '#e69f00'];
const ACC_COLOURS = ['#0072b2', '#009e73', '#56b4e9'];

/** Series on one shared step axis: uPlot wants aligned columns, so missing points are null. */
export function alignCurves(curves: readonly Curve[]): (number | null)[][] {
  const steps = [...new Set(curves.flatMap((c) => c.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(steps.map((s, i) => [s, i]));
  const cols: (number | null)[][] = [steps];
  for (const c of curves) {
    const col = new Array<number | null>(steps.length).fill(null);
    for (const [s, y] of c.points) col[index.get(s)!] = Number.isFinite(y) ? y : null;
    cols.push(col);
  }
  return cols;
}

export function LossChart(props: { losses: Curve[]; accuracies: Curve[]; width?: number; height?: number }) {
  let host!: HTMLDivElement;
  let plot: uPlot | null = null;
  let shape = '';

  let UPlot: typeof uPlot | null = null;

  function build(): void {
    if (!UPlot) return;
    plot?.destroy();
    plot = null;
    const series: uPlot.Series[] = [{ label: 'step' }];
    props.losses.forEach((c, i) => series.push({ label: `loss ${c.label}`, stroke: LOSS_COLOURS[i % 3], width: 2, scale: 'loss', spanGaps: true }));
    props.accuracies.forEach((c, i) => series.push({ label: `accuracy ${c.label}`, stroke: ACC_COLOURS[i % 3], width: 2, scale: 'acc', spanGaps: true }));
    const axes: uPlot.Axis[] = [{ label: 'step' }, { scale: 'loss', label: 'loss', stroke: '#d55e00' }];
    if (props.accuracies.length) axes.push({ scale: 'acc', side: 1, label: 'accuracy', stroke: '#0072b2', grid: { show: false } });
    try {
      plot = new UPlot(
        {
          width: props.width ?? 420,
          height: props.height ?? 220,
          series,
          axes,
          scales: { x: { time: false }, acc: { range: [0, 1] } },
          legend: { live: false },
          cursor: { drag: { x: false, y: false } },
        },
        alignCurves([...props.losses, ...props.accuracies]) as uPlot.AlignedData,
        host,
      );
    } catch {
      plot = null; // no canvas (a test DOM): the numbers are in the panel's text
    }
  }

  onMount(() => {
    loadUplot()
      .then((u) => {
        UPlot = u;
        build();
      })
      .catch(() => {
        /* no chart (a DOM without canvas): the numbers are in the panel's text */
      });
  });
  createEffect(() => {
    const key = [...props.losses, ...props.accuracies].map((c) => c.label).join('|');
    const data = alignCurves([...props.losses, ...props.accuracies]);
    if (key !== shape || !plot) {
      shape = key;
      build();
    } else plot.setData(data as uPlot.AlignedData);
  });
  onCleanup(() => plot?.destroy());
  return <div class="loss-chart" ref={host} aria-label="Loss curve" role="img" />;
}
