// First-run hints: three short, dismissible lines; no modal.
import { For, Show, createSignal } from 'solid-js';
import { WELCOME_HINTS } from '../kernel/welcome';

export function Welcome(props: { onDismissAll: () => void }) {
  const [left, setLeft] = createSignal(WELCOME_HINTS.map((h) => h.id));
  const dismiss = (id: string) => {
    const next = left().filter((x) => x !== id);
    setLeft(next);
    if (!next.length) props.onDismissAll();
  };
  return (
    <Show when={left().length}>
      <section class="welcome" aria-label="Getting started">
        <strong>Welcome!</strong>
        <ol>
          <For each={WELCOME_HINTS.filter((h) => left().includes(h.id))}>
            {(h) => (
              <li>
                {h.text}
                <button class="hint-x" aria-label="Dismiss hint" onClick={() => dismiss(h.id)}>
                  ×
                </button>
              </li>
            )}
          </For>
        </ol>
        <button class="linklike" onClick={() => { setLeft([]); props.onDismissAll(); }}>
          Dismiss all
        </button>
      </section>
    </Show>
  );
}
