import { describe, expect, it } from 'vitest';
import { clipFromJson, clipFromText, clipToJson, clipToText, copyRect, pasteEdits, pasteIntoRect } from '../../../src/ui/kernel/clipboard';
import { createWorkspace } from '../../../src/ui/kernel/workspace';

describe('clipboard', () => {
  const ws = createWorkspace({
    doc: { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }, { at: 'A2', formula: '2' }, { at: 'B1', formula: 'A1 + $A$2 * x' }, { at: 'B2', formula: 'sum(A1:A2)' }] },
  });

  it('pasting one row down shifts relative references and keeps $-pinned ones', () => {
    const d = copyRect(ws.engine, { c0: 1, r0: 0, c1: 1, r1: 0 });
    expect(pasteEdits(d, { col: 1, row: 1 })).toEqual([{ at: 'B2', formula: 'A2 + $A$2 * x' }]);
    expect(pasteEdits(d, { col: 2, row: 4 })).toEqual([{ at: 'C5', formula: 'B5 + $A$2 * x' }]);
  });

  it('a block keeps its layout and shifts ranges', () => {
    const d = copyRect(ws.engine, { c0: 1, r0: 0, c1: 1, r1: 1 });
    expect(pasteEdits(d, { col: 3, row: 0 })).toEqual([
      { at: 'D1', formula: 'C1 + $A$2 * x' },
      { at: 'D2', formula: 'sum(C1:C2)' },
    ]);
  });

  it('references pushed off the grid become an unknown name, not a crash', () => {
    const d = copyRect(ws.engine, { c0: 1, r0: 0, c1: 1, r1: 0 });
    const [e] = pasteEdits(d, { col: 0, row: 0 });
    expect(e.formula).toMatch(/REF/);
  });

  it('text and JSON forms round-trip; plain text pastes as typed', () => {
    const d = copyRect(ws.engine, { c0: 0, r0: 0, c1: 1, r1: 1 });
    expect(clipToText(d)).toBe('1\tA1 + $A$2 * x\n2\tsum(A1:A2)');
    expect(clipFromJson(clipToJson(d))).toEqual(d);
    expect(clipFromJson('not json')).toBeNull();
    const t = clipFromText('A1*2\t3\r\n4\n');
    expect(pasteEdits(t, { col: 5, row: 5 })).toEqual([
      { at: 'F6', formula: 'A1*2' },
      { at: 'G6', formula: '3' },
      { at: 'F7', formula: '4' },
    ]);
  });

  it('one copied cell fills a selected range', () => {
    const d = copyRect(ws.engine, { c0: 1, r0: 0, c1: 1, r1: 0 });
    expect(pasteIntoRect(d, { c0: 2, r0: 0, c1: 2, r1: 1 }).map((e) => e.formula)).toEqual(['B1 + $A$2 * x', 'B2 + $A$2 * x']);
  });
});
