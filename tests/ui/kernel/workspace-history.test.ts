import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../../../src/ui/kernel/workspace';
import { circuitDoc } from '../../../src/ui/kernel/welcome';

const val = (ws: ReturnType<typeof createWorkspace>, at: string) => ws.engine.get(at)?.value ?? null;

describe('workspace undo/redo', () => {
  it('setFormula then undo restores the old formula and redo reapplies it', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setFormula('A1', '3');
    expect(val(ws, 'B2')).toBe(-32);
    expect(ws.undo()).toBe(true);
    expect(ws.engine.get('A1')!.formula).toBe('-2');
    expect(val(ws, 'B2')).toBe(-12);
    expect(ws.redo()).toBe(true);
    expect(val(ws, 'B2')).toBe(-32);
  });

  it('rename is undoable and rewrites the formulas that use the name back', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    expect(ws.rename('A1', 'xx').ok).toBe(true);
    expect(ws.engine.get('B1')!.formula).toBe('xx + y');
    ws.undo();
    expect(ws.engine.get('A1')!.name).toBe('x');
    expect(ws.engine.get('B1')!.formula).toBe('x + y');
    expect(val(ws, 'B2')).toBe(-12);
    ws.redo();
    expect(ws.engine.get('B1')!.formula).toBe('xx + y');
  });

  it('a refused rename records nothing', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    const r = ws.rename('A1', 'y');
    expect(r.ok).toBe(false);
    expect(ws.history.canUndo()).toBe(false);
  });

  it('setNote and clear are undoable (clear restores formula, name and note)', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setNote('A1', 'the input');
    ws.clear(['A1', 'A2']);
    expect(ws.engine.get('A1')).toBeNull();
    expect(ws.engine.get('B1')!.error?.kind).toBeTruthy();
    ws.undo();
    expect(ws.engine.get('A1')).toMatchObject({ formula: '-2', name: 'x', note: 'the input' });
    expect(ws.engine.get('A2')).toMatchObject({ formula: '5', name: 'y' });
    expect(val(ws, 'B2')).toBe(-12);
    ws.undo();
    expect(ws.engine.get('A1')!.note).toBeNull();
  });

  it('paste (setFormulas) is one undoable edit', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setFormulas([{ at: 'D1', formula: 'A1*2' }, { at: 'D2', formula: 'A2*2' }]);
    expect(val(ws, 'D2')).toBe(10);
    ws.undo();
    expect(ws.engine.get('D1')).toBeNull();
    expect(ws.engine.get('D2')).toBeNull();
    ws.redo();
    expect(val(ws, 'D1')).toBe(-4);
  });

  it('load and newSheet are undoable with title and notes', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setTitle('Mine');
    ws.newSheet();
    expect(ws.engine.cells()).toHaveLength(0);
    expect(ws.title()).toBe('');
    ws.undo();
    expect(ws.engine.cells()).toHaveLength(6);
    expect(ws.title()).toBe('Mine');
    ws.undo();
    expect(ws.title()).toBe('Circuit (x + y) * z');
    ws.redo();
    ws.redo();
    expect(ws.engine.cells()).toHaveLength(0);
  });

  it('a new edit after undo drops the redo stack', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setFormula('A1', '1');
    ws.undo();
    ws.setFormula('A1', '2');
    expect(ws.history.canRedo()).toBe(false);
  });

  it('a cell edit records only that cell, not the document', () => {
    const ws = createWorkspace({ doc: circuitDoc() });
    ws.setFormula('A1', '7');
    const e = ws.history.undo()!;
    expect(e.kind).toBe('cells');
    if (e.kind === 'cells') expect(e.changes).toEqual([{ at: 'A1', before: { formula: '-2', name: 'x', note: null }, after: { formula: '7', name: 'x', note: null } }]);
  });

  it('undo of a parameter-cell edit restores its stored value', () => {
    const ws = createWorkspace({ doc: { gradsheet: 1, cells: [{ at: 'A1', formula: 'randn(2, 2, 1)', value: [[1, 2], [3, 4]] }] } });
    ws.setFormula('A1', '5');
    expect(ws.engine.get('A1')!.isParameter).toBe(false);
    ws.undo();
    const v = ws.engine.get('A1')!;
    expect(v.isParameter).toBe(true);
    expect(v.formula).toBe('randn(2, 2, 1)');
  });
});
