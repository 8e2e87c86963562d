// The virtualized grid: only the rows and columns on screen are in the DOM. Fixed row height
// and column width make the window arithmetic (kernel/grid-window.ts).
import { For, Show, createEffect, createMemo, createSelector, createSignal, onCleanup, onMount, untrack } from 'solid-js';
import { MAX_COL, MAX_ROW, colToLetters, formatAddress } from '../../engine/formula/address';
import type { Controller } from '../controller';
import { type GridMetrics, columnLayout, range, revealColumn, scrollToReveal, visibleColumns, visibleWindow } from '../kernel/grid-window';
import { readClip, writeClip } from '../kernel/clipboard-dom';
import { CLIP_MIME } from '../kernel/clipboard';
import { pasteCsvData } from '../kernel/csv-import';
import { gridKeyAction } from '../kernel/keys';
import { type Rect, inRect, posOf } from '../kernel/selection';
import { Cell } from './Cell';
import { ContextMenu } from './ContextMenu';

export const METRICS: GridMetrics = { rowHeight: 58, colWidth: 124, headerHeight: 26, headerWidth: 48 };

export function Grid(props: { ctl: Controller }) {
  const ctl = props.ctl;
  const m = METRICS;
  let scroller!: HTMLDivElement;
  const [scroll, setScroll] = createSignal({ top: 0, left: 0 });
  const [size, setSize] = createSignal({ h: 640, w: 900 });

  const rows = createMemo(() => Math.min(MAX_ROW, Math.max(60, ctl.bridge.extent().rows + 30, ctl.selection().focus.row + 20, ctl.selection().anchor.row + 20)));
  const cols = createMemo(() => Math.min(MAX_COL, Math.max(16, ctl.bridge.extent().cols + 6, ctl.selection().focus.col + 4, ctl.selection().anchor.col + 4)));
  // Column widths the user set (UI state, not the document).
  const [widths, setWidths] = createSignal<ReadonlyMap<number, number>>(new Map());
  const layout = createMemo(() => columnLayout(m.colWidth, widths()));
  const win = createMemo(
    () => ({ ...visibleWindow(m, scroll().top, scroll().left, size().h, size().w, rows(), cols()), ...visibleColumns(layout(), scroll().left, size().w, m.headerWidth, cols()) }),
    undefined,
    { equals: (a, b) => a.r0 === b.r0 && a.r1 === b.r1 && a.c0 === b.c0 && a.c1 === b.c1 },
  );
  const rowIdx = createMemo(() => range(win().r0, win().r1));
  // Selection and editing as selectors: a move notifies the cells whose state changed, not
  // every cell on screen (each cell is keyed by its position, row · KEY + column).
  const KEY = MAX_COL + 1;
  const isActive = createSelector(ctl.active);
  const isInRange = createSelector(ctl.rect, (key: number, r: Rect) => inRect(r, key % KEY, Math.floor(key / KEY)));
  const isEditing = createSelector(() => ctl.editing()?.at ?? null);
  const colIdx = createMemo(() => range(win().c0, win().c1));

  onMount(() => {
    ctl.setGridFocuser(() => scroller.focus({ preventScroll: true }));
    // The keyboard starts on the grid (A1 looks selected, so typing must reach it). Here and
    // not in App's onMount, which runs before this one registers the focuser.
    if (!document.activeElement || document.activeElement === document.body) scroller.focus({ preventScroll: true });
    const measure = () => {
      if (scroller.clientHeight > 0) setSize({ h: scroller.clientHeight, w: scroller.clientWidth });
    };
    measure();
    if (typeof ResizeObserver !== 'undefined') {
      const ro = new ResizeObserver(measure);
      ro.observe(scroller);
      onCleanup(() => ro.disconnect());
    }
  });

  // Keep the selected cell on screen (rendering, not math).
  createEffect(() => {
    const f = ctl.selection().focus;
    if (!scroller) return;
    // The last scroll position seen by onScroll, not scroller.scrollTop: reading layout here,
    // right after an edit changed the DOM, would force a synchronous layout of the grid.
    const at = untrack(scroll);
    const s = scrollToReveal(m, f.col, f.row, at.top, at.left, untrack(size).h, untrack(size).w);
    const left = revealColumn(untrack(layout), f.col, at.left, untrack(size).w - m.headerWidth);
    if (s.top !== at.top) scroller.scrollTop = s.top;
    if (left !== at.left) scroller.scrollLeft = left;
  });

  const pageRows = () => Math.max(1, Math.floor((size().h - m.headerHeight) / m.rowHeight) - 1);

  function onKeyDown(e: KeyboardEvent) {
    if (e.target !== scroller) return;
    const a = gridKeyAction(e);
    const sel = ctl.selection();
    switch (a.t) {
      case 'move':
        ctl.move(a.dc, a.dr, a.extend);
        break;
      case 'page':
        ctl.move(0, a.dir * pageRows(), a.extend);
        break;
      case 'home':
        ctl.select(a.ctrl ? { col: 0, row: 0 } : { col: 0, row: sel.focus.row });
        break;
      case 'end': {
        const ex = ctl.bridge.extent();
        ctl.select(a.ctrl ? { col: Math.max(0, ex.cols - 1), row: Math.max(0, ex.rows - 1) } : { col: Math.max(0, ex.cols - 1), row: sel.focus.row });
        break;
      }
      case 'edit':
        ctl.startEdit();
        break;
      case 'type':
        ctl.startEdit(a.text);
        break;
      case 'clear':
        ctl.clearSelection();
        break;
      case 'undo':
        ctl.undo();
        break;
      case 'redo':
        ctl.redo();
        break;
      case 'fill':
        ctl.fill(a.dir);
        break;
      case 'jump':
        ctl.jump(a.dc, a.dr, a.extend);
        break;
      case 'selectAll': {
        const ex = ctl.bridge.extent();
        ctl.selectRect({ c0: 0, r0: 0, c1: Math.max(0, ex.cols - 1), r1: Math.max(0, ex.rows - 1) });
        break;
      }
      default:
        return; // let the browser handle it (Ctrl+C / Ctrl+V fire copy / paste events)
    }
    e.preventDefault();
  }

  const [menu, setMenu] = createSignal<{ x: number; y: number } | null>(null);
  // The fill handle: dragged from the selection's corner, it grows the selection down or to
  // the right; on release the new cells are filled from the original block.
  let filling: Rect | null = null;
  function onFillOver(at: string) {
    const o = filling!;
    const p = posOf(at);
    const down = p.row - o.r1, right = p.col - o.c1;
    if (down >= right && down > 0) ctl.selectRect({ ...o, r1: p.row });
    else if (right > 0) ctl.selectRect({ ...o, c1: p.col });
    else ctl.selectRect(o);
  }
  const endFill = () => {
    if (!filling) return;
    const o = filling;
    filling = null;
    const t = ctl.rect();
    if (t.r1 !== o.r1 || t.c1 !== o.c1) ctl.fillTo(o, t);
  };
  document.addEventListener('mouseup', endFill);
  onCleanup(() => document.removeEventListener('mouseup', endFill));

  let dragging = false;
  function cellFromEvent(e: MouseEvent): string | null {
    const el = (e.target as HTMLElement).closest?.('[data-at]') as HTMLElement | null;
    return el?.dataset.at ?? null;
  }
  function onMouseDown(e: MouseEvent) {
    const at = cellFromEvent(e);
    if (!at || e.button !== 0) return;
    e.preventDefault();
    // Typing a formula with the caret after an operator: the click points at a reference
    // (preventDefault above keeps the caret in the formula input).
    if (!e.shiftKey && ctl.pointAt(at)) return;
    ctl.select(posOf(at), e.shiftKey);
    if (ctl.editing()) return; // a refused commit: the formula input keeps the focus
    dragging = true;
    scroller.focus({ preventScroll: true });
  }
  function onMouseOver(e: MouseEvent) {
    if (filling) {
      const at = cellFromEvent(e);
      if (at) onFillOver(at);
      return;
    }
    if (!dragging || !(e.buttons & 1)) {
      dragging = false;
      return;
    }
    const at = cellFromEvent(e);
    if (at) ctl.select(posOf(at), true);
  }
  const stopDrag = () => (dragging = false);
  document.addEventListener('mouseup', stopDrag);
  onCleanup(() => document.removeEventListener('mouseup', stopDrag));

  const totalW = () => m.headerWidth + layout().x(cols());

  // Column resize: drag a header's right border; double-click it to fit the widest content.
  function setWidth(c: number, w: number) {
    const next = new Map(widths());
    next.set(c, Math.max(40, Math.min(1200, Math.round(w))));
    setWidths(next);
  }
  function startResize(e: MouseEvent, c: number) {
    e.preventDefault();
    e.stopPropagation();
    const x0 = e.clientX, w0 = layout().width(c);
    const move = (ev: MouseEvent) => setWidth(c, w0 + ev.clientX - x0);
    const up = () => {
      document.removeEventListener('mousemove', move);
      document.removeEventListener('mouseup', up);
    };
    document.addEventListener('mousemove', move);
    document.addEventListener('mouseup', up);
  }
  function fitColumn(c: number) {
    // Measured on demand (a user action): each cell of that column now in the DOM, laid out
    // at its content's own width for a moment.
    let w = 60;
    for (const el of scroller.querySelectorAll<HTMLElement>(`[role="gridcell"][aria-colindex="${c + 2}"]`)) {
      const keep = el.style.width;
      el.style.width = 'max-content';
      w = Math.max(w, el.getBoundingClientRect().width + 4);
      el.style.width = keep;
    }
    setWidth(c, w);
  }
  const totalH = () => rows() * m.rowHeight;

  return (
    <div
      ref={scroller}
      class="grid-scroll"
      role="grid"
      aria-label="Sheet"
      aria-rowcount={rows() + 1}
      aria-colcount={cols() + 1}
      aria-multiselectable="true"
      aria-activedescendant={`cell-${ctl.active()}`}
      tabindex="0"
      onScroll={() => setScroll({ top: scroller.scrollTop, left: scroller.scrollLeft })}
      onKeyDown={onKeyDown}
      onMouseDown={onMouseDown}
      onMouseOver={onMouseOver}
      onDblClick={(e) => {
        if (cellFromEvent(e)) ctl.startEdit();
      }}
      onContextMenu={(e) => {
        const at = cellFromEvent(e);
        if (!at) return;
        e.preventDefault();
        const p = posOf(at);
        if (!inRect(ctl.rect(), p.col, p.row)) ctl.select(p);
        setMenu({ x: e.clientX, y: e.clientY });
      }}
      onCopy={(e) => {
        if (e.target !== scroller) return;
        e.preventDefault();
        writeClip(e.clipboardData, ctl.copy());
      }}
      onCut={(e) => {
        if (e.target !== scroller) return;
        e.preventDefault();
        writeClip(e.clipboardData, ctl.copy());
      }}
      onPaste={(e) => {
        if (e.target !== scroller) return;
        e.preventDefault();
        // Comma- or semicolon-separated numbers become one data cell; anything else pastes as formulas.
        const text = e.clipboardData?.getData('text/plain') ?? '';
        if (!e.clipboardData?.getData(CLIP_MIME) && text && pasteCsvData(ctl.ws, ctl.active(), text)) return;
        ctl.paste(readClip(e.clipboardData, ctl.internalClip()));
      }}
    >
      <div class="grid-canvas" style={{ width: `${totalW()}px` }}>
        <div class="col-header-row" role="row" aria-rowindex={1} style={{ width: `${totalW()}px`, height: `${m.headerHeight}px` }}>
          <div class="corner" role="columnheader" aria-colindex={1} aria-label="Row" style={{ width: `${m.headerWidth}px` }} />
          <For each={colIdx()}>
            {(c) => (
              <div
                role="columnheader"
                aria-label={colToLetters(c)}
                aria-colindex={c + 2}
                class="col-header"
                classList={{ active: ctl.rect().c0 <= c && c <= ctl.rect().c1 }}
                style={{ left: `${m.headerWidth + layout().x(c)}px`, width: `${layout().width(c)}px` }}
              >
                {colToLetters(c)}
                <span
                  class="col-resize"
                  role="separator"
                  aria-orientation="vertical"
                  aria-label={`Resize column ${colToLetters(c)}`}
                  title="Drag to resize; double-click to fit"
                  onMouseDown={(e) => startResize(e, c)}
                  onDblClick={(e) => {
                    e.stopPropagation();
                    fitColumn(c);
                  }}
                />
              </div>
            )}
          </For>
        </div>
        <div class="grid-body" style={{ height: `${totalH()}px`, width: `${totalW()}px` }}>
          <For each={rowIdx()}>
            {(r) => (
              <div role="row" class="grid-row" aria-rowindex={r + 2} style={{ top: `${r * m.rowHeight}px`, height: `${m.rowHeight}px`, width: `${totalW()}px` }}>
                <div role="rowheader" aria-colindex={1} class="row-header" classList={{ active: ctl.rect().r0 <= r && r <= ctl.rect().r1 }} style={{ width: `${m.headerWidth}px` }}>
                  {r + 1}
                </div>
                <For each={colIdx()}>
                  {(c) => {
                    const at = formatAddress(c, r);
                    return (
                      <Cell
                        at={at}
                        col={c}
                        row={r}
                        left={m.headerWidth + layout().x(c)}
                        width={layout().width(c)}
                        ctl={ctl}
                        selected={isActive(at)}
                        inRange={isInRange(r * KEY + c)}
                        editing={isEditing(at)}
                      />
                    );
                  }}
                </For>
              </div>
            )}
          </For>
          <div
            class="fill-handle"
            aria-hidden="true"
            title="Drag to fill"
            style={{ left: `${m.headerWidth + layout().x(ctl.rect().c1 + 1) - 4}px`, top: `${(ctl.rect().r1 + 1) * m.rowHeight - 4}px` }}
            onMouseDown={(e) => {
              if (e.button !== 0) return;
              e.preventDefault();
              e.stopPropagation();
              if (!ctl.commitEdit()) return;
              filling = ctl.rect();
            }}
          />
        </div>
      </div>
      <Show when={menu()}>{(p) => <ContextMenu ctl={ctl} x={p().x} y={p().y} onClose={() => setMenu(null)} />}</Show>
    </div>
  );
}
