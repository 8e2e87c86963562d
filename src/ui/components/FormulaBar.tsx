// The formula bar: the address, the name box and the formula input (with autocomplete).
import { For, Show, batch, createSignal } from 'solid-js';
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
          if (e.key === 'Enter' || e.key === 'Tab') {
            // A refused name stops here, next to its reason: neither Enter nor Tab moves on.
            e.preventDefault();
            if (!ctl.commitName()) return;
            if (e.key === 'Enter') ctl.focusGrid();
            else ctl.focusFormula(true);
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
  ctl.setCaretSource(
    () => (document.activeElement === input ? (input.selectionStart ?? input.value.length) : input.value.length),
    (caret) => {
      // The draft signal updates the input's value; place the caret after it has.
      input.value = ctl.editing()?.draft ?? input.value;
      input.setSelectionRange(caret, caret);
    },
  );

  function refresh() {
    const caret = input.selectionStart ?? input.value.length;
    const s = suggest(input.value, caret, ctl.bridge.registry, ctl.bridge.names());
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
    // Committing is explicit (Enter, Tab), never a side effect of the input losing focus.
    // Focus moves first: focusing after the commit has changed the DOM forces a synchronous
    // style and layout pass over the grid (measured: most of a 1,000-cell edit's handler time).
    // A refused commit (an invalid name) takes the focus back, with the reason shown.
    // Commit and move as one update: the panels that follow the selection (the typeset
    // breakdown) render once, for the cell moved to, not first for the cell just left.
    ctl.focusGrid();
    batch(() => {
      if (!ctl.commitEdit()) {
        ctl.focusFormula(true);
        return;
      }
      ctl.move(dc, dr);
    });
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
    const arrow = ({ ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] } as Record<string, [number, number]>)[e.key];
    if (arrow && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey && ctl.editing() && ctl.pointMove(arrow[0], arrow[1])) {
      // Arrow keys point at a cell while the caret waits for an operand, as in a spreadsheet.
      e.preventDefault();
      setSugg(null);
      return;
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
            // Leaving the input keeps the draft (the cell shows it); Enter or Tab commits.
            if (acceptingClick) return;
            setSugg(null);
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

/**
 * Under the formula bar: why a commit was refused, else the selected cell's error. While a
 * formula is being typed its cell's old error is not shown (the half-typed text is not it).
 * The line keeps its height when empty, so the grid never jumps as a message comes and goes.
 */
export function CellMessage(props: { ctl: Controller }) {
  const v = () => (props.ctl.editing() ? null : props.ctl.activeView());
  return (
    <div class="cell-message" aria-live="polite" title={props.ctl.editError() ?? (v()?.error ? `#${v()!.error!.kind} ${v()!.error!.message}` : undefined)}>
      <Show when={props.ctl.editError()}>
        {(m) => (
          <span class="msg-error" role="alert">
            {m()}
          </span>
        )}
      </Show>
      <Show when={!props.ctl.editError() && v()?.error}>
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
