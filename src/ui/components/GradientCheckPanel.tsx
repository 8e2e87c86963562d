// The whole-sheet gradient check (engine.gradientCheck): every gradient against central
// finite differences, the worst relative errors listed with their cells, each a link to it.
import { For, Show, createSignal } from 'solid-js';
import type { GradientCheck } from '../../engine/engine';
import { formatNumber } from '../../engine/format-value';
import type { Controller } from '../controller';
import { posOf } from '../kernel/selection';

/** Rows listed per loss (the worst first). */
export const WORST_ROWS = 10;

/** The relative error read as the CS231n notes read it. */
export function reading(relErr: number): { text: string; cls: string } {
  if (!(relErr <= 1e-2)) return { text: 'wrong', cls: 'check-fail' };
  if (relErr <= 1e-7) return { text: 'good', cls: 'check-pass' };
  if (relErr <= 1e-4) return { text: 'fine near a kink', cls: 'check-pass' };
  return { text: 'suspicious', cls: 'check-warn' };
}

export function GradientCheckPanel(props: { ctl: Controller; onClose: () => void }) {
  const ctl = props.ctl;
  const [result, setResult] = createSignal<GradientCheck[] | null>(null);
  const run = () => setResult(ctl.ws.engine.gradientCheck());
  run();
  const label = (at: string) => {
    const n = ctl.ws.cellState(at).name;
    return n ? `${n} (${at})` : at;
  };
  return (
    <aside class="check-panel" aria-label="Gradient check">
      <div class="help-head">
        <h2>Gradient check</h2>
        <div>
          <button onClick={run} title="Compare every gradient with central finite differences again">Run again</button>
          <button aria-label="Close gradient check" onClick={props.onClose}>×</button>
        </div>
      </div>
      <p class="muted">Every gradient against central finite differences. Relative error ≤ 1e-7 good, ≤ 1e-4 fine near a kink, &gt; 1e-2 wrong.</p>
      <Show when={result()?.length === 0}>
        <p class="muted">No grad(L) cell in this sheet: nothing to check.</p>
      </Show>
      <For each={result() ?? []}>
        {(r) => (
          <section class="check-loss">
            <h3>
              ∂{label(r.loss)} <span class="muted">from {r.gradCell}</span>{' '}
              <span class={r.pass ? 'check-pass' : 'check-fail'}>{r.pass ? '✓ passes' : '✗ fails'}</span>
            </h3>
            <Show when={r.error}>
              <p class="msg-error">{r.error}</p>
            </Show>
            <Show when={r.rows.length}>
              <table class="check-table">
                <thead>
                  <tr><th>cell</th><th>relative error</th><th /></tr>
                </thead>
                <tbody>
                  <For each={r.rows.slice(0, WORST_ROWS)}>
                    {(row) => (
                      <tr classList={{ bad: !row.ok }}>
                        <td>
                          <button class="linklike" onClick={() => ctl.select(posOf(row.at))}>{label(row.at)}</button>
                        </td>
                        <td class="num">{formatNumber(row.relErr, 2)}</td>
                        <td class={reading(row.relErr).cls}>{row.ok ? reading(row.relErr).text : `${reading(row.relErr).text} ✗`}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
              <Show when={r.rows.length > WORST_ROWS}>
                <p class="muted">… and {r.rows.length - WORST_ROWS} more cells, all closer.</p>
              </Show>
            </Show>
            <Show when={r.skipped.length}>
              <p class="muted">Not differenced (too large, or an error): {r.skipped.join(', ')}</p>
            </Show>
          </section>
        )}
      </For>
    </aside>
  );
}
