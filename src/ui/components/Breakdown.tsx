// The chain-rule breakdown of the selected cell's gradient (ui/kernel/breakdown.ts): the
// fork sum over the cells that read it, each term typeset — the incoming gradient times the
// local derivative, symbolically from the op's rule and with numbers.
import { For, Show, createMemo, createSignal, untrack } from 'solid-js';
import type { Controller } from '../controller';
import { type BreakdownView, cellBreakdown } from '../kernel/breakdown';
import { breakdown } from '../kernel/explain';

/**
 * Beyond this many grid positions in use the breakdown is the cell-level one in words: the
 * typeset one builds the whole op graph (measured: seconds for a 10,000-cell chain).
 */
const LARGE_SHEET = 20_000;
import { posOf } from '../kernel/selection';
import { Tex } from './Tex';

/**
 * The typeset breakdown reads the op graph, a second forward and backward over the whole loss:
 * on a 1,000-cell sheet many times the edit itself. So after an edit it is rebuilt once the
 * grid has painted (the edit's frame is the grid's); a selection or a switch of loss rebuilds
 * it at once. Until then it keeps what it showed (its text names the cell it is about), so the
 * edit's frame does not tear down the typeset DOM either.
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
    const loss = ctl.bridge.activeLoss();
    // The op graph is built only for a cell with a gradient (the engine's, not step-through's).
    if (loss && ctl.bridge.peek(at)?.grad == null) {
      const l = ctl.bridge.peek(loss.loss)?.name ?? loss.loss;
      return { at, symbolTex: null, summary: `${at} is not upstream of ${l}: no gradient flows to it.`, groups: [], more: 0, total: null, sumTex: null };
    }
    const ext = ctl.bridge.extent();
    if (ext.rows * ext.cols > LARGE_SHEET) return textBreakdown(at);
    return cellBreakdown(ctl.bridge.opGraph(), at, ctl.bridge.registry);
  });
  /** The cell-level breakdown in words (engine.explain), without building the op graph. */
  const textBreakdown = (at: string): BreakdownView => {
    const b = breakdown(ctl.bridge.explain(at), (a) => ctl.bridge.peek(a));
    return {
      at, symbolTex: null, summary: b.summary, more: b.more, total: null,
      groups: b.lines.map((l) => ({ consumer: l.via, label: l.via, text: l.text, terms: [], total: 0 })),
      sumTex: b.total === null ? null : `\\text{total: ${(b.symbol ?? '').replace(/[\\{}$&#^_%~]/g, ' ')} = ${b.total}}`,
    };
  };
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
