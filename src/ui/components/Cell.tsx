// One grid cell: name, value, and ∂L/∂cell under it. Reads its own signal from the bridge,
// so an edit re-renders only the cells whose view changed.
//
// Why this component writes its text by hand: an edit of a sheet's input changes the value and
// the gradient of every cell on screen (~330 of them), and with one reactive binding per text
// and attribute (a dozen per cell) Solid's bookkeeping alone took most of a frame. Here a view
// change runs four computations per cell: the class flags, one effect for the accessible name
// and hover text, the layout (which parts exist — changes rarely, and only then is the inside
// rebuilt), and one effect that writes the texts into the nodes of that layout.
import { For, Show, createMemo, createRenderEffect } from 'solid-js';
import type { CellView } from '../../engine/engine';
import type { Matrix } from '../../engine/tensor/value';
import type { Controller } from '../controller';
import { cellAriaLabel, checkSentence, compactNumber, isFiniteVal, isMatrixValue, isSmallMatrix, shortValue } from '../kernel/cell-text';
import { Heatmap } from './Heatmap';

/** A small matrix's numbers in the cell, each with its index on hover. */
function MiniMatrix(props: { m: Matrix; kind: 'value' | 'grad'; label: string }) {
  const rows = () => Array.from({ length: props.m.rows }, (_, i) => i);
  const cols = () => Array.from({ length: props.m.cols }, (_, j) => j);
  return (
    <span class={`mini-matrix ${props.kind}`} role="img" aria-label={props.label} style={{ 'grid-template-columns': `repeat(${props.m.cols}, auto)` }}>
      <For each={rows()}>
        {(i) => (
          <For each={cols()}>
            {(j) => {
              const x = () => props.m.data[i * props.m.cols + j];
              return <span title={`[${i}, ${j}] = ${x()}`}>{compactNumber(x())}</span>;
            }}
          </For>
        )}
      </For>
    </span>
  );
}

/** How the value shows: an error badge, a number (or a check's sentence), small-matrix numbers, a heatmap. */
type Body = 'error' | 'number' | 'small' | 'heatmap';
/** How the gradient shows under it: not at all, a number, a heatmap, or beside a small value's numbers. */
type GradPart = 'none' | 'number' | 'heatmap' | 'inline';

interface Layout {
  body: Body;
  grad: GradPart;
  shape: boolean;
  param: boolean;
  warn: boolean;
}

/** Which parts a view shows, as a key: equal keys share the same DOM. */
export function layoutKey(x: CellView | null): string {
  if (!x) return 'empty';
  if (x.error) return 'error|none|0|' + (x.isParameter ? 1 : 0) + '|0';
  const value = x.value;
  const body: Body = !isMatrixValue(value) ? 'number' : isSmallMatrix(value) ? 'small' : 'heatmap';
  const grad: GradPart =
    x.grad === null ? 'none' : body === 'small' && isSmallMatrix(x.grad) ? 'inline' : isMatrixValue(x.grad) ? 'heatmap' : 'number';
  return `${body}|${grad}|${isMatrixValue(value) ? 1 : 0}|${x.isParameter ? 1 : 0}|${isFiniteVal(value) ? 0 : 1}`;
}

function parseLayout(key: string): Layout {
  const [body, grad, shape, param, warn] = key.split('|');
  return { body: body as Body, grad: grad as GradPart, shape: shape === '1', param: param === '1', warn: warn === '1' };
}

/** The class words a view adds to `cell` (errors, checks, gradients). */
function flagsOf(x: CellView | null): string {
  if (!x) return '';
  let s = '';
  if (x.error) s += ' has-error';
  if (!isFiniteVal(x.value)) s += ' non-finite';
  if (x.check) s += x.check.pass ? ' check-pass' : ' check-fail';
  if (x.grad !== null && x.grad !== undefined) s += ' has-grad';
  return s;
}

/**
 * A text node that remembers what it shows: writing the same text again touches no DOM (and
 * reading the DOM's text back would cost a string each time).
 */
function textSlot(): { node: Text; set(s: string): void } {
  const node = document.createTextNode('');
  let shown = '';
  return {
    node,
    set(s) {
      if (s !== shown) node.data = shown = s;
    },
  };
}

/** The same for one attribute of an element (null: absent). */
function attrSlot(el: () => HTMLElement, name: string): (v: string | null) => void {
  let shown: string | null = null;
  return (v) => {
    if (v === shown) return;
    shown = v;
    if (v === null) el().removeAttribute(name);
    else el().setAttribute(name, v);
  };
}

export function Cell(props: {
  at: string;
  col: number;
  row: number;
  left: number;
  width: number;
  ctl: Controller;
  selected: boolean;
  inRange: boolean;
  /** True only for the cell being edited: other cells do not re-render as the draft changes. */
  editing: boolean;
}) {
  const view = props.ctl.bridge.cell(props.at);
  let el!: HTMLDivElement;
  const layout = createMemo(() => (props.editing ? 'draft' : layoutKey(view())));
  const node = (
    <div
      ref={el}
      role="gridcell"
      id={`cell-${props.at}`}
      style={{ left: `${props.left}px`, width: `${props.width}px` }}
      aria-colindex={props.col + 2}
      aria-selected={props.selected || props.inRange}
      data-at={props.at}
    >
      <Show when={layout()} keyed>
        {(key) =>
          key === 'draft' ? (
            // While this cell is being edited, what is typed shows in the cell too, as in any spreadsheet.
            <div class="cell-draft" aria-hidden="true">
              {props.ctl.editing()?.draft ?? ''}
              <span class="caret" />
            </div>
          ) : key === 'empty' ? null : (
            <CellBody at={props.at} ctl={props.ctl} view={view as () => CellView} layout={parseLayout(key)} />
          )
        }
      </Show>
    </div>
  );
  // The element's own attributes, once it exists.
  const flags = createMemo(() => flagsOf(view()));
  createRenderEffect(() => {
    el.className = 'cell' + (props.selected ? ' selected' : props.inRange ? ' in-range' : '') + flags();
  });
  const setLabel = attrSlot(() => el, 'aria-label'), setTitle = attrSlot(() => el, 'title');
  createRenderEffect(() => {
    const x = view();
    setLabel(cellAriaLabel(props.at, x));
    setTitle(x?.error ? `#${x.error.kind}: ${x.error.message}` : x?.formula ? `${props.at}: ${x.formula}` : null);
  });
  return node;
}

/** The inside of a cell with a view, for one layout; its texts are written by one effect. */
function CellBody(props: { at: string; ctl: Controller; view: () => CellView; layout: Layout }) {
  const L = props.layout;
  const x = props.view;
  const name = textSlot(), shape = textSlot(), main = textSlot(), grad = textSlot();
  createRenderEffect(() => {
    const v = x();
    if (!v) return; // the cell was just cleared: its layout goes next
    name.set(v.name ?? '');
    if (L.shape) shape.set(v.shape ? `${v.shape[0]}×${v.shape[1]}` : '');
    if (L.body === 'error') main.set(v.error ? `#${v.error.kind}` : '');
    else if (L.body === 'number') main.set(v.check ? (checkSentence(v) ?? '') : shortValue(v.value));
    if (L.grad === 'number') grad.set(` ${shortValue(v.grad)}`);
  });
  const isGradCell = createMemo(() => props.ctl.bridge.gradCells().includes(props.at));
  // Solid disposes this layout before anything in it reads a view of another kind.
  const valueMatrix = () => x().value as Matrix, gradMatrix = () => x().grad as Matrix;
  return (
    <>
      <div class="cell-top">
        <span class="cell-name">{name.node}</span>
        {L.shape && <span class="cell-shape">{shape.node}</span>}
        {L.param && (
          <span class="cell-param" title="parameter (holds a trained value)">
            θ
          </span>
        )}
        <Show when={isGradCell()}>
          <span
            class="cell-gradtag"
            classList={{ active: props.ctl.bridge.activeLoss()?.gradCell === props.at }}
            title="a grad(L) cell: select it to show ∂L/∂cell in the grid"
          >
            ∇
          </span>
        </Show>
      </div>
      {L.body === 'error' && <div class="cell-error">{main.node}</div>}
      {L.body === 'number' && (
        <div class="cell-value num">
          {L.warn && (
            <span class="warn" aria-hidden="true">
              ⚠{' '}
            </span>
          )}
          {main.node}
        </div>
      )}
      {L.body === 'heatmap' && (
        <div class="cell-value matrix">
          <Heatmap matrix={valueMatrix()} width={46} height={14} label={`value heatmap ${props.at}`} />
          {L.warn && <span class="warn">⚠ non-finite</span>}
        </div>
      )}
      {L.body === 'small' && (
        // Small matrices read as numbers: the value, and its gradient beside it.
        <div class="cell-small-matrix">
          <MiniMatrix m={valueMatrix()} kind="value" label={`value of ${props.at}`} />
          {L.grad === 'inline' && (
            <>
              <span class="d">∂</span>
              <MiniMatrix m={gradMatrix()} kind="grad" label={`gradient of ${props.at}`} />
            </>
          )}
        </div>
      )}
      {L.grad === 'number' && (
        <div class="cell-grad num">
          <span class="d">∂</span>
          {grad.node}
        </div>
      )}
      {L.grad === 'heatmap' && (
        <div class="cell-grad matrix">
          <span class="d">∂</span>
          <Heatmap matrix={gradMatrix()} width={46} height={14} label={`gradient heatmap ${props.at}`} scale="grad" />
        </div>
      )}
    </>
  );
}
