// @vitest-environment jsdom
// The explain views in the app (jsdom): the graph view (nodes, click → selection), step-through
// (the grid shows gradients so far), the typeset breakdown and the gradient check panel.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, getByRole, queryByRole } from '@testing-library/dom';
import { render } from 'solid-js/web';
import { App } from '../../../src/ui/App';
import { readSheet } from '../../../src/engine/sheet/format';
import { createRegistry } from '../../../src/engine/ops/registry';
import type { SheetDoc } from '../../../src/engine/sheet/document';
import { chainSheet } from '../../../bench/workloads';

const text = readFileSync(join(__dirname, '..', '..', '..', 'examples', '02-sigmoid-neuron.json'), 'utf8');
const res = readSheet(text, { isFunction: (n) => createRegistry().has(n) });
if (!res.ok) throw new Error(res.error);
const doc = res.doc;

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
  document.body.innerHTML = '';
});

function mount(sheet: SheetDoc = doc) {
  const root = document.createElement('div');
  document.body.appendChild(root);
  dispose = render(() => <App doc={sheet} storage={null} examples={async () => []} />, root);
  const grid = getByRole(root, 'grid');
  const cell = (at: string) => getByRole(grid, 'gridcell', { name: new RegExp(`^${at}\\b`) });
  const label = (at: string) => cell(at).getAttribute('aria-label') ?? '';
  const button = (name: string | RegExp) => getByRole(root, 'button', { name });
  return { root, grid, cell, label, button };
}

describe('explain views', () => {
  it('Graph opens the graph view: 8 op nodes and 5 inputs; clicking a node selects its cell', () => {
    const { root, cell, button } = mount();
    fireEvent.click(button('Graph'));
    const panel = getByRole(root, 'region', { name: 'Graph view' });
    expect(panel.querySelectorAll('.gv-node.op')).toHaveLength(8);
    expect(panel.querySelectorAll('.gv-node.cell')).toHaveLength(5);
    fireEvent.click(panel.querySelector('.gv-node[data-cell="A4"]')!);
    expect(cell('A4').getAttribute('aria-selected')).toBe('true');
    fireEvent.click(getByRole(panel, 'button', { name: 'One node per cell' }));
    expect(panel.querySelectorAll('.gv-node.cell')).toHaveLength(13);
    fireEvent.click(getByRole(panel, 'button', { name: 'Close graph view' }));
    expect(queryByRole(root, 'region', { name: 'Graph view' })).toBeNull();
  });

  it('step-through: the grid shows only the gradients so far; next × 8 reaches every gradient; stop restores them', () => {
    const { root, label, button } = mount();
    fireEvent.click(button('Graph'));
    const panel = getByRole(root, 'region', { name: 'Graph view' });
    fireEvent.click(getByRole(panel, 'button', { name: 'Step through backward' }));
    expect(panel.querySelector('.step-pos')!.textContent).toMatch(/step 0 of 8/);
    expect(label('B8')).toMatch(/gradient 1$/);
    expect(label('B7')).not.toMatch(/gradient/);
    fireEvent.keyDown(panel, { key: 'ArrowRight' });
    expect(label('B7')).toMatch(/gradient -0\.534/); // 1/den ran: ∂f/∂den arrived
    expect(label('A1')).not.toMatch(/gradient/);
    expect(getByRole(root, 'generic', { name: 'Current step' }).textContent).toMatch(/div/);
    for (let k = 2; k <= 8; k++) fireEvent.click(getByRole(panel, 'button', { name: 'Next step' }));
    expect(panel.querySelector('.step-pos')!.textContent).toMatch(/step 8 of 8/);
    expect(label('A1')).toMatch(/gradient -0\.19661/);
    expect(label('A4')).toMatch(/gradient -0\.5898/);
    fireEvent.click(getByRole(panel, 'button', { name: 'Previous step' }));
    expect(panel.querySelector('.step-pos')!.textContent).toMatch(/step 7 of 8/);
    fireEvent.keyDown(panel, { key: 'Escape' });
    expect(label('A1')).toMatch(/gradient -0\.19661/);
    expect(label('C2')).not.toMatch(/gradient/); // not upstream of f, as before stepping
  });

  it('Play runs the whole reverse pass by itself and stops at the end with the full gradients', () => {
    vi.useFakeTimers();
    try {
      const { root, label, button } = mount();
      fireEvent.click(button('Graph'));
      const panel = getByRole(root, 'region', { name: 'Graph view' });
      fireEvent.keyDown(panel, { key: ' ' });
      expect(getByRole(panel, 'button', { name: 'Pause' })).toBeTruthy();
      vi.advanceTimersByTime(20_000);
      expect(panel.querySelector('.step-pos')!.textContent).toMatch(/step 8 of 8/);
      expect(getByRole(panel, 'button', { name: 'Play' })).toBeTruthy();
      expect(label('A2')).toMatch(/gradient 0\.39322/);
      expect(label('A5')).toMatch(/gradient 0\.19661/);
    } finally {
      vi.useRealTimers();
    }
  });

  it('the inspector breakdown typesets the local derivative of each term', () => {
    const { root, cell } = mount();
    fireEvent.mouseDown(cell('A2'));
    const bd = getByRole(getByRole(root, 'complementary', { name: 'Inspector' }), 'region', { name: 'Chain rule' });
    expect(bd.textContent).toContain('via a0: ∂f/∂a0 · ∂a0/∂x0 = 0.196612 · 2 = 0.393224');
    expect(bd.querySelectorAll('.katex').length).toBeGreaterThanOrEqual(3);
    const math = [...bd.querySelectorAll('annotation')].map((a) => a.textContent);
    expect(math.some((m) => /\\frac\{\\partial \\left\(w_\{0\} \\cdot x_\{0\}\\right\)\}\{\\partial x_\{0\}\} = w_\{0\}/.test(m ?? ''))).toBe(true);
  });

  it('the inspector breakdown is typeset on a large sheet too (a 30,000-cell chain), from the consumer alone', () => {
    const { doc: chain, first } = chainSheet(30_000);
    const { root, cell } = mount(chain);
    fireEvent.mouseDown(cell(first));
    const bd = getByRole(getByRole(root, 'complementary', { name: 'Inspector' }), 'region', { name: 'Chain rule' });
    expect(bd.textContent).toMatch(/via A2: ∂\S+\/∂A2 · ∂A2\/∂A1 = \S+ · 0\.999 = /);
    expect(bd.querySelectorAll('.katex').length).toBeGreaterThanOrEqual(3);
  });

  it('Gradient check lists relative errors per loss; a row selects its cell', () => {
    const { root, cell, button } = mount();
    fireEvent.click(button('Gradient check'));
    const pane = getByRole(root, 'complementary', { name: 'Gradient check' });
    expect(pane.textContent).toMatch(/∂f \(B8\) from C1.*passes/);
    const rows = pane.querySelectorAll('tbody tr');
    expect(rows.length).toBeGreaterThan(5);
    const link = rows[0].querySelector('button')!;
    const at = /\(([A-Z]+\d+)\)$/.exec(link.textContent!)![1];
    fireEvent.click(link);
    expect(cell(at).getAttribute('aria-selected')).toBe('true');
  });
});
