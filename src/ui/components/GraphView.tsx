// The sheet as a computational graph, drawn as the lecture notes draw circuits: values above
// each edge in the value colour, gradients below in the gradient colour. One node per cell or
// one per operation; pan by dragging, zoom with the wheel; clicking a node selects its cell.
// Step-through backward runs here, and the grid shows the same gradients so far (bridge overlay).
import { For, Show, createEffect, createMemo, createSignal, on, onCleanup, onMount } from 'solid-js';
import type { Value } from '../../engine/tensor/value';
import type { Controller } from '../controller';
import { type GraphLayout, type GraphMode, type LayoutEdge, type LayoutNode, defaultMode, edgeText, layoutGraph } from '../kernel/graph-layout';
import { posOf } from '../kernel/selection';
import { type StepThrough, createStepThrough } from '../kernel/step-through';
import { type StepControls, StepBar, StepDetail } from './StepThrough';

const PLAY_MS = 700;

export function GraphView(props: { ctl: Controller; onClose: () => void }) {
  const ctl = props.ctl;
  const graph = createMemo(() => ctl.bridge.opGraph());
  const [modeChoice, setModeChoice] = createSignal<GraphMode | null>(null);
  const mode = () => modeChoice() ?? defaultMode(graph());
  const layout = createMemo<GraphLayout>(() => layoutGraph(graph(), mode(), ctl.bridge.registry));

  // ---- step-through ----
  const [st, setSt] = createSignal<StepThrough | null>(null);
  const [version, setVersion] = createSignal(0);
  const [playing, setPlaying] = createSignal(false);
  let timer: ReturnType<typeof setInterval> | null = null;
  const bump = () => {
    setVersion((v) => v + 1);
    const s = st();
    ctl.bridge.setGradOverlay(s ? s.cellGrads() : null);
  };
  const pause = () => {
    if (timer !== null) clearInterval(timer);
    timer = null;
    setPlaying(false);
  };
  const controls: StepControls = {
    st,
    version,
    playing,
    start() {
      setSt(createStepThrough(graph()));
      bump();
      setTimeout(fit, 0); // the step panel took some of the width
    },
    stop() {
      pause();
      setSt(null);
      bump();
      setTimeout(fit, 0);
    },
    next() {
      if (st()?.next()) bump();
      else pause();
    },
    prev() {
      if (st()?.prev()) bump();
    },
    first() {
      st()?.seek(0);
      bump();
    },
    last() {
      const s = st();
      s?.seek(s.total());
      pause();
      bump();
    },
    togglePlay() {
      if (!st()) controls.start();
      if (playing()) return pause();
      const s = st()!;
      if (s.pos() >= s.total()) s.seek(0);
      setPlaying(true);
      timer = setInterval(() => controls.next(), PLAY_MS);
    },
  };
  // A new graph (an edit, another loss) ends a walk through the old one.
  createEffect(on(graph, () => st() && controls.stop(), { defer: true }));
  onCleanup(() => {
    pause();
    ctl.bridge.setGradOverlay(null);
  });

  // ---- pan and zoom ----
  const [view, setView] = createSignal({ k: 1, tx: 0, ty: 0 });
  let box!: HTMLDivElement;
  const fit = () => {
    const L = layout();
    const w = box?.clientWidth || 800, h = box?.clientHeight || 400;
    const k = Math.min(1.4, Math.max(0.05, Math.min(w / Math.max(1, L.width), h / Math.max(1, L.height))));
    setView({ k, tx: (w - L.width * k) / 2, ty: Math.max(0, (h - L.height * k) / 2) });
  };
  onMount(fit);
  createEffect(on(layout, fit, { defer: true }));
  const zoomAt = (factor: number, cx: number, cy: number) => {
    const v = view();
    const k = Math.min(4, Math.max(0.02, v.k * factor));
    const f = k / v.k;
    setView({ k, tx: cx - (cx - v.tx) * f, ty: cy - (cy - v.ty) * f });
  };
  const onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const r = box.getBoundingClientRect();
    zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
  };
  let drag: { x: number; y: number; tx: number; ty: number; moved: boolean } | null = null;
  const onDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, tx: view().tx, ty: view().ty, moved: false };
  };
  const onMove = (e: PointerEvent) => {
    if (!drag) return;
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!drag.moved) (e.currentTarget as Element).setPointerCapture?.(e.pointerId);
    drag.moved = true;
    setView({ ...view(), tx: drag.tx + dx, ty: drag.ty + dy });
  };
  const onUp = () => {
    // A click on a node after a drag is not a click.
    setTimeout(() => (drag = null), 0);
  };

  const onKey = (e: KeyboardEvent) => {
    const map: Record<string, () => void> = {
      ArrowRight: () => (st() ? controls.next() : controls.start()),
      ArrowLeft: () => controls.prev(),
      ' ': () => controls.togglePlay(),
      Home: () => controls.first(),
      End: () => controls.last(),
      Escape: () => controls.stop(),
      '+': () => zoomAt(1.25, box.clientWidth / 2, box.clientHeight / 2),
      '=': () => zoomAt(1.25, box.clientWidth / 2, box.clientHeight / 2),
      '-': () => zoomAt(0.8, box.clientWidth / 2, box.clientHeight / 2),
      '0': fit,
    };
    const f = map[e.key];
    if (!f || e.ctrlKey || e.metaKey || e.altKey) return;
    e.preventDefault();
    e.stopPropagation();
    f();
  };

  // ---- what each element shows (gradients so far while stepping) ----
  const stepping = () => (version(), st());
  const current = () => (version(), st()?.current() ?? null);
  const edgeGrad = (e: LayoutEdge): Value | null => {
    const s = stepping();
    if (!s) return e.grad;
    if (e.op >= 0) return s.ran(e.op) ? e.grad : null;
    // cells mode: what the consumer's ops that already ran sent back along this edge
    const from = graph().cells.find((c) => `c:${c.at}` === e.from);
    let sum: number | null = null;
    for (const id of graph().cells.find((c) => c.at === e.toCell)?.nodes ?? []) {
      if (!s.ran(id)) continue;
      for (const inp of graph().nodes[id].inputs) {
        if (inp.slot === from?.slot && inp.added !== null) sum = (sum ?? 0) + (typeof inp.added === 'number' ? inp.added : NaN);
      }
    }
    return sum === null ? null : Number.isNaN(sum) ? e.grad : sum;
  };
  const nodeGrad = (n: LayoutNode): Value | null => {
    const s = stepping();
    if (!s) return n.grad;
    return s.soFar(n.slot) ?? null;
  };
  const isCurrent = (n: LayoutNode) => {
    const c = current();
    if (!c) return false;
    return n.op >= 0 ? n.op === c.id : mode() === 'cells' && n.cell === c.cell;
  };
  const edgeIsCurrent = (e: LayoutEdge) => {
    const c = current();
    if (!c) return false;
    return e.op >= 0 ? e.op === c.id : e.toCell === c.cell;
  };
  const cellLabel = (at: string) => {
    const c = graph().cells.find((x) => x.at === at);
    return c?.name ? `${c.name} (${at})` : at;
  };
  const select = (n: LayoutNode) => {
    if (drag?.moved) return;
    ctl.select(posOf(n.cell));
  };

  return (
    <section class="graph-panel" aria-label="Graph view" tabIndex={0} onKeyDown={onKey}>
      <div class="graph-head">
        <strong>Graph</strong>
        <Show when={graph().loss}>
          <span class="muted"> of ∂{cellLabel(graph().loss!)}</span>
        </Show>
        <div class="seg" role="group" aria-label="Nodes">
          <button aria-pressed={mode() === 'cells'} onClick={() => setModeChoice('cells')}>One node per cell</button>
          <button aria-pressed={mode() === 'ops'} onClick={() => setModeChoice('ops')}>One node per operation</button>
        </div>
        <button onClick={fit} title="Fit the graph in the view (0)">Fit</button>
        <StepBar c={controls} disabled={!graph().reverse.length} />
        <span class="legend">
          <span class="value">value</span> above · <span class="grad">gradient</span> below
        </span>
        <button class="close" aria-label="Close graph view" onClick={props.onClose}>×</button>
      </div>
      <Show when={graph().error}>
        <p class="msg-error">{graph().error}</p>
      </Show>
      <div class="graph-body">
        <div class="graph-canvas" ref={box} onWheel={onWheel} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp}>
          <svg class="graph-svg" role="img" aria-label={`Computational graph: ${layout().nodes.length} nodes`} width="100%" height="100%">
            <defs>
              <marker id="gv-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                <path d="M0,0 L8,4 L0,8 z" class="gv-arrowhead" />
              </marker>
            </defs>
            <g transform={`translate(${view().tx},${view().ty}) scale(${view().k})`}>
              <For each={layout().edges}>
                {(e) => (
                  <g class="gv-edge" classList={{ current: edgeIsCurrent(e) }}>
                    <polyline points={e.points.map((p) => `${p.x},${p.y}`).join(' ')} marker-end="url(#gv-arrow)" />
                    <text class="gv-value" x={e.lx} y={e.ly - 4} text-anchor="middle">{edgeText(e.value)}</text>
                    <text class="gv-grad" x={e.lx} y={e.ly + 12} text-anchor="middle">{edgeText(edgeGrad(e))}</text>
                  </g>
                )}
              </For>
              <For each={layout().nodes}>
                {(n) => (
                  <g
                    class={`gv-node ${n.kind}`}
                    classList={{ selected: n.cell === ctl.active(), current: isCurrent(n) }}
                    role="button"
                    aria-label={`${n.kind === 'op' ? `${n.label} in` : ''} ${cellLabel(n.cell)}`.trim()}
                    data-cell={n.cell}
                    onClick={() => select(n)}
                  >
                    <Show when={n.kind === 'op'} fallback={<rect x={n.x - n.w / 2} y={n.y - n.h / 2} width={n.w} height={n.h} rx={6} />}>
                      <rect x={n.x - n.w / 2} y={n.y - n.h / 2} width={n.w} height={n.h} rx={n.h / 2} />
                    </Show>
                    <text x={n.x} y={n.y + (n.kind === 'cell' && n.sub ? -3 : 4)} text-anchor="middle" class="gv-label">{n.label}</text>
                    <Show when={n.kind === 'cell' && n.sub}>
                      <text x={n.x} y={n.y + 12} text-anchor="middle" class="gv-sub">{n.sub}</text>
                    </Show>
                    <Show when={n.kind === 'op' && n.sub}>
                      <text x={n.x} y={n.y + n.h / 2 + 13} text-anchor="middle" class="gv-tag">{n.sub}</text>
                    </Show>
                    <Show when={n.sink}>
                      <line x1={n.x + n.w / 2} y1={n.y} x2={n.x + n.w / 2 + 64} y2={n.y} class="gv-stub" marker-end="url(#gv-arrow)" />
                      <text class="gv-value" x={n.x + n.w / 2 + 32} y={n.y - 5} text-anchor="middle">{edgeText(n.value)}</text>
                      <text class="gv-grad" x={n.x + n.w / 2 + 32} y={n.y + 13} text-anchor="middle">{edgeText(nodeGrad(n))}</text>
                    </Show>
                    <Show when={stepping() && !n.sink && (n.kind === 'cell' || n.sub) && nodeGrad(n) !== null}>
                      <text x={n.x} y={n.y - n.h / 2 - 5} text-anchor="middle" class="gv-sofar">Σ {edgeText(nodeGrad(n))}</text>
                    </Show>
                  </g>
                )}
              </For>
            </g>
          </svg>
        </div>
        <Show when={st()}>
          <StepDetail c={controls} registry={ctl.bridge.registry} cellLabel={cellLabel} />
        </Show>
      </div>
    </section>
  );
}
