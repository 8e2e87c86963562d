// CSV → matrix for data cells: delimiters, headers, quotes, line endings, and errors that name
// the line and column. Property: any finite matrix written as CSV parses back bit for bit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CsvResult, parseCsv, toCsv } from '../../../src/engine/data/csv';
import { Matrix } from '../../../src/engine/tensor/value';

function ok(r: CsvResult): Extract<CsvResult, { ok: true }> {
  if (!r.ok) throw new Error(r.message);
  return r;
}

const rows = (r: CsvResult) => ok(r).matrix.toRows();

describe('parseCsv', () => {
  it('reads comma, semicolon and tab separated numbers', () => {
    expect(rows(parseCsv('1,2,3\n4,5,6\n'))).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(ok(parseCsv('1;2\n3;4')).delimiter).toBe(';');
    expect(rows(parseCsv('1;2\n3;4'))).toEqual([[1, 2], [3, 4]]);
    expect(ok(parseCsv('1\t2\n3\t4')).delimiter).toBe('\t');
    expect(rows(parseCsv('1\t2\n3\t4'))).toEqual([[1, 2], [3, 4]]);
  });

  it('one number per line is a column; spaces around fields, CRLF, a BOM and blank lines are fine', () => {
    expect(rows(parseCsv('\uFEFF1\r\n2\r\n\r\n3\r\n'))).toEqual([[1], [2], [3]]);
    expect(rows(parseCsv(' 1 , -2.5e-3 ,+.5\n\n3,4,5 \n'))).toEqual([[1, -0.0025, 0.5], [3, 4, 5]]);
    expect(rows(parseCsv('1,2\r3,4'))).toEqual([[1, 2], [3, 4]]);
  });

  it('the delimiter is the first non-blank record’s: a single column stays one column whatever comes later', () => {
    expect(ok(parseCsv('\n\n1;2\n3;4\n')).delimiter).toBe(';');
    expect(parseCsv('1\n2\n3;4\n')).toMatchObject({ ok: false, line: 3, column: 1, message: 'line 3, column 1: "3;4" is not a number' });
  });

  it('a first row with a non-numeric field is a header, kept aside', () => {
    const r = ok(parseCsv('x,y,label\n0.5,1,0\n-1,2,1\n'));
    expect(r.header).toEqual(['x', 'y', 'label']);
    expect(r.matrix.toRows()).toEqual([[0.5, 1, 0], [-1, 2, 1]]);
    expect(ok(parseCsv('1,2\n3,4')).header).toBeNull();
  });

  it('quoted fields: numbers in quotes, delimiters, doubled quotes and line breaks inside a header', () => {
    const r = ok(parseCsv('"a, b";"say ""hi""";"two\nlines"\n"1,5";"2";3\n'));
    expect(r.header).toEqual(['a, b', 'say "hi"', 'two\nlines']);
    expect(r.matrix.toRows()).toEqual([[1.5, 2, 3]]);
  });

  it('with semicolons a decimal comma reads as a decimal point; with commas it does not exist', () => {
    expect(rows(parseCsv('1,5;2,25\n-3,0;4'))).toEqual([[1.5, 2.25], [-3, 4]]);
  });

  it.each([
    ['1,2\n3,x\n', 'line 2, column 2: "x" is not a number', 2, 2],
    ['a,b\n1,2\n3,4,5\n', 'line 3, column 3: 3 fields, but line 1 has 2 (every row needs the same number)', 3, 3],
    ['1,2\n3\n', 'line 2, column 2: 1 fields, but line 1 has 2 (every row needs the same number)', 2, 2],
    ['1,,3\n', 'line 1, column 2: an empty field', 1, 2],
    ['1,2\n"3,4\n', 'line 2, column 1: a quoted field is never closed', 2, 1],
    ['1,"2"x\n', 'line 1, column 2: unexpected text after a closing quote: "x\\n"', 1, 2],
    ['1,1e400\n', 'line 1, column 2: "1e400" is not a number (out of range)', 1, 2],
    ['1,2\n3,NaN\n', 'line 2, column 2: "NaN" is not a number', 2, 2],
    ['1,2\n0x10,3\n', 'line 2, column 1: "0x10" is not a number', 2, 1],
    ['x,y\n', 'line 1, column 1: only a header row, no numbers', 1, 1],
    ['', 'line 1, column 1: no numbers', 1, 1],
    ['"a\nb",c\n1,2\n3,oops\n', 'line 4, column 2: "oops" is not a number', 4, 2],
  ])('%j → %s', (text, message, line, column) => {
    const r = parseCsv(text);
    expect(r).toEqual({ ok: false, message, line, column });
  });

  it('refuses more numbers than the limit, naming the line where it went over', () => {
    const r = parseCsv('1,2\n3,4\n5,6\n', { maxEntries: 5 });
    expect(r).toMatchObject({ ok: false, line: 3, message: 'line 3, column 1: too large: more than 5 numbers (the limit)' });
  });

  it('reads a 10,000-line file (rows counted, last row right)', () => {
    const text = Array.from({ length: 10_000 }, (_, i) => `${i},${i / 2}`).join('\n');
    const m = ok(parseCsv(text)).matrix;
    expect([m.rows, m.cols]).toEqual([10_000, 2]);
    expect([m.get(9999, 0), m.get(9999, 1)]).toEqual([9999, 4999.5]);
  });
});

describe('toCsv → parseCsv', () => {
  it('any finite matrix written as CSV (comma, semicolon, tab) parses back bit for bit, −0 included', () => {
    const matrix = fc
      .tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }))
      .chain(([r, c]) => fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: r * c, maxLength: r * c }).map((d) => new Matrix(r, c, Float64Array.from(d))));
    fc.assert(
      fc.property(matrix, fc.constantFrom(',', ';', '\t') as fc.Arbitrary<',' | ';' | '\t'>, (m, d) => {
        const r = ok(parseCsv(toCsv(m, d)));
        expect([r.matrix.rows, r.matrix.cols]).toEqual([m.rows, m.cols]);
        for (let i = 0; i < m.data.length; i++) expect(Object.is(r.matrix.data[i], m.data[i])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
