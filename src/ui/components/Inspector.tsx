// The inspector: everything about the selected cell — formula, shape, the full value and
// gradient, and the chain-rule breakdown of its gradient (engine.explain).
import { For, Show, createSignal } from 'solid-js';
import { formatNumber } from '../../engine/format-value';
import type { Matrix, Value } from '../../engine/tensor/value';
import type { Controller } from '../controller';
import { checkSentence, isFiniteVal, shapeLabel } from '../kernel/cell-text';
import { Breakdown } from './Breakdown';
import { Heatmap, Legend, maxAbsOf } from './Heatmap';
import { AnswerToggle } from './AnswerToggle';
import { kinkText } from '../../engine/ops/verify';
import { checkReading } from '../kernel/cell-text';

const MAX_TABLE_ROWS = 200;
const MAX_TABLE_COLS = 60;

/** A matrix as a table with row and column indices, scrolling both ways. */
function IndexedTable(props: { m: Matrix; label: string; kind: 'value' | 'grad'; maxRows: number; maxCols: number }) {
  const rows = () => Math.min(props.m.rows, props.maxRows);
  const cols = () => Math.min(props.m.cols, props.maxCols);
  const colIdx = () => Array.from({ length: cols() }, (_, j) => j);
  return (
    <>
      <table class={`matrix-table ${props.kind}`} aria-label={props.label}>
        <thead>
          <tr>
            <th class="ix corner" />
            <For each={colIdx()}>{(j) => <th class="ix" scope="col">{j}</th>}</For>
            <Show when={props.m.cols > cols()}><th class="ix">…</th></Show>
          </tr>
        </thead>
        <tbody>
          <For each={Array.from({ length: rows() }, (_, i) => i)}>
            {(i) => (
              <tr>
                <th class="ix" scope="row">{i}</th>
                <For each={colIdx()}>{(j) => <td title={`[${i}, ${j}]`}>{formatNumber(props.m.data[i * props.m.cols + j], 4)}</td>}</For>
                <Show when={props.m.cols > cols()}><td class="more">…</td></Show>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <Show when={props.m.rows > rows() || props.m.cols > cols()}>
        <p class="more-note">showing {rows()}×{cols()} of {props.m.rows}×{props.m.cols}</p>
      </Show>
    </>
  );
}

function MatrixTable(props: { m: Matrix; label: string; kind: 'value' | 'grad' }) {
  let dialog!: HTMLDialogElement;
  const [wide, setWide] = createSignal(false);
  return (
    <div class="matrix-view">
      <Heatmap matrix={props.m} width={Math.min(220, Math.max(40, props.m.cols * 12))} height={Math.min(120, Math.max(12, props.m.rows * 12))} label={`${props.label} heatmap`} scale={props.kind} />
      <Legend scale={props.kind} maxAbs={maxAbsOf(props.m)} />
      <button
        class="linklike open-wide"
        onClick={() => {
          setWide(true);
          dialog.showModal?.();
        }}
      >
        Open wide
      </button>
      <div class="matrix-scroll">
        <IndexedTable m={props.m} label={props.label} kind={props.kind} maxRows={40} maxCols={12} />
      </div>
      <dialog ref={dialog} class="matrix-dialog" aria-label={props.label} onClose={() => setWide(false)}>
        <div class="dialog-head">
          <strong>{props.label}</strong> <span class="muted">{props.m.rows}×{props.m.cols}</span>
          <button aria-label="Close" onClick={() => dialog.close()}>×</button>
        </div>
        <Show when={wide()}>
          <div class="matrix-scroll wide">
            <IndexedTable m={props.m} label={`${props.label} (wide)`} kind={props.kind} maxRows={MAX_TABLE_ROWS} maxCols={MAX_TABLE_COLS} />
          </div>
        </Show>
      </dialog>
    </div>
  );
}

function ValueView(props: { v: Value; label: string; kind: 'value' | 'grad' }) {
  return (
    <Show when={typeof props.v !== 'number' && (props.v as Matrix).rows * (props.v as Matrix).cols > 1} fallback={<span class={`num big ${props.kind}`}>{formatNumber(typeof props.v === 'number' ? props.v : (props.v as Matrix).data[0], 10)}</span>}>
      <MatrixTable m={props.v as Matrix} label={props.label} kind={props.kind} />
    </Show>
  );
}

export function Inspector(props: { ctl: Controller }) {
  const ctl = props.ctl;
  const v = () => ctl.activeView();
  const lossLabel = () => ctl.bridge.lossName();
  let note!: HTMLTextAreaElement;
  return (
    <aside class="inspector" aria-label="Inspector">
      <h2>
        <span class="addr">{ctl.active()}</span>
        <Show when={v()?.name}>
          <span class="iname">{v()!.name}</span>
        </Show>
      </h2>
      <dl class="facts">
        <dt>Formula</dt>
        <dd>
          <code>{v()?.formula || '(empty)'}</code>
        </dd>
        <dt>Shape</dt>
        <dd>{v()?.value != null ? shapeLabel(v()!.value) + (v()!.isParameter ? ' · parameter' : '') : '—'}</dd>
        <Show when={v()?.check}>
          <dt>Check</dt>
          <dd class={v()!.check!.pass ? 'check-pass' : 'check-fail'}>{checkSentence(v()!)} (tolerance {formatNumber(v()!.check!.tol, 2)})</dd>
          <dd class={`reading ${v()!.check!.reading.level}`}>{checkReading(v()!)}</dd>
        </Show>
        <Show when={v()?.kink}>
          <dt>Numgrad</dt>
          <dd class="reading suspect">{kinkText(v()!.kink!)}</dd>
        </Show>
      </dl>
      <AnswerToggle ctl={ctl} />
      <Show when={v()?.error}>
        <p class="msg-error">
          <strong>#{v()!.error!.kind}</strong> {v()!.error!.message}
        </p>
      </Show>
      <Show when={v()?.value != null}>
        <section>
          <h3 class="value-h">
            Value
            <Show when={!isFiniteVal(v()!.value)}>
              <span class="warn"> ⚠ contains NaN or ∞</span>
            </Show>
          </h3>
          <ValueView v={v()!.value!} label={`value of ${ctl.active()}`} kind="value" />
        </section>
      </Show>
      <section>
        <h3 class="grad-h">Gradient {lossLabel() ? `∂${lossLabel()}/∂${v()?.name ?? ctl.active()}` : ''}</h3>
        <Show when={v()?.grad != null} fallback={<p class="muted">{lossLabel() ? 'Not upstream of the loss: no gradient.' : 'No grad(L) cell in the sheet.'}</p>}>
          <ValueView v={v()!.grad!} label={`gradient of ${ctl.active()}`} kind="grad" />
        </Show>
      </section>
      <Breakdown ctl={ctl} />
      <section>
        <h3>Note</h3>
        <textarea
          ref={note}
          aria-label="Note"
          class="note"
          rows={2}
          placeholder="A note about this cell"
          value={v()?.note ?? ''}
          onChange={(e) => ctl.ws.setNote(ctl.active(), e.currentTarget.value || null)}
        />
      </section>
    </aside>
  );
}
