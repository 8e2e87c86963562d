// @vitest-environment jsdom
// The loss chip's grad-cell chooser (Toolbar) and selecting a grad cell: the grid shows the
// gradients of the loss chosen (tests/ui/bridge.test.ts counts that choosing recomputes no cell).
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, getByRole } from '@testing-library/dom';
import { render } from 'solid-js/web';
import { App } from '../../../src/ui/App';
import type { SheetDoc } from '../../../src/engine/sheet/document';

const doc: SheetDoc = {
  gradsheet: 1,
  cells: [
    { at: 'A1', formula: '3' }, { at: 'A2', formula: 'A1 * A1', name: 'f' }, { at: 'A3', formula: 'grad(A2)' },
    { at: 'B1', formula: '2' }, { at: 'B2', formula: 'B1 * B1 * B1 + A1', name: 'g' }, { at: 'B3', formula: 'grad(B2)' },
  ],
};

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
  document.body.innerHTML = '';
});

function mount() {
  const root = document.createElement('div');
  document.body.appendChild(root);
  dispose = render(() => <App doc={doc} storage={null} examples={async () => []} />, root);
  const grid = getByRole(root, 'grid');
  const label = (at: string) => getByRole(grid, 'gridcell', { name: new RegExp(`^${at}\\b`) }).getAttribute('aria-label') ?? '';
  const chip = () => root.querySelector('.loss-chip')!.textContent ?? '';
  return { root, grid, label, chip };
}

describe('choosing the loss the grid shows', () => {
  it('the Grad cell chooser switches the grid from ∂f/∂cell to ∂g/∂cell', () => {
    const { root, label, chip } = mount();
    expect(chip()).toMatch(/∂ f \/ ∂cell/);
    expect(label('A1')).toMatch(/gradient 6$/);
    expect(label('B1')).not.toMatch(/gradient/);
    const chooser = getByRole(root, 'combobox', { name: 'Grad cell' }) as HTMLSelectElement;
    chooser.value = 'B3';
    fireEvent.change(chooser);
    expect(chip()).toMatch(/∂ g \/ ∂cell/);
    expect(label('A1')).toMatch(/gradient 1$/);
    expect(label('B1')).toMatch(/gradient 12$/);
  });

  it('selecting a grad cell in the grid makes its loss the one shown', () => {
    const { grid, label, chip } = mount();
    fireEvent.mouseDown(getByRole(grid, 'gridcell', { name: /^B3\b/ }));
    expect(chip()).toMatch(/∂ g \/ ∂cell/);
    expect(label('B1')).toMatch(/gradient 12$/);
  });
});
