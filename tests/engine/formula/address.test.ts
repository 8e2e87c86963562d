import { describe, expect, it } from 'vitest';
import { formatRef, isAddress, parseAddress, readA1 } from '../../../src/engine/formula/address';
import { referenceTokens } from '../../../src/engine/formula/rewrite';

describe('readA1', () => {
  it('reads the pins and the position', () => {
    expect(readA1('$B2')).toEqual({ col: 1, row: 1, colPinned: true, rowPinned: false, problem: null });
    expect(readA1('ZZ$9999')).toEqual({ col: 701, row: 9998, colPinned: false, rowPinned: true, problem: null });
  });
  it('says why an address-like token is no cell', () => {
    expect(readA1('AAA1')?.problem).toBe('AAA1 is not a cell: columns end at ZZ');
    expect(readA1('A10000')?.problem).toBe('A10000 is not a cell: rows end at 9999');
    expect(readA1('$A$0')?.problem).toBe('A0 is not a cell: rows are numbered from 1 (no leading 0)');
    expect(readA1('A01')?.problem).toBe('A01 is not a cell: rows are numbered from 1 (no leading 0)');
  });
  it('is null for names', () => {
    for (const s of ['w1', 'x', 'AAAA1', 'A1b', '$', 'A$', '']) expect(readA1(s)).toBeNull();
  });
  it('formatRef writes back what readA1 read', () => {
    for (const s of ['A1', '$A1', 'A$1', '$ZZ$9999', 'AB12']) {
      const r = readA1(s)!;
      expect(formatRef(r.col, r.row, r.colPinned, r.rowPinned)).toBe(s);
    }
  });
  it('isAddress and parseAddress take only plain in-grid addresses', () => {
    expect(isAddress('B2')).toBe(true);
    expect(parseAddress('B2')).toEqual({ col: 1, row: 1 });
    for (const s of ['$B$2', 'B$2', 'A10000', 'AAA1', 'b2']) expect(isAddress(s)).toBe(false);
  });
});

describe('referenceTokens', () => {
  it('leaves out function names and what follows a dot, with or without spaces', () => {
    expect(referenceTokens('relu (x) + W1 . T + sum(A1:B2) + v.T').map((t) => t.text)).toEqual(['x', 'W1', 'A1', 'B2', 'v']);
  });
});
