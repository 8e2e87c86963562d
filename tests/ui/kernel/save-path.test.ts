// The app's save path (Save file, autosave, Share link all write ws.toDoc()) keeps what it
// does not know: reading then saving gives the same file (FORMAT.md). And autosave says when
// it is off.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSheet, writeSheet } from '../../../src/engine/sheet/format';
import { CELL_FIELDS, type CellDoc, type SheetDoc } from '../../../src/engine/sheet/document';
import { AUTOSAVE_OFF_MESSAGE, type StorageLike, autosaveAvailable } from '../../../src/ui/kernel/persistence';
import { createWorkspace } from '../../../src/ui/kernel/workspace';

const viaApp = (text: string): string => {
  const r = readSheet(text);
  if (!r.ok) throw new Error(r.error);
  const ws = createWorkspace();
  ws.load(r.doc);
  return writeSheet(ws.toDoc());
};

describe('the app’s save path keeps what it does not know', () => {
  it('per-cell unknown fields, an empty title, empty notes and an empty note survive load → save', () => {
    const text = writeSheet({
      gradsheet: 1, title: '', notes: '',
      cells: [
        { at: 'A1', formula: '1', note: '', extra: { color: 'red', big: 'x'.repeat(100_000) } },
        { at: 'A2', name: 'w', formula: 'A1 * 2', extra: { opt: { m: [1, 2] } } },
        { at: 'B1', formula: '', note: 'only a note' },
        { at: 'B2', formula: '', extra: { mark: true } },
      ],
      extra: { view: { zoom: 2 } },
    });
    expect(viaApp(text)).toBe(text);
  });

  it('a cleared cell loses its unknown fields; undoing the clear brings them back', () => {
    const r = readSheet(writeSheet({ gradsheet: 1, cells: [{ at: 'A1', formula: '1', extra: { color: 'red' } }] }));
    if (!r.ok) throw new Error(r.error);
    const ws = createWorkspace();
    ws.load(r.doc);
    ws.clear(['A1']);
    expect(ws.toDoc().cells).toEqual([]);
    ws.undo();
    expect(ws.toDoc().cells[0].extra).toEqual({ color: 'red' });
  });

  const addresses = fc.uniqueArray(fc.tuple(fc.constantFrom('A', 'B', 'C', 'AA'), fc.integer({ min: 1, max: 30 })).map(([c, r]) => `${c}${r}`), { maxLength: 8 });
  const extraKey = fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !(CELL_FIELDS as readonly string[]).includes(k) && k !== '__proto__');
  const json = fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.parse(JSON.stringify(v)));
  const cellDoc = (at: string) =>
    fc.record({
      formula: fc.constantFrom('1', '', 'A1 + 1', '[[1, 2]]', 'bogus(', 'sum(x)'),
      note: fc.option(fc.constantFrom('', 'n', 'ünïcode'), { nil: undefined }),
      extra: fc.option(fc.dictionary(extraKey, json, { minKeys: 1, maxKeys: 3 }), { nil: undefined }),
      value: fc.option(fc.constantFrom(2, [[1, -0.5]]), { nil: undefined }),
    }).map((r): CellDoc => {
      const cd: CellDoc = { at, formula: r.formula };
      if (r.note !== undefined) cd.note = r.note;
      if (r.extra) cd.extra = r.extra;
      if (r.value !== undefined && r.formula !== '') cd.value = r.value;
      return cd;
    });
  const docs = addresses.chain((ats) =>
    fc.record({
      cells: fc.tuple(...ats.map(cellDoc)),
      title: fc.option(fc.constantFrom('', 'T'), { nil: undefined }),
      notes: fc.option(fc.constantFrom('', 'N'), { nil: undefined }),
    }).map((r): SheetDoc => {
      const d: SheetDoc = { gradsheet: 1, cells: r.cells };
      if (r.title !== undefined) d.title = r.title;
      if (r.notes !== undefined) d.notes = r.notes;
      return d;
    }),
  );

  it('property: read → load into the app → save gives the same file', () => {
    fc.assert(
      fc.property(docs, (doc) => {
        // A cell with nothing at all (empty formula, no note, no fields) is not a cell to keep.
        doc.cells = doc.cells.filter((c) => c.formula !== '' || c.note !== undefined || c.extra);
        const text = writeSheet(doc);
        expect(viaApp(text)).toBe(text);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});

describe('autosave off', () => {
  const throwing: StorageLike = {
    getItem: () => null,
    setItem: () => {
      throw new Error('SecurityError');
    },
    removeItem: () => {},
  };

  it('no storage, or storage that refuses every write, means autosave is off; a working one does not', () => {
    expect(autosaveAvailable(null)).toBe(false);
    expect(autosaveAvailable(throwing)).toBe(false);
    const data = new Map<string, string>();
    expect(autosaveAvailable({ getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) })).toBe(true);
    expect(data.size).toBe(0); // the probe leaves nothing behind
    expect(AUTOSAVE_OFF_MESSAGE).toMatch(/Autosave is off.*Save file/);
  });
});
