// The chain-rule breakdown of the selected cell's gradient (ui/kernel/breakdown.ts): the
// fork sum over the cells that read it, each term typeset — the incoming gradient times the
// local derivative, symbolically from the op's rule and with numbers. Built from the
// consumers' formulas alone (engine.consumerGraphs), so it costs the same on any sheet size.
import { For, Show, createMemo, createSignal, untrack } from 'solid-js';
import type { Controller } from '../controller';
import { type BreakdownView, localBreakdown } from '../kernel/breakdown';
import { posOf } from '../kernel/selection';
import { Tex } from './Tex';

/**
 * Building the breakdown is cheap (measured: 0.05–0.9 ms on the 1,000-cell bench sheet), but
 * showing it is not: every term's numbers change with an edit, so its formulas are typeset
 * again (KaTeX, milliseconds for a cell read by ten cells) and its DOM is replaced. So after
 * an edit it is rebuilt once the grid has painted (the edit's frame is the grid's); a
 * selection or a switch of loss rebuilds it at once. Until then it keeps what it showed (its
 * text names the cell it is about).
 */
function afterPaint(fn: () => void): void {
  const later = () => setTimeout(fn, 0);
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(later);
  else later();
}

export function Breakdown(props: { ctl: Controller }) {
  const ctl = props.ctl;
  // The change set (bridge.tick) the shown breakdown may be built at: behind tick after an edit.
  const [settled, setSettled] = createSignal(untrack(ctl.bridge.tick));
  let scheduled = -1;
  const view = createMemo<BreakdownView>((prev) => {
    const tick = ctl.bridge.tick();
    const at = ctl.active();
    // Mid-way through a sliced recompute the values are not all current: keep what is shown.
    if (ctl.bridge.progress() && prev?.at === at) return prev;
    if (prev && tick !== settled()) {
      if (scheduled !== tick) {
        scheduled = tick;
        afterPaint(() => setSettled(tick));
      }
      return prev;
    }
    return localBreakdown(ctl.bridge.consumerGraphs(at), ctl.bridge.registry);
  });
  return (
    <section class="chain breakdown" aria-label="Chain rule">
      <h3>Chain rule</h3>
      <p class="muted">{view().summary}</p>
      <For each={view().groups}>
        {(grp) => (
          <div class="bd-group">
            <button class="linklike bd-via" title={`Select ${grp.consumer}`} onClick={() => ctl.select(posOf(grp.consumer))}>
              {grp.text}
            </button>
            <For each={grp.terms}>
              {(t) => (
                <div class="bd-term" title={t.ruleText ?? undefined}>
                  <div class="bd-line"><Tex tex={t.chain} /></div>
                  <div class="bd-line"><Tex tex={t.local} /></div>
                  <div class="bd-line bd-num"><Tex tex={t.numeric} /></div>
                </div>
              )}
            </For>
          </div>
        )}
      </For>
      <Show when={view().more > 0}>
        <p class="muted">… and {view().more} smaller contributions</p>
      </Show>
      <Show when={view().sumTex}>
        <div class="bd-total total"><Tex tex={view().sumTex!} /></div>
      </Show>
    </section>
  );
}
