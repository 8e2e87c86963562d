// @vitest-environment jsdom
// How much of the grid an edit or a move touches: cells whose view did not change keep their
// DOM, and moving the selection runs nothing in the cells it does not reach (a 1,000-cell
// sheet's edit has one frame: ~330 cells on screen must not each re-run a dozen bindings).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, getByRole } from '@testing-library/dom';
import { render } from 'solid-js/web';
import { App } from '../../../src/ui/App';
import type { SheetDoc } from '../../../src/engine/sheet/document';
import { formatAddress } from '../../../src/engine/formula/address';
import * as cellText from '../../../src/ui/kernel/cell-text';

// Count the cell texts derived (the same functions, observed).
vi.mock('../../../src/ui/kernel/cell-text', async (importOriginal) => {
  const m = await importOriginal<typeof import('../../../src/ui/kernel/cell-text')>();
  return { ...m, cellAriaLabel: vi.fn(m.cellAriaLabel), isFiniteVal: vi.fn(m.isFiniteVal) };
});

/** x in A1, three 8-cell chains from it in B–D, a loss and its grad cell: 27 cells with views. */
function chainsDoc(): SheetDoc {
  const cells: SheetDoc['cells'] = [{ at: 'A1', name: 'x', formula: '0.5' }];
  for (let c = 1; c <= 3; c++) for (let r = 0; r < 8; r++) cells.push({ at: formatAddress(c, r), formula: `tanh(${r === 0 ? 'x' : formatAddress(c, r - 1)} * 0.9 + ${c / 10})` });
  cells.push({ at: 'A2', name: 'loss', formula: '(B8 + C8 + D8)^2' }, { at: 'A3', formula: 'grad(loss)' });
  return { gradsheet: 1, title: 'chains', cells };
}

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
  document.body.innerHTML = '';
});

function mount() {
  const root = document.createElement('div');
  document.body.appendChild(root);
  dispose = render(() => <App examples={async () => []} doc={chainsDoc()} storage={null} />, root);
  const grid = getByRole(root, 'grid');
  const formula = getByRole(root, 'textbox', { name: 'Formula' }) as HTMLInputElement;
  const cell = (at: string) => getByRole(grid, 'gridcell', { name: new RegExp(`^${at}\\b`) });
  return { grid, formula, cell };
}

/** The cells (by address) that DOM records touched, split by kind. */
function touched(records: MutationRecord[]) {
  const classed = new Set<string>(), rebuilt = new Set<string>(), texts = new Set<string>();
  for (const r of records) {
    const el = r.target instanceof Element ? r.target : r.target.parentElement;
    const owner = el?.closest('[role="gridcell"]');
    const at = owner?.getAttribute('data-at');
    if (!at) continue;
    if (r.type === 'attributes' && r.attributeName === 'class' && r.target === owner) classed.add(at);
    else if (r.type === 'childList') rebuilt.add(at);
    else if (r.type === 'characterData') texts.add(at);
  }
  return { classed: [...classed].sort(), rebuilt: [...rebuilt].sort(), texts };
}

describe('grid rendering', () => {
  it('an edit of x rewrites the numbers in place: only the edited cell is rebuilt, every dependent gets its new texts', () => {
    const { grid, formula, cell } = mount();
    fireEvent.mouseDown(cell('A1'));
    const valueEl = cell('B5').querySelector('.cell-value');
    const watch = new MutationObserver(() => {});
    watch.observe(grid, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'], characterData: true });
    fireEvent.input(formula, { target: { value: '0.25' } });
    fireEvent.keyDown(formula, { key: 'Enter' });
    const t = touched(watch.takeRecords());
    watch.disconnect();
    expect(cell('B5').querySelector('.cell-value')).toBe(valueEl);
    expect(valueEl!.textContent).toBe(cellText.shortValue(Math.tanh(Math.tanh(Math.tanh(Math.tanh(Math.tanh(0.25 * 0.9 + 0.1) * 0.9 + 0.1) * 0.9 + 0.1) * 0.9 + 0.1) * 0.9 + 0.1)));
    // A1 showed the draft while edited; now its value again.
    expect(t.rebuilt).toEqual(['A1']);
    for (const at of ['B1', 'C8', 'D8', 'A2']) expect(t.texts.has(at), at).toBe(true);
    expect(t.classed).toEqual(['A1', 'A2']);
  });

  it('moving the selection derives nothing for the cells it does not reach', () => {
    const { grid, cell } = mount();
    fireEvent.mouseDown(cell('B2'));
    const label = vi.mocked(cellText.cellAriaLabel), finite = vi.mocked(cellText.isFiniteVal);
    label.mockClear();
    finite.mockClear();
    const watch = new MutationObserver(() => {});
    watch.observe(grid, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'], characterData: true });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    const t = touched(watch.takeRecords());
    watch.disconnect();
    expect(cell('B3').getAttribute('aria-selected')).toBe('true');
    expect(t.classed).toEqual(['B2', 'B3']);
    expect(t.rebuilt).toEqual([]);
    // No cell's accessible name is derived again (its view did not change), and the cells'
    // classes are not recomputed across the grid: the Inspector reads the new cell's value, not 27.
    expect(label).not.toHaveBeenCalled();
    expect(finite.mock.calls.length).toBeLessThanOrEqual(3);
  });

  it('a cell changes layout as its value changes kind: number, heatmap, small matrix, error and back', () => {
    const { formula, cell } = mount();
    const edit = (text: string) => {
      fireEvent.mouseDown(cell('E1'));
      fireEvent.input(formula, { target: { value: text } });
      fireEvent.keyDown(formula, { key: 'Enter' });
    };
    const big = `[${Array.from({ length: 5 }, (_, i) => `[${[1, 2, 3, 4, 5].map((j) => i + j).join(', ')}]`).join(', ')}]`;
    edit('2 * x');
    expect(cell('E1').querySelector('.cell-value.num')!.textContent).toBe('1');
    edit(big);
    expect(cell('E1').querySelector('.cell-value.matrix [aria-label="value heatmap E1"]')).not.toBeNull();
    expect(cell('E1').querySelector('.cell-shape')!.textContent).toBe('5×5');
    edit('1 +');
    expect(cell('E1').querySelector('.cell-error')!.textContent).toBe('#PARSE');
    expect(cell('E1').querySelector('.cell-value')).toBeNull();
    expect(cell('E1').className).toContain('has-error');
    edit('[[1, 2], [3, 4]] * x');
    expect([...cell('E1').querySelectorAll('.mini-matrix.value span')].map((e) => e.textContent)).toEqual(['0.5', '1', '1.5', '2']);
    edit(big);
    edit('x / 0');
    expect(cell('E1').querySelector('.cell-value.num')!.textContent).toBe('⚠ ∞');
    expect(cell('E1').className).toContain('non-finite');
    // The loss reads E1: its gradient line appears, as a number.
    fireEvent.mouseDown(cell('A2'));
    fireEvent.input(formula, { target: { value: '(B8 + C8 + D8 + E1 * 0)^2' } });
    fireEvent.keyDown(formula, { key: 'Enter' });
    edit('x * 3');
    expect(cell('E1').querySelector('.cell-grad.num')!.textContent).toBe('∂ 0');
  });
});
