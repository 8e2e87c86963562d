// Fuzzing the file reader: random bytes and random JSON never crash it, and every refusal is
// one clear line that starts with where the problem is (a JSON path, or "not valid JSON at
// line …"), never a stack trace and never the file name twice.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSheet, writeSheet } from '../../src/engine/sheet/format';

const SCALE = Math.max(1, Number(process.env.GRADSHEET_FC_SCALE) || 1);

/** A refusal names a place: a JSON path (`cells[3].at:`, `top level:`) or a position in the text. */
const PLACED = /^f\.json: (not valid JSON( at line \d+, column \d+)?:|the file is larger|top level:|[A-Za-z_$][\w$]*(\[\d+\]|\.[\w$]+|\["[^"]*"\]…?)*:|\["[^"]*"\]…?(\[\d+\]|\.[\w$]+)*:)/;

function expectClear(text: string): void {
  const r = readSheet(text, { source: 'f.json' });
  if (r.ok) return;
  expect(r.error).toMatch(PLACED);
  expect(r.error.split('f.json').length - 1).toBe(1);
  expect(r.error).not.toMatch(/\n\s+at /);
  expect(r.error.length).toBeLessThan(600);
}

const base = writeSheet({ gradsheet: 1, title: 't', cells: [{ at: 'A1', name: 'x', formula: '1' }, { at: 'A2', formula: 'x * 2', value: [[1, 2]] }] });

describe('fuzz: the file reader', () => {
  it('random bytes: never throws, a clear message with a place', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => expectClear(new TextDecoder().decode(bytes))), { numRuns: 1000 * SCALE, seed: 1 });
  });

  it('random JSON: never throws, a clear message with a path', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => expectClear(JSON.stringify(v))), { numRuns: 1000 * SCALE, seed: 2 });
  });

  it('sheet-shaped JSON with random cells and fields: never throws, a clear message with a path', () => {
    const cell = fc.dictionary(fc.constantFrom('at', 'name', 'formula', 'value', 'note', 'x', '__proto__', 'at '), fc.jsonValue({ maxDepth: 2 }));
    fc.assert(
      fc.property(fc.array(cell, { maxLength: 5 }), fc.dictionary(fc.constantFrom('title', 'notes', 'gradsheet', 'extra'), fc.jsonValue({ maxDepth: 2 })), (cells, top) =>
        expectClear(JSON.stringify({ gradsheet: 1, ...top, cells })),
      ),
      { numRuns: 1000 * SCALE, seed: 3 },
    );
  });

  it('a written sheet with one character changed, inserted or deleted: never throws, a clear message with a place', () => {
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.constantFrom('del', 'ins', 'set'), fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }), (i, how, ch) => {
        const text = how === 'del' ? base.slice(0, i) + base.slice(i + 1) : how === 'ins' ? base.slice(0, i) + ch + base.slice(i) : base.slice(0, i) + ch + base.slice(i + 1);
        expectClear(text);
      }),
      { numRuns: 1000 * SCALE, seed: 4 },
    );
  });

  it('a duplicated key anywhere in a written sheet is refused at its path', () => {
    const r = readSheet(base.replace('"formula": "1"', '"formula": "1", "formula": "2"'), { source: 'f.json' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^f\.json: cells\[0\]\.formula: /);
  });
});
