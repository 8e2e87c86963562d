import { describe, expect, it } from 'vitest';
import { nameProblem } from '../../../src/engine/formula/address';
import { insertRef, operandPosition, splitNamedFormula, suggestName } from '../../../src/ui/kernel/edit-text';

describe('splitNamedFormula', () => {
  it('reads `name = formula`', () => {
    expect(splitNamedFormula('x0 = -1')).toEqual({ name: 'x0', formula: '-1' });
    expect(splitNamedFormula('W1 = param(0.01 * randn(2, 100, 1))')).toEqual({ name: 'W1', formula: 'param(0.01 * randn(2, 100, 1))' });
    expect(splitNamedFormula('f=sigmoid(a)')).toEqual({ name: 'f', formula: 'sigmoid(a)' });
  });
  it('leaves comparisons and plain formulas alone', () => {
    expect(splitNamedFormula('x == 1')).toBeNull();
    expect(splitNamedFormula('x <= 1')).toBeNull();
    expect(splitNamedFormula('x != 1')).toBeNull();
    expect(splitNamedFormula('=x + 1')).toBeNull();
    expect(splitNamedFormula('x + 1')).toBeNull();
    expect(splitNamedFormula('3')).toBeNull();
  });
});

describe('operandPosition', () => {
  it('is true after an operator, a parenthesis, a comma or `name =`', () => {
    for (const t of ['=A2 + ', '=', 'sum(', 'max(a, ', 'x = ', '2 *', 'a @ ']) expect(operandPosition(t, t.length)).toBe(true);
  });
  it('is false after an operand, in empty text, or before an operand', () => {
    expect(operandPosition('=A2', 3)).toBe(false);
    expect(operandPosition('', 0)).toBe(false);
    expect(operandPosition('3', 1)).toBe(false);
    expect(operandPosition('x + y', 4)).toBe(false);
  });
});

describe('insertRef', () => {
  it('inserts at the caret, then replaces the pointed reference', () => {
    const a = insertRef('=y * ', 5, 'A4', null);
    expect(a).toEqual({ text: '=y * A4', caret: 7, span: { start: 5, end: 7 } });
    const b = insertRef(a.text, a.caret, 'z', a.span);
    expect(b.text).toBe('=y * z');
  });
});

describe('suggestName', () => {
  const ok = (n: string) => nameProblem(n, (f) => f === 'exp');
  it('offers a close valid name', () => {
    expect(suggestName('1x', ok)).toBe('x1');
    expect(suggestName('my name', ok)).toBe('my_name');
    expect(suggestName('exp', ok)).toBe('exp_');
    expect(ok(suggestName('AB12', ok)!)).toBeNull();
  });
});
