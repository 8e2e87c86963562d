// Step-through backward, the controls and the explanation of the op that just ran: the
// gradient that flowed in, its local derivative for each input and what it added — with the
// input's gradient so far, so a fork's sum can be watched accumulating.
import { For, Show } from 'solid-js';
import type { OpNode } from '../../engine/explain/op-graph';
import { labelsOf, termOf } from '../../engine/explain/terms';
import type { Registry } from '../../engine/ops/define';
import { valueTex } from '../kernel/breakdown';
import type { StepThrough } from '../kernel/step-through';
import { Tex } from './Tex';

export interface StepControls {
  st: () => StepThrough | null;
  /** Bumps on every step (the StepThrough object itself is mutable). */
  version: () => number;
  playing: () => boolean;
  start(): void;
  stop(): void;
  next(): void;
  prev(): void;
  first(): void;
  last(): void;
  togglePlay(): void;
}

export function StepBar(props: { c: StepControls; disabled: boolean }) {
  const c = props.c;
  const pos = () => (c.version(), c.st()?.pos() ?? 0);
  const total = () => c.st()?.total() ?? 0;
  return (
    <div class="step-bar" role="group" aria-label="Step through backward">
      <Show
        when={c.st()}
        fallback={
          <button onClick={() => c.start()} disabled={props.disabled} title="Walk the reverse pass one operation at a time (→ next, ← previous, Space play)">
            Step through backward
          </button>
        }
      >
        <button aria-label="First step" title="Back to the start (Home)" onClick={() => c.first()} disabled={pos() === 0}>«</button>
        <button aria-label="Previous step" title="Previous (←)" onClick={() => c.prev()} disabled={pos() === 0}>◀</button>
        <button aria-label={c.playing() ? 'Pause' : 'Play'} title="Play / pause (Space)" onClick={() => c.togglePlay()}>{c.playing() ? 'Pause' : 'Play'}</button>
        <button aria-label="Next step" title="Next (→)" onClick={() => c.next()} disabled={pos() >= total()}>▶</button>
        <button aria-label="Last step" title="To the end (End)" onClick={() => c.last()} disabled={pos() >= total()}>»</button>
        <span class="step-pos" aria-live="polite">
          step {pos()} of {total()}
        </span>
        <button aria-label="Stop stepping" title="Stop (Esc)" onClick={() => c.stop()}>×</button>
      </Show>
    </div>
  );
}

export function StepDetail(props: { c: StepControls; registry: Registry; cellLabel: (at: string) => string }) {
  const c = props.c;
  const current = (): OpNode | null => (c.version(), c.st()?.current() ?? null);
  return (
    <div class="step-detail" aria-label="Current step">
      <Show when={c.st()}>
        <Show
          when={current()}
          keyed
          fallback={<p class="muted">The backward pass starts at the loss with ∂L/∂L = 1. Press → (or ▶) to run the first operation.</p>}
        >
          {(n) => {
            const st = c.st()!;
            const graph = st.graph;
            const labels = labelsOf(graph);
            const lossTex = graph.lossSlot !== null ? labels.slot(graph.lossSlot).tex : 'L';
            return (
              <div>
                <p class="step-head">
                  <strong>{n.op}</strong> in {props.cellLabel(n.cell)}
                  <Show when={n.via}> (from {n.via})</Show>
                </p>
                <div class="bd-line">
                  <span class="muted">in: </span>
                  <Tex tex={`\\frac{\\partial ${lossTex}}{\\partial ${wrap(labels.node(n.id).tex)}} = ${valueTex(n.grad)}`} />
                </div>
                <For each={n.inputs.map((inp, j) => ({ inp, j })).filter((x) => x.inp.added !== null && !x.inp.isConst)}>
                  {({ inp, j }) => {
                    const t = termOf(graph, n.id, j, props.registry);
                    const label = labels.slot(inp.slot).tex;
                    return (
                      <div class="step-input">
                        <div class="bd-line">
                          <Tex tex={t.localTex !== null && !t.matrix ? `${t.partialTex} = ${t.localTex}${t.localValue !== null && valueTex(t.localValue) !== t.localTex ? ` = ${valueTex(t.localValue)}` : ''}` : `${t.vjpTex}`} />
                        </div>
                        <div class="bd-line">
                          <Tex tex={`\\frac{\\partial ${lossTex}}{\\partial ${wrap(label)}} \\mathrel{+}= ${valueTex(inp.added)}\\quad\\Rightarrow\\quad ${valueTex(st.soFar(inp.slot) ?? null)}`} />
                        </div>
                      </div>
                    );
                  }}
                </For>
              </div>
            );
          }}
        </Show>
      </Show>
    </div>
  );
}

function wrap(tex: string): string {
  return /^[\w\\{}]+$/.test(tex) ? tex : `\\left(${tex}\\right)`;
}
