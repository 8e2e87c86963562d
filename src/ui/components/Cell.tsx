// One grid cell: name, value, and ∂L/∂cell under it. Reads its own signal from the bridge,
// so an edit re-renders only the cells whose view changed.
import { For, Show, createMemo } from 'solid-js';
import type { Controller } from '../controller';
import type { Matrix } from '../../engine/tensor/value';
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

export function Cell(props: { at: string; col: number; row: number; left: number; width: number; ctl: Controller; selected: boolean; inRange: boolean }) {
  const view = props.ctl.bridge.cell(props.at);
  const label = createMemo(() => cellAriaLabel(props.at, view()));
  // True only for the cell being edited; other cells do not re-render as the draft changes.
  const isEditing = createMemo(() => props.ctl.editing()?.at === props.at);
  const v = () => view();
  const classes = () => {
    const x = v();
    let s = 'cell';
    if (props.selected) s += ' selected';
    else if (props.inRange) s += ' in-range';
    if (x?.error) s += ' has-error';
    if (x && !isFiniteVal(x.value)) s += ' non-finite';
    if (x?.check) s += x.check.pass ? ' check-pass' : ' check-fail';
    if (x?.grad !== null && x?.grad !== undefined) s += ' has-grad';
    return s;
  };
  return (
    <div
      role="gridcell"
      id={`cell-${props.at}`}
      class={classes()}
      style={{ left: `${props.left}px`, width: `${props.width}px` }}
      aria-label={label()}
      aria-colindex={props.col + 2}
      aria-selected={props.selected || props.inRange}
      title={v()?.error ? `#${v()!.error!.kind}: ${v()!.error!.message}` : v()?.formula ? `${props.at}: ${v()!.formula}` : undefined}
      data-at={props.at}
    >
      {/* While this cell is being edited, what is typed shows in the cell too, as in any spreadsheet. */}
      <Show when={isEditing()}>
        <div class="cell-draft" aria-hidden="true">
          {props.ctl.editing()?.draft ?? ''}
          <span class="caret" />
        </div>
      </Show>
      <Show when={v() && !isEditing()}>
        {(_) => {
          const x = () => v()!;
          return (
          <>
            <div class="cell-top">
              <span class="cell-name">{x().name ?? ''}</span>
              <Show when={isMatrixValue(x().value)}>
                <span class="cell-shape">{x().shape ? `${x().shape![0]}×${x().shape![1]}` : ''}</span>
              </Show>
              <Show when={x().isParameter}>
                <span class="cell-param" title="parameter (holds a trained value)">θ</span>
              </Show>
              <Show when={props.ctl.bridge.gradCells().includes(props.at)}>
                <span
                  class="cell-gradtag"
                  classList={{ active: props.ctl.bridge.activeLoss()?.gradCell === props.at }}
                  title="a grad(L) cell: select it to show ∂L/∂cell in the grid"
                >
                  ∇
                </span>
              </Show>
            </div>
            <Show
              when={!x().error}
              fallback={<div class="cell-error">#{x().error!.kind}</div>}
            >
              <Show
                when={isMatrixValue(x().value)}
                fallback={
                  <div class="cell-value num">
                    <Show when={!isFiniteVal(x().value)}><span class="warn" aria-hidden="true">⚠ </span></Show>
                    {x().check ? checkSentence(x()) : shortValue(x().value)}
                  </div>
                }
              >
                <Show
                  when={isSmallMatrix(x().value)}
                  fallback={
                    <div class="cell-value matrix">
                      <Heatmap matrix={x().value as Matrix} width={46} height={14} label={`value heatmap ${props.at}`} />
                      <Show when={!isFiniteVal(x().value)}><span class="warn">⚠ non-finite</span></Show>
                    </div>
                  }
                >
                  {/* Small matrices read as numbers: the value, and its gradient beside it. */}
                  <div class="cell-small-matrix">
                    <MiniMatrix m={x().value as Matrix} kind="value" label={`value of ${props.at}`} />
                    <Show when={isSmallMatrix(x().grad)}>
                      <span class="d">∂</span>
                      <MiniMatrix m={x().grad as Matrix} kind="grad" label={`gradient of ${props.at}`} />
                    </Show>
                  </div>
                </Show>
              </Show>
              <Show when={x().grad !== null && !(isSmallMatrix(x().value) && isSmallMatrix(x().grad))}>
                <Show
                  when={isMatrixValue(x().grad)}
                  fallback={<div class="cell-grad num"><span class="d">∂</span> {shortValue(x().grad)}</div>}
                >
                  <div class="cell-grad matrix">
                    <span class="d">∂</span>
                    <Heatmap matrix={x().grad as Matrix} width={46} height={14} label={`gradient heatmap ${props.at}`} scale="grad" />
                  </div>
                </Show>
              </Show>
            </Show>
          </>
          );
        }}
      </Show>
    </div>
  );
}
