// readSheet: the reader of sheet files (src/engine/sheet/read.ts).
import { describe, it, expect } from 'vitest';
import { readSheet, writeSheet, SHEET_LIMITS, type ReadResult } from '../../src/engine/sheet/format';
import { FORMAT_EXAMPLE, sheetText, readOk, readError, c } from './helpers';

describe('readSheet: the FORMAT.md example', () => {
  it('readSheet reads the FORMAT.md example into its cells, in file order, without warnings', () => {
    const { doc, warnings } = readOk(FORMAT_EXAMPLE);
    expect(warnings).toEqual([]);
    expect(doc.gradsheet).toBe(1);
    expect(doc.title).toBe('Circuit (x + y) * z');
    expect(doc.notes).toBe('Optional text shown with the sheet.');
    expect(doc.cells).toEqual([
      { at: 'A1', name: 'x', formula: '-2' },
      { at: 'A2', name: 'y', formula: '5' },
      { at: 'A3', name: 'z', formula: '-4' },
      { at: 'B1', name: 'q', formula: 'x + y' },
      { at: 'B2', name: 'f', formula: 'q * z' },
      { at: 'C1', formula: 'grad(f)' },
    ]);
    expect(doc.extra).toBeUndefined();
    expect('name' in doc.cells[5]).toBe(false);
  });

  it('writeSheet writes the FORMAT.md example back byte for byte', () => {
    expect(writeSheet(readOk(FORMAT_EXAMPLE).doc)).toBe(FORMAT_EXAMPLE);
  });

  it('readSheet accepts a leading byte-order mark and a formula with a leading =', () => {
    const { doc } = readOk('\uFEFF' + sheetText([c('A1', '=1+2')]));
    expect(doc.cells[0].formula).toBe('=1+2');
  });

  it('readSheet keeps the file order of cells; writeSheet sorts them', () => {
    const { doc } = readOk(sheetText([c('B1'), c('A2'), c('A1')]));
    expect(doc.cells.map((x) => x.at)).toEqual(['B1', 'A2', 'A1']);
  });
});

describe('readSheet: the top level', () => {
  it('readSheet refuses a top level that is not an object', () => {
    expect(readError('[]')).toBe('top level: expected an object with "gradsheet": 1, got an empty list');
    expect(readError('42')).toBe('top level: expected an object with "gradsheet": 1, got a number');
    expect(readError('null')).toBe('top level: expected an object with "gradsheet": 1, got null');
  });

  it('readSheet refuses a file without a format version', () => {
    expect(readError('{"cells": []}')).toBe('gradsheet: missing, expected the format version 1');
  });

  it('readSheet refuses another format version and names it', () => {
    expect(readError('{"gradsheet": 2, "cells": []}')).toBe('gradsheet: expected the format version 1, got 2');
    expect(readError('{"gradsheet": "1", "cells": []}')).toBe('gradsheet: expected the format version 1, got "1"');
    expect(readError('{"gradsheet": 1.5, "cells": []}')).toBe('gradsheet: expected the format version 1, got 1.5');
  });

  it('readSheet refuses missing cells and cells that are not a list', () => {
    expect(readError('{"gradsheet": 1}')).toBe('cells: missing, expected a list of cells');
    expect(readError('{"gradsheet": 1, "cells": {}}')).toBe('cells: expected a list of cells, got an object');
  });

  it('readSheet refuses a title or notes that are not strings', () => {
    expect(readError(sheetText([], { title: 3 }))).toBe('title: expected a string, got a number');
    expect(readError(sheetText([], { notes: null }))).toBe('notes: expected a string, got null');
  });

  it('readSheet accepts an empty list of cells', () => {
    expect(readOk('{"gradsheet": 1, "cells": []}').doc).toEqual({ gradsheet: 1, cells: [] });
  });

  it('readSheet prefixes the error and the warnings with the source', () => {
    expect(readError('{"gradsheet": 2, "cells": []}', { source: 'a.json' })).toBe('a.json: gradsheet: expected the format version 1, got 2');
    expect(readOk(sheetText([], { color: 1 }), { source: 'a.json' }).warnings).toEqual(['a.json: ignoring unknown field color']);
  });
});

describe('readSheet: cells', () => {
  it('readSheet refuses a cell that is not an object and names cells[2]', () => {
    expect(readError(sheetText([c('A1'), c('A2'), 'B1']))).toBe('cells[2]: expected an object, got a string');
  });

  it('readSheet refuses a missing or non-string address', () => {
    expect(readError(sheetText([{ formula: '1' }]))).toBe('cells[0].at: missing, expected an address such as "A1"');
    expect(readError(sheetText([{ at: 1, formula: '1' }]))).toBe('cells[0].at: expected a string, got a number');
  });

  it('readSheet refuses an address that is not A1-style and names cells[4].at', () => {
    const cells = [c('A1'), c('A2'), c('A3'), c('A4'), c('a1')];
    expect(readError(sheetText(cells))).toBe('cells[4].at: "a1" is not an A1-style address (A1 … ZZ9999)');
    for (const bad of ['A0', 'AAA1', 'A10000', ' A1', '']) {
      expect(readError(sheetText([c(bad)]))).toMatch(/^cells\[0\]\.at: .* is not an A1-style address/);
    }
  });

  it('readSheet refuses a duplicate address and names cells[3].at', () => {
    const cells = [c('A1'), c('B1'), c('C1'), c('A1')];
    expect(readError(sheetText(cells))).toBe('cells[3].at: "A1" is used twice (cells[0])');
  });

  it('readSheet refuses a duplicate name and names the earlier cell', () => {
    const cells = [c('A1', '1', { name: 'x' }), c('A2'), c('A3', '2', { name: 'x' })];
    expect(readError(sheetText(cells))).toBe('cells[2].name: "x" is used twice (cells[0])');
  });

  it('readSheet accepts names spelled like cell addresses (SPEC §2: the name wins)', () => {
    const names = (r: ReadResult) => (r.ok ? r.doc.cells.map((x) => x.name ?? null) : r.error);
    expect(names(readSheet(sheetText([c('A1'), c('A2', '1', { name: 'W1' })])))).toEqual([null, 'W1']);
    expect(names(readSheet(sheetText([c('A1', '1', { name: 'ABC1' })])))).toBe('cells[0].name: "ABC1" looks like a cell address beyond the grid (columns A…ZZ, rows 1…9999)');
  });

  it('readSheet refuses a function name as a cell name when told which names are functions', () => {
    const text = sheetText([c('A1', '1', { name: 'sum' })]);
    expect(readError(text, { isFunction: (n) => n === 'sum' })).toBe('cells[0].name: "sum" is a function name');
    expect(readOk(text).doc.cells[0].name).toBe('sum');
  });

  it('readSheet refuses a name that is not an identifier, not a string, or too long', () => {
    expect(readError(sheetText([c('A1', '1', { name: '1x' })]))).toMatch(/^cells\[0\]\.name: "1x" is not an identifier/);
    expect(readError(sheetText([c('A1', '1', { name: 7 })]))).toBe('cells[0].name: expected a string, got a number');
    expect(readError(sheetText([c('A1', '1', { name: 'x'.repeat(5000) })]))).toMatch(/^cells\[0\]\.name: "x{40}"… is longer than 64 characters$/);
  });

  it('readSheet refuses a missing formula or a formula that is not a string', () => {
    expect(readError(sheetText([{ at: 'A1' }]))).toBe('cells[0].formula: missing, every cell has a formula');
    expect(readError(sheetText([{ at: 'A1', formula: 3 }]))).toBe('cells[0].formula: expected a string, got a number');
  });

  it('readSheet refuses a note that is not a string', () => {
    expect(readError(sheetText([c('A1', '1', { note: ['x'] })]))).toBe('cells[0].note: expected a string, got a list');
  });
});

describe('readSheet: parameter values', () => {
  const withValue = (value: unknown) => sheetText([c('A1'), c('A2', '1', { value })]);

  it('readSheet reads a number and a matrix given as a list of rows', () => {
    expect(readOk(withValue(0.5)).doc.cells[1].value).toBe(0.5);
    expect(readOk(withValue([[1, 2], [3, 4]])).doc.cells[1].value).toEqual([[1, 2], [3, 4]]);
    expect(readOk(withValue([[1, 2, 3]])).doc.cells[1].value).toEqual([[1, 2, 3]]);
  });

  it('readSheet refuses a ragged matrix: row 2 has 3 entries, row 1 has 2', () => {
    expect(readError(withValue([[1, 2], [3, 4, 5]]))).toBe('cells[1].value: row 2 has 3 entries, row 1 has 2');
    expect(readError(withValue([[1, 2], [3]]))).toBe('cells[1].value: row 2 has 1 entry, row 1 has 2');
  });

  it('readSheet refuses an empty matrix and an empty row', () => {
    expect(readError(withValue([]))).toBe('cells[1].value: expected a non-empty list of rows, got an empty list');
    expect(readError(withValue([[]]))).toBe('cells[1].value: row 1 is empty');
  });

  it('readSheet refuses a flat list and says how to write a row', () => {
    expect(readError(withValue([1, 2, 3]))).toBe('cells[1].value[0]: expected a row (a list of numbers), got a number (write a single row as [[1, 2, 3]])');
    expect(readError(withValue([[1], 2]))).toBe('cells[1].value[1]: expected a row (a list of numbers), got a number');
  });

  it('readSheet refuses values that are not finite numbers and names the entry', () => {
    expect(readError(withValue('0.5'))).toBe('cells[1].value: expected a number or a list of rows of numbers, got a string');
    expect(readError(withValue(null))).toBe('cells[1].value: expected a number or a list of rows of numbers, got null');
    expect(readError(withValue([[1, 2], [3, null]]))).toBe('cells[1].value[1][1]: expected a number, got null');
    expect(readError(withValue([[1, [2]]]))).toBe('cells[1].value[0][1]: expected a number, got a list');
    // JSON.parse reads 1e999 as Infinity.
    const huge = '{"gradsheet": 1, "cells": [{"at": "A1", "formula": "1", "value": 1e999}]}';
    expect(readError(huge)).toBe('cells[0].value: expected a finite number, got Infinity');
    const hugeEntry = '{"gradsheet": 1, "cells": [{"at": "A1", "formula": "1", "value": [[1, -1e999]]}]}';
    expect(readError(hugeEntry)).toBe('cells[0].value[0][1]: expected a finite number, got -Infinity');
  });
});

describe('readSheet: size bounds', () => {
  it('SHEET_LIMITS are the bounds of the format', () => {
    expect(SHEET_LIMITS.fileBytes).toBe(64 * 1024 * 1024);
    expect(SHEET_LIMITS.cells).toBe(200_000);
    expect(SHEET_LIMITS.formulaChars).toBe(100_000);
    expect(SHEET_LIMITS.valueEntries).toBe(2 ** 25);
    expect(SHEET_LIMITS.textBytes).toBe(1024 * 1024);
  });

  it('readSheet refuses text over 64 MiB before parsing it', () => {
    const text = ' '.repeat(64 * 1024 * 1024 + 1);
    expect(readError(text)).toBe('the file is larger than the limit of 64 MiB');
  });

  it('readSheet counts the file size in UTF-8 bytes', () => {
    const text = sheetText([], { title: 'é'.repeat(100) }); // 100 characters, 200 bytes
    const limit = text.length + 50;
    expect(readError(text, { limits: { fileBytes: limit } })).toBe(`the file is larger than the limit of ${limit} bytes`);
    expect(readOk(text, { limits: { fileBytes: limit + 100 } }).doc.title).toHaveLength(100);
  });

  it('readSheet refuses 200,001 cells and accepts 200,000 by the count alone', () => {
    // The count is checked before any cell, so cheap placeholders suffice for the refusal.
    const over = `{"gradsheet": 1, "cells": [${'0,'.repeat(200_000)}0]}`;
    expect(readError(over)).toBe('cells: 200,001 cells, more than the limit of 200,000');
    expect(readError(sheetText([c('A1'), c('A2'), c('A3')]), { limits: { cells: 2 } })).toBe('cells: 3 cells, more than the limit of 2');
    expect(readOk(sheetText([c('A1'), c('A2')]), { limits: { cells: 2 } }).doc.cells).toHaveLength(2);
  });

  it('readSheet refuses a formula over 100,000 characters', () => {
    expect(readError(sheetText([c('A1', 'x'.repeat(100_001))]))).toBe('cells[0].formula: 100,001 characters, more than the limit of 100,000');
    expect(readOk(sheetText([c('A1', 'x'.repeat(100_000))])).doc.cells[0].formula).toHaveLength(100_000);
  });

  it('readSheet refuses a value over 2^25 entries from its shape, before reading the entries', () => {
    // 4097 rows × 8192 columns = 2^25 + 8192 entries; only the first row needs its width.
    const text = `{"gradsheet": 1, "cells": [{"at": "A1", "formula": "1", "value": [[${'0,'.repeat(8191)}0]${',0'.repeat(4096)}]}]}`;
    expect(readError(text)).toBe('cells[0].value: 33,562,624 entries, more than the limit of 33,554,432');
    expect(readError(sheetText([c('A1', '1', { value: [[1, 2], [3, 4]] })]), { limits: { valueEntries: 3 } })).toBe(
      'cells[0].value: 4 entries, more than the limit of 3',
    );
  });

  it('readSheet refuses a title, notes or note over 1 MiB', () => {
    expect(readError(sheetText([], { title: 'x'.repeat(1024 * 1024 + 1) }))).toBe('title: longer than the limit of 1 MiB');
    expect(readOk(sheetText([], { title: 'x'.repeat(1024 * 1024) })).doc.title).toHaveLength(1024 * 1024);
    const limits = { textBytes: 10 };
    expect(readError(sheetText([], { notes: 'ü'.repeat(6) }), { limits })).toBe('notes: longer than the limit of 10 bytes');
    expect(readError(sheetText([c('A1', '1', { note: 'x'.repeat(11) })]), { limits })).toBe('cells[0].note: longer than the limit of 10 bytes');
    expect(readOk(sheetText([c('A1', '1', { note: 'ü'.repeat(5) })]), { limits }).doc.cells[0].note).toBe('ü'.repeat(5));
  });

  it('readSheet refuses unknown fields nested deeper than the limit, so that writing them back cannot overflow', () => {
    const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(readError(`{"gradsheet": 1, "cells": [], "view": ${deep(513)}}`)).toBe('view: nested more than 512 levels deep');
    const ok = readOk(`{"gradsheet": 1, "cells": [], "view": ${deep(512)}}`);
    expect(readOk(writeSheet(ok.doc)).doc).toEqual(ok.doc);
    expect(readError(sheetText([{ at: 'A1', formula: '1', view: { a: { b: 1 } } }]), { limits: { extraDepth: 1 } })).toBe(
      'cells[0].view: nested more than 1 levels deep',
    );
  });

  it('readSheet does not throw on very deep nesting, valid or not', () => {
    const n = 200_000;
    expect(readError('['.repeat(n) + ']'.repeat(n))).toMatch(/^top level: expected an object/);
    expect(readError('['.repeat(n))).toMatch(/^not valid JSON at line 1, column 200001: expected a value, found the end of the text/);
    expect(readError(`{"gradsheet": 1, "cells": [], "x": ${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`)).toBe('x: nested more than 512 levels deep');
  });
});

describe('readSheet: prototype safety', () => {
  const POLLUTING = `{
  "gradsheet": 1,
  "__proto__": { "polluted": 1 },
  "constructor": { "prototype": { "polluted": 2 } },
  "cells": [
    { "at": "A1", "formula": "1", "__proto__": { "polluted": 3 }, "prototype": 4, "toString": 5 }
  ]
}
`;

  it('readSheet keeps __proto__, constructor and prototype keys as data and pollutes no prototype', () => {
    const { doc, warnings } = readOk(POLLUTING);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(doc.cells[0])).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(doc.extra, '__proto__')?.value).toEqual({ polluted: 1 });
    expect(Object.getOwnPropertyDescriptor(doc.extra, 'constructor')?.value).toEqual({ prototype: { polluted: 2 } });
    const cellExtra = doc.cells[0].extra!;
    expect(Object.getOwnPropertyDescriptor(cellExtra, '__proto__')?.value).toEqual({ polluted: 3 });
    expect(Object.keys(cellExtra).sort()).toEqual(['__proto__', 'prototype', 'toString']);
    expect(doc.cells[0]).not.toHaveProperty('polluted');
    expect(warnings).toContain('ignoring unknown field __proto__');
    expect(warnings).toContain('ignoring unknown field cells[0].__proto__');
  });

  it('writeSheet writes __proto__ keys back, and the text round-trips', () => {
    const text = writeSheet(readOk(POLLUTING).doc);
    expect(text).toContain('"__proto__": { "polluted": 1 }');
    expect(text).toContain('"__proto__": { "polluted": 3 }');
    expect(writeSheet(readOk(text).doc)).toBe(text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('readSheet is not confused by a key named like a known field on Object.prototype', () => {
    // "hasOwnProperty" as data must not shadow the checks the reader makes.
    const { doc } = readOk('{"gradsheet": 1, "hasOwnProperty": 1, "cells": [{"at": "A1", "formula": "1", "hasOwnProperty": 2}]}');
    expect(doc.cells[0].extra?.hasOwnProperty).toBe(2);
  });
});

describe('readSheet: unknown fields', () => {
  it('readSheet keeps unknown fields of the sheet and of cells and reports each once per level', () => {
    const cells = [c('A1', '1', { color: 'red' }), c('A2', '1', { color: 'blue', width: 3 }), c('A3', '1', { color: 'x' })];
    const { doc, warnings } = readOk(sheetText(cells, { color: 'green', view: { zoom: 2 } }));
    expect(warnings).toEqual([
      'ignoring unknown field color',
      'ignoring unknown field view',
      'ignoring unknown field cells[0].color',
      'ignoring unknown field cells[1].width',
    ]);
    expect({ ...doc.extra }).toEqual({ color: 'green', view: { zoom: 2 } });
    expect({ ...doc.cells[1].extra }).toEqual({ color: 'blue', width: 3 });
    expect(doc.cells.map((x) => x.extra?.color)).toEqual(['red', 'blue', 'x']);
  });

  it('readSheet names unknown fields that are not identifiers with brackets', () => {
    const { warnings } = readOk(sheetText([c('A1', '1', { 'my color': 1 })], { '1': 2 }));
    expect(warnings).toEqual(['ignoring unknown field ["1"]', 'ignoring unknown field cells[0]["my color"]']);
  });

  it('readSheet caps the warnings and sums up the rest', () => {
    const more: Record<string, number> = {};
    for (let i = 0; i < 60; i++) more[`f${i}`] = i;
    const { doc, warnings } = readOk(sheetText([], more));
    expect(warnings).toHaveLength(51);
    expect(warnings[50]).toBe('ignoring 10 more unknown fields');
    expect(Object.keys(doc.extra!)).toHaveLength(60);
  });
});

describe('readSheet: unknown fields', () => {
  it('refuses an unknown field holding a number JSON cannot write back (1e999), naming the field', () => {
    const r = readSheet('{"gradsheet": 1, "cells": [], "view": {"zoom": [1, 1e999]}}');
    expect(r).toEqual({ ok: false, error: 'view: holds a number out of range (JSON cannot write it back)' });
    const ok = readSheet('{"gradsheet": 1, "cells": [], "view": {"zoom": [1, 2.5]}}');
    expect(ok.ok && writeSheet(ok.doc)).toContain('"view"');
  });
});
