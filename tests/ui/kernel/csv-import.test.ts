// A CSV into a data cell, end to end: the cell's formula is data(), its value the matrix;
// formulas downstream use it; one undoable edit; saved in the file as the cell's value and
// loaded back bit for bit; a bad file changes nothing. Pasting comma-separated numbers makes a
// data cell, anything else pastes as before.
import { describe, expect, it } from 'vitest';
import { readSheet, writeSheet } from '../../../src/engine/sheet/format';
import { csvToDataCell, pasteCsvData } from '../../../src/ui/kernel/csv-import';
import { createWorkspace } from '../../../src/ui/kernel/workspace';

const rows = (ws: ReturnType<typeof createWorkspace>, at: string) => {
  const v = ws.engine.get(at)!.value;
  return v === null || typeof v === 'number' ? v : v.toRows();
};

describe('csvToDataCell', () => {
  it('stores the matrix in the cell (formula data()), keeps its name, and dependents compute with it', () => {
    const ws = createWorkspace();
    ws.setFormula('A1', '0');
    ws.rename('A1', 'X');
    ws.setFormula('B1', 'sum(X)');
    const r = csvToDataCell(ws, 'A1', 'x,y\n1,2\n3,-4.5\n', 'points.csv');
    expect(r).toEqual({ ok: true, rows: 2, cols: 2, header: ['x', 'y'] });
    const v = ws.engine.get('A1')!;
    expect([v.formula, v.name, v.isParameter]).toEqual(['data()', 'X', true]);
    expect(rows(ws, 'A1')).toEqual([[1, 2], [3, -4.5]]);
    expect(ws.engine.get('B1')!.value).toBe(1.5);
  });

  it('is one undoable edit: undo brings back the old formula, redo the data', () => {
    const ws = createWorkspace();
    ws.setFormula('A1', '7');
    csvToDataCell(ws, 'A1', '1,2,3\n');
    expect(rows(ws, 'A1')).toEqual([[1, 2, 3]]);
    ws.undo();
    expect(ws.engine.get('A1')!.formula).toBe('7');
    expect(ws.engine.get('A1')!.value).toBe(7);
    ws.redo();
    expect(rows(ws, 'A1')).toEqual([[1, 2, 3]]);
  });

  it('is saved in the file as the cell’s value and loads back bit for bit', () => {
    const ws = createWorkspace();
    csvToDataCell(ws, 'C3', '0.1,-0\n1e-300,123456789.123\n');
    const text = writeSheet(ws.toDoc());
    const read = readSheet(text, { isFunction: (n) => ws.engine.registry.has(n) });
    if (!read.ok) throw new Error(read.error);
    expect(read.doc.cells).toEqual([{ at: 'C3', formula: 'data()', value: [[0.1, -0], [1e-300, 123456789.123]] }]);
    const again = createWorkspace({ doc: read.doc });
    const v = again.engine.get('C3')!.value;
    expect(v !== null && typeof v !== 'number' && Array.from(v.data)).toEqual([0.1, -0, 1e-300, 123456789.123]);
    expect(Object.is((v as { data: Float64Array }).data[1], -0)).toBe(true);
  });

  it('committing the unchanged formula data() keeps the data (nothing to reset to); another formula replaces it', () => {
    const ws = createWorkspace();
    csvToDataCell(ws, 'A1', '1,2\n');
    ws.setFormula('A1', 'data()');
    expect(rows(ws, 'A1')).toEqual([[1, 2]]);
    ws.setFormula('A1', '3');
    expect(ws.engine.get('A1')!.value).toBe(3);
    expect(ws.engine.get('A1')!.isParameter).toBe(false);
  });

  it('a bad file leaves the cell as it was and says where the problem is', () => {
    const ws = createWorkspace();
    ws.setFormula('A1', '5');
    const r = csvToDataCell(ws, 'A1', '1,2\n3,abc\n', 'bad.csv');
    expect(r).toEqual({ ok: false, message: 'bad.csv: line 2, column 2: "abc" is not a number' });
    expect(ws.engine.get('A1')!.formula).toBe('5');
    expect(ws.history.canUndo()).toBe(true); // only the setFormula before it
    ws.undo();
    expect(ws.history.canUndo()).toBe(false);
  });

  it('data() with nothing stored is an error on the cell that says to import a CSV', () => {
    const ws = createWorkspace();
    ws.setFormula('A1', 'data()');
    expect(ws.engine.get('A1')!.error).toEqual({ kind: 'VALUE', message: 'no data stored in this cell — import a CSV' });
  });
});

describe('pasteCsvData', () => {
  it('comma- or semicolon-separated numbers become one data cell at the target', () => {
    const ws = createWorkspace();
    expect(pasteCsvData(ws, 'B2', 'a;b\n1,5;2\n3;4\n')).toBe(true);
    expect(rows(ws, 'B2')).toEqual([[1.5, 2], [3, 4]]);
    expect(ws.engine.get('B3')).toBeNull();
  });

  it.each([['3'], ['max(a, b)'], ['[1, 2]'], ['1\t2\n3\t4'], ['x + 1\ny'], ['1\n2\n3']])('%j is not CSV data: pasted as formulas', (text) => {
    const ws = createWorkspace();
    expect(pasteCsvData(ws, 'A1', text)).toBe(false);
    expect(ws.engine.get('A1')).toBeNull();
  });
});
