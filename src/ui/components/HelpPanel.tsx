// Every function, generated from the op registry: name, signature, doc, gradient rule.
import { For, Show, createMemo, createSignal } from 'solid-js';
import type { OpDef, Registry } from '../../engine/ops/registry';
import { gradientText, helpGroups } from '../kernel/help';
import { HowTo } from './HowTo';

export function HelpPanel(props: { registry: Registry; onClose: () => void }) {
  const [q, setQ] = createSignal('');
  // Gradient rules are searchable too: "sum_to" finds every op whose gradient un-broadcasts.
  const searchText = (o: OpDef) => [o.name, o.signature, o.doc, o.symbol ?? '', ...gradientText(o, props.registry)].join(' ').toLowerCase();
  const groups = createMemo(() => {
    const s = q().trim().toLowerCase();
    return helpGroups(props.registry)
      .map((g) => ({ ...g, ops: s ? g.ops.filter((o) => searchText(o).includes(s)) : g.ops }))
      .filter((g) => g.ops.length);
  });
  return (
    <aside class="help" aria-label="Help">
      <div class="help-head">
        <h2>Functions</h2>
        <button class="close" aria-label="Close help" onClick={props.onClose}>
          ×
        </button>
      </div>
      <HowTo />
      <p class="muted">
        Formulas use <code>+ - * / ^ @ .T</code>, names and A1 references. In a gradient rule, <code>g</code> is ∂L/∂output, <code>y</code> the output, and <code>sum_to</code> sums a broadcast gradient back to its input's shape.
      </p>
      <input class="help-search" aria-label="Search functions" placeholder="Search functions" value={q()} onInput={(e) => setQ(e.currentTarget.value)} />
      <For each={groups()}>
        {(g) => (
          <section class="help-group" aria-label={g.title}>
            <h3>{g.title}</h3>
            <For each={g.ops}>
              {(op) => (
                <div class="help-op" data-op={op.name}>
                  <div>
                    <code class="sig">{op.signature}</code>
                    <Show when={op.symbol}>
                      <span class="sym"> ({op.symbol})</span>
                    </Show>
                  </div>
                  <div class="doc">{op.doc}</div>
                  <div class="graddoc">
                    <span class="d">∂</span> {gradientText(op, props.registry).join('; ')}
                  </div>
                </div>
              )}
            </For>
          </section>
        )}
      </For>
    </aside>
  );
}
