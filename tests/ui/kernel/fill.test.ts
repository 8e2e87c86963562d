import { describe, expect, it } from 'vitest';
import { shiftRefsForInsert } from '../../../src/engine/formula/rewrite';
import { edgeOf, fillEdits, fillTo, insertDelete } from '../../../src/ui/kernel/fill';

const f = (m: Record<string, string>) => (at: string) => m[at] ?? '';

describe('fill', () => {
  it('Ctrl+D copies the top row down, shifting relative references', () => {
    expect(fillEdits({ c0: 1, r0: 0, c1: 1, r1: 2 }, 'down', f({ B1: 'A1 * 2 + $A$1' }))).toEqual([
      { at: 'B2', formula: 'A2 * 2 + $A$1' },
      { at: 'B3', formula: 'A3 * 2 + $A$1' },
    ]);
  });
  it('a single cell takes the one above (down) or to the left (right)', () => {
    expect(fillEdits({ c0: 1, r0: 1, c1: 1, r1: 1 }, 'down', f({ B1: 'A1' }))).toEqual([{ at: 'B2', formula: 'A2' }]);
    expect(fillEdits({ c0: 1, r0: 1, c1: 1, r1: 1 }, 'right', f({ A2: 'A1' }))).toEqual([{ at: 'B2', formula: 'B1' }]);
  });
  it('the fill handle repeats the block into the new cells', () => {
    expect(fillTo({ c0: 0, r0: 0, c1: 0, r1: 0 }, { c0: 0, r0: 0, c1: 0, r1: 2 }, f({ A1: 'B1 + 1' }))).toEqual([
      { at: 'A2', formula: 'B2 + 1' },
      { at: 'A3', formula: 'B3 + 1' },
    ]);
  });
});

describe('edgeOf (Ctrl+Arrow)', () => {
  const filled = (cells: string[]) => (c: number, r: number) => cells.includes(`${c},${r}`);
  it('runs to the end of a filled run, or jumps to the next filled cell', () => {
    const on = filled(['0,0', '0,1', '0,2', '0,6']);
    expect(edgeOf({ col: 0, row: 0 }, 0, 1, on)).toEqual({ col: 0, row: 2 });
    expect(edgeOf({ col: 0, row: 2 }, 0, 1, on)).toEqual({ col: 0, row: 6 });
    expect(edgeOf({ col: 0, row: 6 }, 0, -1, on)).toEqual({ col: 0, row: 2 });
    expect(edgeOf({ col: 0, row: 0 }, 0, -1, on)).toEqual({ col: 0, row: 0 });
    expect(edgeOf({ col: 0, row: 6 }, 0, 1, on).row).toBe(9998);
  });
});

describe('insert and delete rows and columns', () => {
  it('references move with their cells; deleted ones become an error', () => {
    expect(shiftRefsForInsert('A1 + A3 + $A$3', 'row', 1, 1)).toBe('A1 + A4 + $A$4');
    expect(shiftRefsForInsert('A1 + A2 + A3', 'row', 1, -1)).toBe('A1 + REF_DELETED + A2');
    expect(shiftRefsForInsert('B1 + A1', 'col', 1, 2)).toBe('D1 + A1');
  });
  it('the document moves its cells and rewrites formulas', () => {
    const doc = { gradsheet: 1 as const, cells: [{ at: 'A1', formula: '1', name: 'x' }, { at: 'A2', formula: 'A1 + 1' }, { at: 'A3', formula: 'A2 * x' }] };
    expect(insertDelete(doc, 'row', 1, 1).cells).toEqual([{ at: 'A1', formula: '1', name: 'x' }, { at: 'A3', formula: 'A1 + 1' }, { at: 'A4', formula: 'A3 * x' }]);
    expect(insertDelete(doc, 'row', 0, -1).cells).toEqual([{ at: 'A1', formula: 'REF_DELETED + 1' }, { at: 'A2', formula: 'A1 * x' }]);
  });
});
