// The chain-rule breakdown of the selected cell's gradient (ui/kernel/breakdown.ts): the
// fork sum over the cells that read it, each term typeset — the incoming gradient times the
// local derivative, symbolically from the op's rule and with numbers.
import { For, Show, createMemo } from 'solid-js';
import type { Controller } from '../controller';
import { cellBreakdown } from '../kernel/breakdown';
import { posOf } from '../kernel/selection';
import { Tex } from './Tex';

export function Breakdown(props: { ctl: Controller }) {
  const ctl = props.ctl;
  const view = createMemo(() => {
    ctl.bridge.tick();
    ctl.bridge.activeLoss();
    return cellBreakdown(ctl.ws.engine.opGraph(), ctl.active(), ctl.ws.engine.registry);
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
