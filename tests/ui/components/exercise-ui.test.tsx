// @vitest-environment jsdom
// The exercise and export hooks of the app: the Answer cell / By hand toggles in the inspector
// (an undoable edit whose marks are saved with the sheet) and the Export menu's downloads.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fireEvent, getByRole, queryByRole } from '@testing-library/dom';
import { render } from 'solid-js/web';
import { App } from '../../../src/ui/App';
import { answerMarks } from '../../../src/engine/exercise/marks';
import { readSheet } from '../../../src/engine/sheet/format';
import { createWorkspace } from '../../../src/ui/kernel/workspace';
import { markOf, scriptDownload, setMark, studentCopyDownload } from '../../../src/ui/kernel/exercise';
import { circuitDoc } from '../../../src/ui/kernel/welcome';

const keyText = readFileSync(join(__dirname, '..', '..', '..', 'examples', 'exercises', 'sigmoid-neuron-key.json'), 'utf8');
const keyDoc = () => {
  const r = readSheet(keyText);
  if (!r.ok) throw new Error(r.error);
  return r.doc;
};

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  dispose = null;
  document.body.innerHTML = '';
});

describe('exercise kernel', () => {
  it('the workspace keeps the marks of a loaded sheet when it saves it', () => {
    const ws = createWorkspace({ doc: keyDoc() });
    ws.setFormula('A1', '3');
    expect(answerMarks(ws.toDoc()).map((a) => a.at)).toEqual(['D1', 'D2', 'D3', 'D4', 'D5', 'D6']);
  });

  it('setMark marks a cell as an answer (by hand) as one undoable edit', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    expect(markOf(ws, 'B1')).toEqual({ answer: false, byHand: false });
    expect(setMark(ws, 'B1', { answer: true, byHand: true })).toBeNull();
    expect(markOf(ws, 'B1')).toEqual({ answer: true, byHand: true });
    expect(ws.engine.get('B2')!.value).toBe(-12);
    ws.undo();
    expect(markOf(ws, 'B1')).toEqual({ answer: false, byHand: false });
    expect(setMark(ws, 'Z9', { answer: true, byHand: false })).toMatch(/Z9 is empty/);
  });

  it('downloads: the student copy has no answer formula, the scripts are Python', () => {
    const ws = createWorkspace({ doc: keyDoc() });
    const s = studentCopyDownload(ws);
    if (!s.ok) throw new Error(s.error);
    expect(s.name).toBe('exercise-the-sigmoid-neuron-s-gradients-student.json');
    expect(s.text).not.toContain('x0 * dz');
    expect(s.text).not.toContain('f * (1 - f)');
    const np = scriptDownload(ws, 'numpy');
    expect(np.ok && np.text.startsWith('#!/usr/bin/env python3')).toBe(true);
    const pt = scriptDownload(ws, 'pytorch');
    expect(pt.ok && pt.text).toContain('.backward()');
    const plain = studentCopyDownload(createWorkspace({ doc: circuitDoc() }));
    expect(plain.ok ? '' : plain.error).toMatch(/no cell is marked as an answer/);
  });
});

describe('App: answer toggle and Export menu', () => {
  it('the inspector toggles "Answer cell" and "By hand" for the selected cell', () => {
    const root = document.createElement('div');
    document.body.appendChild(root);
    const storage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
    dispose = render(() => <App examples={async () => []} doc={circuitDoc()} storage={storage} />, root);
    const grid = getByRole(root, 'grid');
    fireEvent.mouseDown(getByRole(grid, 'gridcell', { name: /^B1\b/ }));
    const answer = getByRole(root, 'checkbox', { name: 'Answer cell' }) as HTMLInputElement;
    expect(answer.checked).toBe(false);
    expect(queryByRole(root, 'checkbox', { name: 'By hand' })).toBeNull();
    fireEvent.click(answer);
    expect((getByRole(root, 'checkbox', { name: 'Answer cell' }) as HTMLInputElement).checked).toBe(true);
    const byHand = getByRole(root, 'checkbox', { name: 'By hand' }) as HTMLInputElement;
    fireEvent.click(byHand);
    expect((getByRole(root, 'checkbox', { name: 'By hand' }) as HTMLInputElement).checked).toBe(true);
    // The selection stayed on B1 and the sheet still computes.
    expect(getByRole(grid, 'gridcell', { name: /^B1\b/ }).getAttribute('aria-selected')).toBe('true');
    expect(getByRole(grid, 'gridcell', { name: /^B2\b/ }).getAttribute('aria-label')).toBe('B2 f = -12, gradient 1');
  });

  it('the Export menu lists the NumPy and PyTorch scripts and the student copy', () => {
    const root = document.createElement('div');
    document.body.appendChild(root);
    const storage = { getItem: () => null, setItem: () => {}, removeItem: () => {} };
    dispose = render(() => <App examples={async () => []} doc={circuitDoc()} storage={storage} />, root);
    fireEvent.click(getByRole(root, 'button', { name: 'Export' }));
    const menu = getByRole(root, 'menu', { name: 'Export' });
    expect([...menu.querySelectorAll('[role=menuitem]')].map((b) => b.textContent)).toEqual(['NumPy script (.py)', 'PyTorch script (.py)', 'Student copy (.json)']);
    // The circuit marks no answer: the student copy says why instead of downloading.
    fireEvent.click(getByRole(root, 'menuitem', { name: 'Student copy (.json)' }));
    expect(getByRole(root, 'alert').textContent).toMatch(/no cell is marked as an answer/);
  });
});
