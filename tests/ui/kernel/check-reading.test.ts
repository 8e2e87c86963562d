// How a check cell reads in the grid, the inspector and its accessible name: the verdict,
// the relative error, the CS231n reading, and ⚠ with the kink sentence when numgrad
// straddled a kink (not ✗: the derivation is not shown to be wrong).
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../src/engine/engine';
import { cellAriaLabel, checkReading, checkText } from '../../../src/ui/kernel/cell-text';

function sheet(x: string) {
  const e = createEngine();
  e.batch(() => {
    e.setCell('A1', x);
    e.setCell('B1', 'relu(A1) + 0.5 * A1');
    e.setCell('C1', 'check(grad(B1, A1), numgrad(B1, A1))');
    e.setCell('C2', 'numgrad(B1, A1)');
  });
  return e;
}

describe('check cells read with the CS231n reading', () => {
  it('at a kink: ⚠ in the grid, the kink sentence in the inspector and the accessible name', () => {
    const e = sheet('0');
    const c = e.get('C1')!;
    expect(checkText(c, true)).toBe('⚠ 0.5 kink');
    expect(checkText(c)).toBe('⚠ rel err 0.5');
    expect(checkReading(c)).toBe('finite difference straddles a kink of relu in B1: numgrad is not reliable here');
    expect(cellAriaLabel('C1', c)).toContain('check fails, relative error 0.5, finite difference straddles a kink of relu in B1');
    expect(cellAriaLabel('C2', e.get('C2')!)).toContain('finite difference straddles a kink of relu in B1');
  });

  it('away from it: ✓ and "good"', () => {
    const c = sheet('0.3').get('C1')!;
    expect(checkText(c, true)).toMatch(/^✓ /);
    expect(checkReading(c)).toBe('good (≤ 1e-7)');
    expect(cellAriaLabel('C1', c)).toMatch(/check passes, relative error .*, good/);
  });

  it('a wrong derivation reads ✗ and wrong', () => {
    const e = sheet('0.3');
    e.setCell('C1', 'check(0.9, numgrad(B1, A1))');
    const c = e.get('C1')!;
    expect(checkText(c, true)).toMatch(/^✗ /);
    expect(checkReading(c)).toMatch(/^wrong/);
  });
});
