// The formula bar: the address, the name box and the formula input (with autocomplete).
import { For, Show, createSignal } from 'solid-js';
import type { Controller } from '../controller';
import { type SuggestionSet, accept, suggest } from '../kernel/autocomplete';
import { historyAction } from '../kernel/keys';
import { rectText } from '../kernel/selection';

export function NameBox(props: { ctl: Controller }) {
  const ctl = props.ctl;
  let input!: HTMLInputElement;
  return (
    <div class="name-box">
      <input
        ref={input}
        class="name-input"
        aria-label="Name"
        placeholder="name"
        spellcheck={false}
        autocomplete="off"
        aria-invalid={ctl.nameError() ? 'true' : undefined}
        aria-describedby="name-error"
        value={ctl.nameDraft() ?? ctl.activeView()?.name ?? ''}
        onInput={(e) => ctl.setNameDraft(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            e.preventDefault();
            if (ctl.commitName()) ctl.focusGrid();
          } else if (e.key === 'Escape') {
            e.preventDefault();
            ctl.setNameDraft(null);
            input.value = ctl.activeView()?.name ?? '';
            ctl.focusGrid();
          }
        }}
        onBlur={() => ctl.commitName()}
      />
      <span id="name-error" class="name-error" aria-live="polite">
        {ctl.nameError() ?? ''}
      </span>
    </div>
  );
}

export function FormulaBar(props: { ctl: Controller }) {
  const ctl = props.ctl;
  let input!: HTMLInputElement;
  const [sugg, setSugg] = createSignal<SuggestionSet | null>(null);
  const [index, setIndex] = createSignal(0);
  // Enter takes a suggestion only once the user has moved through the list with the arrows;
  // otherwise Enter commits, as in any spreadsheet. Tab always takes the highlighted one.
  const [navigated, setNavigated] = createSignal(false);
  let acceptingClick = false;

  ctl.setFormulaFocuser((end) => {
    input.focus();
    if (end) {
      const n = input.value.length;
      input.setSelectionRange(n, n);
    }
  });

  function refresh() {
    const caret = input.selectionStart ?? input.value.length;
    const s = suggest(input.value, caret, ctl.ws.engine.registry, ctl.bridge.names());
    setSugg(s);
    setIndex(0);
    setNavigated(false);
  }

  function take(i: number) {
    const s = sugg();
    if (!s) return;
    const r = accept(input.value, s, s.items[i]);
    ctl.setDraft(r.text);
    input.value = r.text;
    input.setSelectionRange(r.caret, r.caret);
    setSugg(null);
  }

  function finish(dc: number, dr: number) {
    setSugg(null);
    // Focus first: focusing after the commit has changed the DOM forces a synchronous style
    // and layout pass over the grid (measured: most of a 1,000-cell edit's handler time).
    // Leaving the input commits through its blur handler; commitEdit is then a no-op.
    ctl.focusGrid();
    ctl.commitEdit();
    ctl.move(dc, dr);
  }

  function onKeyDown(e: KeyboardEvent) {
    const s = sugg();
    if (s) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const n = s.items.length;
        setIndex((i) => (i + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
        setNavigated(true);
        return;
      }
      if (e.key === 'Tab' || (e.key === 'Enter' && navigated())) {
        e.preventDefault();
        take(index());
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setSugg(null);
        return;
      }
    }
    if (e.key === 'Enter') {
      e.preventDefault();
      finish(0, e.shiftKey ? -1 : 1);
    } else if (e.key === 'Tab') {
      e.preventDefault();
      finish(e.shiftKey ? -1 : 1, 0);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      ctl.cancelEdit();
      input.value = ctl.activeView()?.formula ?? '';
      setSugg(null);
      ctl.focusGrid();
    } else if (!ctl.editing()) {
      const h = historyAction(e);
      if (h) {
        e.preventDefault();
        if (h === 'undo') ctl.undo();
        else ctl.redo();
      }
    }
  }

  const listId = 'formula-suggestions';
  return (
    <div class="formula-bar">
      <span class="address" aria-label="Selected cell" title="Selected cell">
        {rectText(ctl.rect())}
      </span>
      <NameBox ctl={ctl} />
      <span class="fx" aria-hidden="true">
        ƒx
      </span>
      <div class="formula-wrap">
        <input
          ref={input}
          class="formula-input"
          aria-label="Formula"
          aria-autocomplete="list"
          aria-controls={listId}
          aria-activedescendant={sugg() ? `sugg-${index()}` : undefined}
          spellcheck={false}
          autocomplete="off"
          placeholder="Type a number or a formula, e.g. x * y or grad(f)"
          value={ctl.editing()?.draft ?? ctl.activeView()?.formula ?? ''}
          onInput={(e) => {
            ctl.setDraft(e.currentTarget.value);
            refresh();
          }}
          onKeyDown={onKeyDown}
          onClick={() => ctl.editing() && refresh()}
          onBlur={() => {
            if (acceptingClick) return;
            setSugg(null);
            ctl.commitEdit();
          }}
        />
        <Show when={sugg()}>
          {(s) => (
            <ul class="autocomplete" id={listId} role="listbox" aria-label="Suggestions">
              <For each={s().items}>
                {(item, i) => (
                  <li
                    id={`sugg-${i()}`}
                    role="option"
                    aria-selected={i() === index()}
                    class="suggestion"
                    classList={{ active: i() === index() }}
                    onMouseDown={(e) => {
                      e.preventDefault();
                      acceptingClick = true;
                      take(i());
                      acceptingClick = false;
                      input.focus();
                    }}
                  >
                    <span class={`kind kind-${item.kind}`}>{item.kind === 'function' ? 'ƒ' : '◇'}</span>
                    <code class="sig">{item.kind === 'function' ? item.detail : item.label}</code>
                    <span class="doc">{item.kind === 'function' ? item.doc : `cell ${item.detail}`}</span>
                  </li>
                )}
              </For>
            </ul>
          )}
        </Show>
      </div>
    </div>
  );
}

/** The selected cell's error message (shown under the formula bar). */
export function CellMessage(props: { ctl: Controller }) {
  const v = () => props.ctl.activeView();
  return (
    <div class="cell-message" aria-live="polite">
      <Show when={v()?.error}>
        {(err) => (
          <span class="msg-error">
            <strong>#{err().kind}</strong> {err().message}
            {err().origin ? ` (from ${err().origin})` : ''}
          </span>
        )}
      </Show>
    </div>
  );
}
