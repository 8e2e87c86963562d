// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, getByRole, queryByRole, within, waitFor } from '@testing-library/dom';
import { render } from 'solid-js/web';
import { App, type AppProps } from '../../../src/ui/App';
import { createRegistry } from '../../../src/engine/ops/registry';
import { gradientText } from '../../../src/ui/kernel/help';
import type { StorageLike } from '../../../src/ui/kernel/persistence';
import { circuitDoc } from '../../../src/ui/kernel/welcome';

function memStorage(): StorageLike {
  const data = new Map<string, string>();
  return { getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
  document.body.innerHTML = '';
});

function mount(props: AppProps = {}) {
  const root = document.createElement('div');
  document.body.appendChild(root);
  const storage = props.storage === undefined ? memStorage() : props.storage;
  const all: AppProps = { examples: async () => [], ...('doc' in props ? {} : { doc: circuitDoc() }), ...props, storage };
  dispose = render(() => <App {...all} />, root);
  const grid = getByRole(root, 'grid');
  const formula = getByRole(root, 'textbox', { name: 'Formula' }) as HTMLInputElement;
  const name = getByRole(root, 'textbox', { name: 'Name' }) as HTMLInputElement;
  const cell = (at: string) => getByRole(grid, 'gridcell', { name: new RegExp(`^${at}\\b`) });
  const label = (at: string) => cell(at).getAttribute('aria-label');
  return { root, grid, formula, name, cell, label, storage };
}

function typeFormula(formula: HTMLInputElement, text: string) {
  fireEvent.input(formula, { target: { value: text } });
}

describe('App', () => {
  it('shows values and gradients with accessible names that start with the address', () => {
    const { label, grid } = mount();
    expect(grid.getAttribute('role')).toBe('grid');
    expect(label('B2')).toBe('B2 f = -12, gradient 1');
    expect(label('A1')).toBe('A1 x = -2, gradient -4');
    expect(queryByRole(grid, 'columnheader', { name: 'A' })).not.toBeNull();
    expect(queryByRole(grid, 'rowheader', { name: '1' })).not.toBeNull();
  });

  it('typing a formula in the Formula textbox and pressing Enter updates the cell and its dependents', () => {
    const { formula, cell, label } = mount();
    fireEvent.mouseDown(cell('A1'));
    typeFormula(formula, '3');
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(label('A1')).toMatch(/^A1 x = 3\b/);
    expect(label('B2')).toBe('B2 f = -32, gradient 1');
    // Enter moved the selection down
    expect(cell('A2').getAttribute('aria-selected')).toBe('true');
  });

  it('Enter commits a formula even while suggestions are open; only arrows + Enter or Tab take one', () => {
    const { formula, cell, label } = mount();
    fireEvent.mouseDown(cell('D1'));
    typeFormula(formula, '2 * s');
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(label('D1')).toMatch(/^D1 error #NAME/);
    fireEvent.mouseDown(cell('D2'));
    typeFormula(formula, 'sq');
    fireEvent.keyDown(formula, { key: 'ArrowDown' });
    fireEvent.keyDown(formula, { key: 'ArrowUp' });
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(formula.value).toBe('sqrt('); // down and back up: the first suggestion, the shortest
  });

  it('typing a character on the grid starts editing, replacing the formula', () => {
    const { grid, formula, cell, label } = mount();
    fireEvent.mouseDown(cell('D1'));
    fireEvent.keyDown(grid, { key: '7' });
    expect(formula.value).toBe('7');
    expect(document.activeElement).toBe(formula);
    // what is typed shows in the cell too while it is edited
    expect(cell('D1').querySelector('.cell-draft')!.textContent).toBe('7');
    typeFormula(formula, '7*x');
    fireEvent.keyDown(formula, { key: 'Tab' });
    expect(label('D1')).toBe('D1 = -14');
    expect(cell('E1').getAttribute('aria-selected')).toBe('true');
  });

  it('Escape cancels an edit', () => {
    const { grid, formula, cell, label } = mount();
    fireEvent.mouseDown(cell('A1'));
    fireEvent.keyDown(grid, { key: 'F2' });
    expect(formula.value).toBe('-2');
    typeFormula(formula, '100');
    fireEvent.keyDown(formula, { key: 'Escape' });
    expect(label('A1')).toMatch(/^A1 x = -2\b/);
    expect(formula.value).toBe('-2');
  });

  it('Delete clears the selected cell, and Ctrl+Z / Ctrl+Shift+Z undo and redo it', () => {
    // Issue 8: a named cell that formulas use keeps its name when its content is deleted
    // (as a spreadsheet keeps references); an unused cell is emptied entirely.
    const { grid, cell, label } = mount();
    fireEvent.mouseDown(cell('A2'));
    fireEvent.keyDown(grid, { key: 'Delete' });
    expect(label('A2')).toMatch(/^A2 y error/);
    expect(label('B1')).toMatch(/^B1 q error/);
    fireEvent.keyDown(grid, { key: 'z', ctrlKey: true });
    expect(label('A2')).toMatch(/^A2 y = 5\b/);
    fireEvent.keyDown(grid, { key: 'z', ctrlKey: true, shiftKey: true });
    expect(label('A2')).toMatch(/^A2 y error/);
    fireEvent.keyDown(grid, { key: 'z', metaKey: true });
    fireEvent.keyDown(grid, { key: 'y', ctrlKey: true });
    expect(label('A2')).toMatch(/^A2 y error/);
    fireEvent.mouseDown(cell('C1'));
    fireEvent.keyDown(grid, { key: 'Delete' });
    expect(label('C1')).toBe('C1 empty');
    fireEvent.keyDown(grid, { key: 'z', ctrlKey: true });
    expect(label('C1')).not.toBe('C1 empty');
  });

  it('the Undo and Redo buttons work', () => {
    const { root, formula, cell, label } = mount();
    fireEvent.mouseDown(cell('C3'));
    typeFormula(formula, 'x + 1');
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(label('C3')).toBe('C3 = -1');
    fireEvent.click(getByRole(root, 'button', { name: 'Undo' }));
    expect(label('C3')).toBe('C3 empty');
    fireEvent.click(getByRole(root, 'button', { name: 'Redo' }));
    expect(label('C3')).toBe('C3 = -1');
  });

  it('renames through the Name box; a refused name shows why and keeps the text', () => {
    const { name, cell, label, root } = mount();
    fireEvent.mouseDown(cell('A1'));
    expect(name.value).toBe('x');
    fireEvent.input(name, { target: { value: 'input' } });
    fireEvent.keyDown(name, { key: 'Enter' });
    expect(label('A1')).toMatch(/^A1 input = -2/);
    fireEvent.mouseDown(cell('A2'));
    fireEvent.input(name, { target: { value: 'input' } });
    fireEvent.keyDown(name, { key: 'Enter' });
    expect(root.querySelector('#name-error')!.textContent).toMatch(/already the name of A1/);
    expect(name.value).toBe('input');
    expect(label('A2')).toMatch(/^A2 y = 5/);
  });

  it('an error cell shows its kind in the cell and the message when selected', () => {
    const { formula, cell, root } = mount();
    fireEvent.mouseDown(cell('D4'));
    typeFormula(formula, '[[1,2]] + [[1,2,3]]');
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(cell('D4').textContent).toContain('#SHAPE');
    expect(cell('D4').getAttribute('title')).toMatch(/^#SHAPE: /);
    fireEvent.mouseDown(cell('D4'));
    expect(root.querySelector('.cell-message')!.textContent).toMatch(/SHAPE/);
    fireEvent.mouseDown(cell('D5'));
    typeFormula(formula, '1 +* (');
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(cell('D5').textContent).toContain('#PARSE');
    fireEvent.mouseDown(cell('D5'));
    expect(formula.value).toBe('1 +* ('); // nothing typed is lost
  });

  it('copy and paste shift relative references', () => {
    const { grid, formula, cell, label } = mount();
    fireEvent.mouseDown(cell('D1'));
    typeFormula(formula, 'A1 * 2');
    fireEvent.keyDown(formula, { key: 'Enter' });
    fireEvent.mouseDown(cell('D1'));
    fireEvent.copy(grid);
    fireEvent.mouseDown(cell('D2'));
    fireEvent.paste(grid);
    expect(label('D2')).toBe('D2 = 10');
    expect(formula.value).toBe('A2 * 2');
  });

  it('autocomplete shows a function with its signature; Tab accepts', () => {
    const { root, grid, formula, cell } = mount();
    fireEvent.mouseDown(cell('E5'));
    fireEvent.keyDown(grid, { key: 's' });
    formula.setSelectionRange(1, 1);
    typeFormula(formula, 'sigm');
    formula.setSelectionRange(4, 4);
    fireEvent.input(formula, { target: { value: 'sigm' } });
    const list = getByRole(root, 'listbox');
    const sig = createRegistry().get('sigmoid')!.signature;
    expect(within(list).getAllByRole('option')[0].textContent).toContain(sig);
    fireEvent.keyDown(formula, { key: 'Tab' });
    expect(formula.value).toBe('sigmoid(');
    expect(queryByRole(root, 'listbox')).toBeNull();
  });

  it('the help panel lists every registry op, with signature and gradient rule', () => {
    const { root } = mount();
    fireEvent.click(getByRole(root, 'button', { name: 'Help' }));
    const help = getByRole(root, 'complementary', { name: 'Help' });
    const ops = createRegistry().all();
    const shown = [...help.querySelectorAll('[data-op]')].map((e) => e.getAttribute('data-op')).sort();
    expect(shown).toEqual(ops.map((o) => o.name).sort());
    for (const op of ops) {
      const el = help.querySelector(`[data-op="${op.name}"]`)!;
      expect(el.textContent).toContain(op.signature);
      for (const line of gradientText(op, createRegistry())) expect(el.textContent).toContain(line);
    }
    // Generated from the rules beside each op, not hand-written.
    expect(help.querySelector('[data-op="matmul"]')!.textContent).toContain('da = g @ b.T; db = a.T @ g');
    expect(help.querySelector('[data-op="mse"]')!.textContent).toContain('mse(pred, target) = mean(square(same_shape(pred, target) - target))');
  });

  it('the help search finds ops by their gradient rule too', () => {
    const { root } = mount();
    fireEvent.click(getByRole(root, 'button', { name: 'Help' }));
    const help = getByRole(root, 'complementary', { name: 'Help' });
    fireEvent.input(getByRole(help, 'textbox', { name: 'Search functions' }), { target: { value: 'heaviside(x, 0)' } });
    const shown = [...help.querySelectorAll('[data-op]')].map((e) => e.getAttribute('data-op'));
    expect(shown).toEqual(['relu']);
  });

  it('the inspector shows the chain-rule breakdown of the selected cell', () => {
    const { root, cell } = mount();
    fireEvent.mouseDown(cell('A1'));
    const insp = getByRole(root, 'complementary', { name: 'Inspector' });
    expect(insp.textContent).toContain('via q: ∂f/∂q · ∂q/∂x = -4 · 1 = -4');
  });

  it('after an edit the breakdown follows with the new numbers once the grid has painted', async () => {
    const { root, cell, formula } = mount();
    const insp = () => getByRole(root, 'complementary', { name: 'Inspector' }).textContent ?? '';
    fireEvent.mouseDown(cell('A1'));
    expect(insp()).toContain('via q: ∂f/∂q · ∂q/∂x = -4 · 1 = -4');
    fireEvent.mouseDown(cell('A3'));
    fireEvent.keyDown(cell('A3'), { key: 'Enter' });
    typeFormula(formula, '-3');
    fireEvent.keyDown(formula, { key: 'Enter' });
    fireEvent.mouseDown(cell('A1'));
    await waitFor(() => expect(insp()).toContain('via q: ∂f/∂q · ∂q/∂x = -3 · 1 = -3'));
  });

  it('selecting a grad cell makes its loss the one shown', () => {
    const { formula, cell, label, root } = mount();
    fireEvent.mouseDown(cell('D1'));
    typeFormula(formula, 'grad(q)');
    fireEvent.keyDown(formula, { key: 'Enter' });
    expect(root.querySelector('.loss-chip')!.textContent).toMatch(/∂ f \/ ∂cell/);
    fireEvent.mouseDown(cell('D1'));
    expect(root.querySelector('.loss-chip')!.textContent).toMatch(/∂ q \/ ∂cell.*D1/);
    expect(label('A3')).toBe('A3 z = -4'); // z is not upstream of q
    expect(label('A1')).toBe('A1 x = -2, gradient 1');
  });

  it('opening a broken file shows the message in an alert and leaves the sheet as it was', async () => {
    const { root, label } = mount();
    const input = root.querySelector('input[type=file]') as HTMLInputElement;
    const file = new File(['{"gradsheet": 1, "cells": [{"at": "A1", "formula": "1"}, {"at": "A1", "formula": "2"}]}'], 'broken.json');
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    fireEvent.change(input);
    await waitFor(() => expect(getByRole(root, 'alert').textContent).toMatch(/^broken\.json: /));
    expect(label('B2')).toBe('B2 f = -12, gradient 1');
  });

  it('a broken share link shows an alert; the first run shows the welcome hints', () => {
    const { root } = mount({ hash: '#sheet=garbage', doc: undefined });
    expect(getByRole(root, 'alert').textContent).toMatch(/share link/);
    expect(root.querySelector('.welcome')).not.toBeNull();
    expect(getByRole(root, 'gridcell', { name: /^B2\b/ }).getAttribute('aria-label')).toBe('B2 f = -12, gradient 1');
  });

  it('autosaves and restores the sheet', async () => {
    const storage = memStorage();
    const first = mount({ storage, autosaveDelay: 10, doc: undefined });
    fireEvent.mouseDown(first.cell('A1'));
    typeFormula(first.formula, '10');
    fireEvent.keyDown(first.formula, { key: 'Enter' });
    await new Promise((r) => setTimeout(r, 40));
    dispose!();
    document.body.innerHTML = '';
    const again = mount({ storage, doc: undefined });
    expect(again.label('A1')).toMatch(/^A1 x = 10\b/);
    expect(again.root.querySelector('.welcome')).toBeNull();
  });

  it('the Examples menu lists example titles and loads one in one click (undoable)', async () => {
    const ex = { gradsheet: 1, title: 'Tiny', cells: [{ at: 'A1', name: 'a', formula: '2' }, { at: 'A2', formula: 'grad(a)' }] };
    const { root, label } = mount({ examples: async () => [{ file: 'tiny.json', title: 'Tiny', summary: '', load: async () => JSON.stringify(ex) }] });
    fireEvent.click(getByRole(root, 'button', { name: 'Examples' }));
    const item = await waitFor(() => getByRole(root, 'menuitem', { name: 'Tiny' }));
    fireEvent.click(item);
    await waitFor(() => expect(label('A1')).toBe('A1 a = 2, gradient 1'));
    expect((getByRole(root, 'textbox', { name: 'Title' }) as HTMLInputElement).value).toBe('Tiny');
    fireEvent.click(getByRole(root, 'button', { name: 'Undo' }));
    expect(label('B2')).toBe('B2 f = -12, gradient 1');
  });
});
