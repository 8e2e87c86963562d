// writeSheet (src/engine/sheet/write.ts), and reading and writing together.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readSheet, writeSheet, type ReadResult } from '../../src/engine/sheet/format';
import type { CellDoc, SheetDoc } from '../../src/engine/sheet/document';
import { compareAddresses, formatAddress, MAX_COL, MAX_ROW, nameProblem } from '../../src/engine/formula/address';
import { SCALE, readOk } from './helpers';

describe('writeSheet', () => {
  const doc: SheetDoc = {
    gradsheet: 1,
    notes: 'n',
    title: 't',
    cells: [
      { formula: 'grad(f)', at: 'B1' },
      { at: 'A3', formula: '3', note: 'third', name: 'c' },
      { at: 'A10', formula: '10' },
      { at: 'A1', formula: 'param(2, 2)', value: [[1, 0.5], [-2, 1e-300]], name: 'W', extra: { z: 1, a: [1, 2] } },
      { at: 'A2', formula: '0.5', value: 0.25 },
    ],
    extra: { zoom: 2, a: 'first', cells: 'ignored: a known field' },
  };

  it('writeSheet orders keys, sorts cells by column then row, indents by two spaces and ends with a newline', () => {
    expect(writeSheet(doc)).toBe(`{
  "gradsheet": 1,
  "title": "t",
  "notes": "n",
  "cells": [
    {
      "at": "A1",
      "name": "W",
      "formula": "param(2, 2)",
      "value": [
        [1, 0.5],
        [-2, 1e-300]
      ],
      "a": [1, 2],
      "z": 1
    },
    { "at": "A2", "formula": "0.5", "value": 0.25 },
    { "at": "A3", "name": "c", "formula": "3", "note": "third" },
    { "at": "A10", "formula": "10" },
    { "at": "B1", "formula": "grad(f)" }
  ],
  "a": "first",
  "zoom": 2
}
`);
  });

  it('writeSheet omits undefined optional fields', () => {
    const text = writeSheet({ gradsheet: 1, title: undefined, cells: [{ at: 'A1', formula: '1', name: undefined, value: undefined }] });
    expect(text).toBe('{\n  "gradsheet": 1,\n  "cells": [\n    { "at": "A1", "formula": "1" }\n  ]\n}\n');
  });

  it('writeSheet writes an empty sheet with an empty list of cells', () => {
    expect(writeSheet({ gradsheet: 1, cells: [] })).toBe('{\n  "gradsheet": 1,\n  "cells": []\n}\n');
  });

  it('writeSheet keeps -0 and the exact bits of every weight', () => {
    const weights = [[-0, 0.1 + 0.2, Number.MIN_VALUE], [Number.MAX_VALUE, -1 / 3, 5e-324]];
    const back = readOk(writeSheet({ gradsheet: 1, cells: [{ at: 'A1', formula: 'p', value: weights }, { at: 'A2', formula: 'q', value: -0 }] })).doc;
    expect(Object.is((back.cells[0].value as number[][])[0][0], -0)).toBe(true);
    expect(Object.is(back.cells[1].value, -0)).toBe(true);
    expect(back.cells[0].value).toEqual(weights);
  });

  it('writeSheet drops unknown fields named like known ones, which a reader would take as duplicates', () => {
    const text = writeSheet({ gradsheet: 1, cells: [{ at: 'A1', formula: '1', extra: { formula: 'evil', at: 'B2' } }], extra: { gradsheet: 2 } });
    expect(readOk(text).doc).toEqual({ gradsheet: 1, cells: [{ at: 'A1', formula: '1' }] });
  });

  it('writeSheet writes unknown fields as JSON.stringify would: toJSON used, undefined dropped', () => {
    const when = new Date(0);
    const text = writeSheet({ gradsheet: 1, cells: [], extra: { when, gone: undefined, list: [undefined, 1] } });
    const back = readOk(text).doc;
    expect({ ...back.extra }).toEqual({ when: when.toJSON(), list: [null, 1] });
  });

  it('reading then writing a written sheet gives the identical text', () => {
    const text = writeSheet(doc);
    expect(writeSheet(readOk(text).doc)).toBe(text);
  });
});

// --- Properties -------------------------------------------------------------------------------


const KNOWN_TOP = ['gradsheet', 'title', 'notes', 'cells'];
const KNOWN_CELL = ['at', 'name', 'formula', 'value', 'note'];

const addressArb = fc
  .tuple(fc.integer({ min: 0, max: MAX_COL - 1 }), fc.integer({ min: 0, max: MAX_ROW - 1 }))
  .map(([col, row]) => formatAddress(col, row));
const nameArb = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,11}$/).filter((n) => nameProblem(n, () => false) === null);
const finiteArb = fc.double({ noNaN: true, noDefaultInfinity: true });
const matrixArb = fc
  .integer({ min: 1, max: 4 })
  .chain((cols) => fc.array(fc.array(finiteArb, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 4 }));
const textArb = fc.string({ unit: 'binary', maxLength: 30 });
const extraArb = (known: string[]) =>
  fc.dictionary(
    fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', '0', '10')).filter((k) => !known.includes(k)),
    fc.jsonValue({ maxDepth: 3 }),
    { minKeys: 1, maxKeys: 3 },
  );

const cellArb: fc.Arbitrary<CellDoc> = fc.record(
  {
    at: addressArb,
    name: nameArb,
    formula: textArb,
    value: fc.oneof(finiteArb, matrixArb),
    note: textArb,
    extra: extraArb(KNOWN_CELL),
  },
  { requiredKeys: ['at', 'formula'] },
);

/** Names must be unique: later duplicates lose their name. */
function uniqueNames(cells: CellDoc[]): CellDoc[] {
  const seen = new Set<string>();
  return cells.map((cell) => {
    if (cell.name === undefined) return cell;
    if (!seen.has(cell.name)) {
      seen.add(cell.name);
      return cell;
    }
    const { name: _dropped, ...rest } = cell;
    return rest;
  });
}

const sheetArb: fc.Arbitrary<SheetDoc> = fc.record(
  {
    gradsheet: fc.constant(1 as const),
    title: textArb,
    notes: textArb,
    cells: fc.uniqueArray(cellArb, { selector: (cell) => cell.at, maxLength: 8 }).map(uniqueNames),
    extra: extraArb(KNOWN_TOP),
  },
  { requiredKeys: ['gradsheet', 'cells'] },
);

function sorted(doc: SheetDoc): SheetDoc {
  return { ...doc, cells: [...doc.cells].sort((a, b) => compareAddresses(a.at, b.at)) };
}

function neverThrows(input: unknown): ReadResult {
  let result: ReadResult | undefined;
  expect(() => {
    result = readSheet(input as string);
  }).not.toThrow();
  const r = result!;
  if (r.ok) expect(() => writeSheet(r.doc)).not.toThrow();
  else expect(typeof r.error === 'string' && r.error.length > 0).toBe(true);
  return r;
}

describe('readSheet and writeSheet: properties', () => {
  it('readSheet(writeSheet(doc)) gives the doc back, cells sorted, and writing it again gives identical text', () => {
    fc.assert(
      fc.property(sheetArb, (doc) => {
        const text = writeSheet(doc);
        const back = readOk(text);
        expect(back.doc).toEqual(sorted(doc));
        expect(writeSheet(back.doc)).toBe(text);
      }),
      { numRuns: 300 * SCALE },
    );
  });

  it('readSheet never throws on random strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => void neverThrows(s)), { numRuns: 500 * SCALE });
    fc.assert(fc.property(fc.string(), (s) => void neverThrows(s)), { numRuns: 300 * SCALE });
  });

  it('readSheet never throws on random JSON', () => {
    fc.assert(fc.property(fc.json(), (s) => void neverThrows(s)), { numRuns: 500 * SCALE });
  });

  it('readSheet never throws on anything, as JSON or not a string at all', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        neverThrows(v);
        const text = JSON.stringify(v);
        if (typeof text === 'string') neverThrows(text);
      }),
      { numRuns: 300 * SCALE },
    );
  });

  it('readSheet never throws on sheet-shaped JSON with random fields', () => {
    const field = fc.oneof(fc.constantFrom(...KNOWN_TOP, ...KNOWN_CELL, '__proto__'), fc.string({ maxLength: 4 }));
    const valueArb = fc.oneof(fc.jsonValue({ maxDepth: 3 }), addressArb, matrixArb, fc.constant([[1, 2], [3]]));
    const cellish = fc.dictionary(field, valueArb, { maxKeys: 6 });
    const sheetish = fc.record({ gradsheet: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })), cells: fc.array(cellish, { maxLength: 5 }) });
    fc.assert(fc.property(sheetish, (v) => void neverThrows(JSON.stringify(v))), { numRuns: 500 * SCALE });
  });

  it('readSheet never throws on a written sheet with a random edit, and accepts only what writes back', () => {
    const edited = fc.tuple(sheetArb, fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 5 })).map(([doc, at, cut, insert]) => {
      const text = writeSheet(doc);
      const i = at % (text.length + 1);
      return text.slice(0, i) + insert + text.slice(i + cut);
    });
    fc.assert(
      fc.property(edited, (text) => {
        const r = neverThrows(text);
        if (r.ok) expect(readOk(writeSheet(r.doc)).doc).toEqual(sorted(r.doc));
      }),
      { numRuns: 500 * SCALE },
    );
  });
});
