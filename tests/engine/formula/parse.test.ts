// The formula language (SPEC §2): precedence and associativity, .T, ranges, matrix literals,
// comparisons, a leading `=`, pinned `$A$1` addresses, parse errors with positions, the
// messages for unknown functions and names, and the text rewrites of rewrite.ts.
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/engine/errors';
import { type Expr, collectRefs, parseFormula } from '../../../src/engine/formula/parse';
import { referenceTokens, renameInFormula, shiftRefs } from '../../../src/engine/formula/rewrite';
import { isAddress, nameProblem, parseAddress, formatAddress, colToLetters, lettersToCol } from '../../../src/engine/formula/address';
import { errorOf, sheet, toPlain, valueOf } from '../helpers';

/** An Expr as a compact S-expression: add(1, mul(x, 2)), A1:B2, [[1, 2]]. */
function show(e: Expr): string {
  switch (e.k) {
    case 'num':
      return String(e.v);
    case 'ref':
      return e.name;
    case 'range':
      return `${e.from}:${e.to}`;
    case 'call':
      return `${e.fn}(${e.args.map(show).join(', ')})`;
    case 'matrix':
      return `[${e.rows.map((r) => `[${r.map(show).join(', ')}]`).join(', ')}]`;
    case 'slot':
      return `$${e.slot}`;
  }
}

const p = (src: string) => show(parseFormula(src));

function parseError(src: string): ParseError {
  try {
    parseFormula(src);
  } catch (e) {
    if (e instanceof ParseError) return e;
    throw new Error(`${JSON.stringify(src)} threw ${String(e)}, not a ParseError`);
  }
  throw new Error(`${JSON.stringify(src)} parsed`);
}

describe('precedence and associativity', () => {
  it.each([
    ['1 + 2 * 3', 'add(1, mul(2, 3))'],
    ['(1 + 2) * 3', 'mul(add(1, 2), 3)'],
    ['1 - 2 - 3', 'sub(sub(1, 2), 3)'],
    ['8 / 4 / 2', 'div(div(8, 4), 2)'],
    ['2 ^ 3 ^ 2', 'pow(2, pow(3, 2))'],
    ['2 ** 3 ** 2', 'pow(2, pow(3, 2))'],
    ['2 * x ^ 2', 'mul(2, pow(x, 2))'],
    ['x ^ 2 * 3', 'mul(pow(x, 2), 3)'],
    ['-x ^ 2', 'neg(pow(x, 2))'],
    ['-x ** 2', 'neg(pow(x, 2))'],
    ['(-x) ^ 2', 'pow(neg(x), 2)'],
    ['--x ^ 2', 'pow(x, 2)'],
    ['-2 ^ 2', 'neg(pow(2, 2))'],
    ['x ^ -1', 'pow(x, -1)'],
    ['x ^ -y ^ 2', 'pow(x, neg(pow(y, 2)))'],
    ['exp(-x ^ 2)', 'exp(neg(pow(x, 2)))'],
    ['-x * y', 'mul(neg(x), y)'],
    ['+x', 'x'],
    ['-3', '-3'],
    ['a @ b + c', 'add(matmul(a, b), c)'],
    ['a * b @ c', 'matmul(mul(a, b), c)'],
    ['a @ b @ c', 'matmul(matmul(a, b), c)'],
    ['a @ b ^ 2', 'matmul(a, pow(b, 2))'],
    ['a + b < c * d', 'lt(add(a, b), mul(c, d))'],
    ['a < b == c', 'eq(lt(a, b), c)'],
  ])('%s parses as %s', (src, tree) => {
    expect(p(src)).toBe(tree);
  });

  it('the engine agrees: -x^2 = −9, (-x)^2 = 9, 2^3^2 = 512, 1-2-3 = −4, 2*3^2 = 18', () => {
    const e = sheet({ A1: '3', B1: '-A1^2', B2: '(-A1)^2', B3: '2^3^2', B4: '1-2-3', B5: '2*3^2', B6: '8/4/2', B7: '[[1, 2]] @ [[3], [4]] * 2' });
    expect(['B1', 'B2', 'B3', 'B4', 'B5', 'B6', 'B7'].map((a) => valueOf(e, a))).toEqual([-9, 9, 512, -4, 18, 1, 22]);
  });
});

describe('numbers', () => {
  it.each([
    ['3', 3],
    ['-2.5e-3', -0.0025],
    ['.5', 0.5],
    ['1E2', 100],
    ['1e+2', 100],
    ['0.1', 0.1],
  ])('%s is the number %d', (src, v) => {
    expect(parseFormula(src)).toMatchObject({ k: 'num', v });
  });

  it('a literal that overflows to Infinity is a parse error', () => {
    expect(parseError('1e999').message).toContain('1e999');
  });
});

describe('.T and transpose', () => {
  it.each([
    ['x.T', 'transpose(x)'],
    ['x.T.T', 'transpose(transpose(x))'],
    ['(a @ b).T', 'transpose(matmul(a, b))'],
    ['x.T ^ 2', 'pow(transpose(x), 2)'],
    ['-x.T', 'neg(transpose(x))'],
    ['A1:B2.T', 'transpose(A1:B2)'],
    ['transpose(x)', 'transpose(x)'],
    ['[[1, 2]].T', 'transpose([[1, 2]])'],
  ])('%s parses as %s', (src, tree) => {
    expect(p(src)).toBe(tree);
  });

  it.each(['x.y', 'x.T.y', 'x[0]', 'x.T()', 'x.1'])('%s is a parse error (only .T may follow a value)', (src) => {
    expect(parseError(src)).toBeInstanceOf(ParseError);
  });

  it('x.T of a 1×3 row is a 3×1 column in the engine', () => {
    const e = sheet({ A1: '[1, 2, 3]', B1: 'A1.T', B2: '[[1, 2], [3, 4]].T' });
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[1], [2], [3]]);
    expect(toPlain(valueOf(e, 'B2'))).toEqual([[1, 3], [2, 4]]);
  });
});

describe('ranges and addresses', () => {
  it.each([
    ['A1:C2', 'A1:C2'],
    ['sum(A1:B2)', 'sum(A1:B2)'],
    ['A1:B2 + 1', 'add(A1:B2, 1)'],
    ['A1:B2 ^ 2', 'pow(A1:B2, 2)'],
    ['$A$1:B$2', 'A1:B2'],
    ['$A$1', 'A1'],
    ['$A1 + A$1', 'add(A1, A1)'],
    ['ZZ9999', 'ZZ9999'],
  ])('%s parses as %s', (src, tree) => {
    expect(p(src)).toBe(tree);
  });

  it.each(['x:y', 'A1:', 'A1:b2', '1:2', 'A1:B2:C3'])('%s is a parse error naming what a range is', (src) => {
    expect(parseError(src)).toBeInstanceOf(ParseError);
  });

  it('$ only pins addresses: $x is a (missing) name, not x', () => {
    expect(p('$x')).toBe('$x');
  });

  it('addresses run A1…ZZ9999 and are upper case; lower-case w1 is a name', () => {
    expect(isAddress('A1')).toBe(true);
    expect(isAddress('ZZ9999')).toBe(true);
    expect(isAddress('AAA1')).toBe(false);
    expect(isAddress('A10000')).toBe(false);
    expect(isAddress('A0')).toBe(false);
    expect(isAddress('w1')).toBe(false);
    expect(parseAddress('AB12')).toEqual({ col: 27, row: 11 });
    expect(formatAddress(701, 9998)).toBe('ZZ9999');
    for (const c of [0, 25, 26, 51, 52, 701]) expect(lettersToCol(colToLetters(c))).toBe(c);
  });

  it('collectRefs lists every name, address and range', () => {
    const r = collectRefs(parseFormula('sum(A1:B2) + x * grad(L, $C$3) + [[y, 1]]'));
    expect(r.refs.sort()).toEqual(['C3', 'L', 'x', 'y']);
    expect(r.ranges).toEqual([{ from: 'A1', to: 'B2' }]);
  });
});

describe('matrix literals', () => {
  it.each([
    ['[[1, 2], [3, 4]]', '[[1, 2], [3, 4]]'],
    ['[1, 2, 3]', '[[1, 2, 3]]'],
    ['[[1], [2]]', '[[1], [2]]'],
    ['[[x, 2 * x], [-1, y]]', '[[x, mul(2, x)], [-1, y]]'],
    ['[[-1, -2]]', '[[-1, -2]]'],
  ])('%s parses as %s', (src, tree) => {
    expect(p(src)).toBe(tree);
  });

  it.each([
    ['[]', 'empty matrix'],
    ['[[1, 2], [3]]', 'row 2'],
    ['[[1, [2]]]', 'two dimensions'],
    ['[1, [2]]', 'mix'],
    ['[[]]', 'empty row'],
    ['[1, , 2]', 'empty entry'],
  ])('%s is a parse error (%s)', (src, msg) => {
    expect(parseError(src).message).toContain(msg);
  });

  it('a matrix literal evaluates with a flat list as a 1×n row; entries may be expressions of scalar cells', () => {
    const e = sheet({ A1: '2', B1: '[1, 2, 3]', B2: '[[A1, A1 * A1], [-1, 0.5]]', B3: '[[B1]]' });
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[1, 2, 3]]);
    expect(toPlain(valueOf(e, 'B2'))).toEqual([[2, 4], [-1, 0.5]]);
    expect(errorOf(e, 'B3')).toMatchObject({ kind: 'SHAPE' });
    expect(errorOf(e, 'B3')!.message).toContain('1×3');
  });

  it('gradients flow through matrix-literal entries back to their cells', () => {
    const e = sheet({ A1: '2', B1: '[[A1, A1 * A1]]', B2: 'sum(B1 * [[10, 100]])', C1: 'grad(B2, A1)' });
    expect(valueOf(e, 'C1')).toBe(10 + 100 * 2 * 2);
  });
});

describe('comparisons', () => {
  it.each([
    ['a < b', 'lt(a, b)'],
    ['a > b', 'gt(a, b)'],
    ['a <= b', 'le(a, b)'],
    ['a >= b', 'ge(a, b)'],
    ['a == b', 'eq(a, b)'],
    ['a != b', 'ne(a, b)'],
  ])('%s parses as %s', (src, tree) => {
    expect(p(src)).toBe(tree);
  });

  it('comparisons are elementwise 0/1 with broadcasting', () => {
    const e = sheet({ A1: '[[1, 2, 3]]', B1: 'A1 < 2', B2: 'A1 >= 2', B3: 'A1 == 2', B4: 'A1 != 2', B5: 'A1 <= [[1], [3]]', B6: '2 > 1' });
    expect(toPlain(valueOf(e, 'B1'))).toEqual([[1, 0, 0]]);
    expect(toPlain(valueOf(e, 'B2'))).toEqual([[0, 1, 1]]);
    expect(toPlain(valueOf(e, 'B3'))).toEqual([[0, 1, 0]]);
    expect(toPlain(valueOf(e, 'B4'))).toEqual([[1, 0, 1]]);
    expect(toPlain(valueOf(e, 'B5'))).toEqual([[1, 0, 0], [1, 1, 1]]);
    expect(valueOf(e, 'B6')).toBe(1);
  });
});

describe('a leading =', () => {
  it.each(['=1 + 2', '= 1 + 2', '  =1 + 2', '1 + 2'])('%s is 1 + 2', (src) => {
    expect(p(src)).toBe('add(1, 2)');
  });

  it('only one leading = is ignored; "=" alone is an empty formula', () => {
    expect(parseError('==1')).toBeInstanceOf(ParseError);
    expect(parseError('=').message).toContain('empty');
  });
});

describe('parse errors carry positions', () => {
  it.each([
    ['1 +* 2', 3],
    ['=1 +* 2', 4],
    ['  =  1 +* 2', 8],
    ['(1 + 2', 6],
    ['1 + 2)', 5],
    ['[[1, 2]', 7],
    ['sum(1,', 6],
    ['x @', 3],
    ['@ 1', 0],
    ['1 & 2', 2],
    ['1 % 2', 2],
    ['!x', 0],
  ])('%s fails at offset %i', (src, pos) => {
    expect(parseError(src).pos).toBe(pos);
  });

  it('the engine shows a #PARSE error with a 1-based character position', () => {
    const e = sheet({ A1: '=1 +* 2' });
    expect(errorOf(e, 'A1')).toMatchObject({ kind: 'PARSE' });
    expect(errorOf(e, 'A1')!.message).toMatch(/at character 5\)$/);
  });

  it.each(['', '   ', 'a ? b : c', 'a, b', '1 2', '"text"', "'x'", 'f(1)(2)', '(1)(2)', '1..2', '#'])('%j is a parse error, not a crash', (src) => {
    expect(parseError(src)).toBeInstanceOf(ParseError);
  });

  it('nesting deeper than the limit is refused up front, with the position where it goes too deep', () => {
    const e = parseError('('.repeat(500) + '1' + ')'.repeat(500));
    expect(e.message).toContain('nested');
    expect(e.pos).toBe(200);
    expect(p('('.repeat(150) + '1' + ')'.repeat(150))).toBe('1');
  });
});

describe('unknown functions and names', () => {
  it('an unknown function is a #NAME error saying so', () => {
    const e = sheet({ A1: 'foo(1)' });
    expect(errorOf(e, 'A1')).toEqual({ kind: 'NAME', message: 'unknown function foo()' });
  });

  it('unknown names are listed; a lower-case address gets a hint', () => {
    const e = sheet({ A1: 'bar + 1', A2: 'p + q + p', A3: 'a1 + 1' });
    expect(errorOf(e, 'A1')).toEqual({ kind: 'NAME', message: 'unknown name bar (at character 1)' });
    expect(errorOf(e, 'A2')!.message).toBe('unknown names p, q (at character 1)');
    expect(errorOf(sheet({ A1: '2 * (zz + foo)' }), 'A1')!.message).toBe('unknown names zz, foo (at character 6)');
    expect(errorOf(e, 'A3')!.message).toContain('addresses are upper case: A1');
  });

  it('a function used as a value, or called with the wrong number of arguments, is an error that says how to call it', () => {
    const e = sheet({ A1: 'sum + 1', A2: 'sum(1, 0, 1)', A3: 'exp()', A4: 'grad(1)', A5: 'grad(A1, exp)' });
    expect(errorOf(e, 'A1')!.message).toContain('sum(');
    expect(errorOf(e, 'A2')).toMatchObject({ kind: 'ARG' });
    expect(errorOf(e, 'A2')!.message).toContain('got 3');
    expect(errorOf(e, 'A3')!.message).toContain('got 0');
    expect(errorOf(e, 'A4')).toMatchObject({ kind: 'ARG' });
    expect(errorOf(e, 'A5')).toMatchObject({ kind: 'ARG' });
  });
});

describe('rewrite.ts', () => {
  it('renameInFormula renames references, not function calls, .T or longer identifiers', () => {
    expect(renameInFormula('x.T + sum(x) + x(1) + xx + x1 + x_', 'x', 'y')).toBe('y.T + sum(y) + x(1) + xx + x1 + x_');
    expect(renameInFormula('T.T', 'T', 'U')).toBe('U.T');
    expect(renameInFormula('grad(L, x) + numgrad(L, x)', 'L', 'loss')).toBe('grad(loss, x) + numgrad(loss, x)');
    expect(renameInFormula('  x*x  ', 'x', 'w')).toBe('  w*w  ');
    expect(renameInFormula('1e5 + e', 'e', 'f')).toBe('1e5 + f');
    expect(renameInFormula('2.5E-3*E', 'E', 'F')).toBe('2.5E-3*F');
    expect(renameInFormula('sum', 'sum', 'other')).toBe('other'); // a bare identifier is a reference
  });

  it('renameInFormula keeps the formula text when the name is absent', () => {
    const src = '[[1, 2]] @ W.T';
    expect(renameInFormula(src, 'x', 'y')).toBe(src);
  });

  it('shiftRefs moves relative references, keeps $-pinned parts, and leaves names alone', () => {
    expect(shiftRefs('$A$1 + A$1 + $A1 + A1', 1, 1)).toBe('$A$1 + B$1 + $A2 + B2');
    expect(shiftRefs('sum(A1:B2) * w1 + x.T', 2, 3)).toBe('sum(C4:D5) * w1 + x.T');
    expect(shiftRefs('Z1 + 1e5', 1, 0)).toBe('AA1 + 1e5');
    expect(shiftRefs('AA1', -1, 0)).toBe('Z1');
  });

  it('shiftRefs turns references pushed off the grid into a reference error', () => {
    const [first, second] = shiftRefs('A1 + B1', -1, 0).split(' + ');
    expect(isAddress(first)).toBe(false);
    expect(second).toBe('A1');
    for (const [src, dc, dr] of [['ZZ1', 1, 0], ['A9999', 0, 1], ['A1', 0, -1]] as const) {
      expect(isAddress(shiftRefs(src, dc, dr)), src).toBe(false);
    }
    const e = sheet({ B2: shiftRefs('A1 + 1', 0, -1) });
    expect(errorOf(e, 'B2')).toMatchObject({ kind: 'NAME' });
  });

  it('the shifted formula parses to the shifted references', () => {
    const src = '$B$2 * C3 + sum(D4:E5)';
    expect(p(shiftRefs(src, 1, 2))).toBe(p('$B$2 * D5 + sum(E6:F7)'));
  });

  it('referenceTokens skips numbers and strings', () => {
    expect(referenceTokens('2e5 + x1 * "abc" + $A$1').map((t) => t.text)).toEqual(['x1', '$A$1']);
  });
});

describe('names', () => {
  const isFn = (n: string) => ['sum', 'exp'].includes(n);
  it.each([
    ['x', null],
    ['hidden_layer', null],
    ['w1', null],
    ['_tmp', null],
    ['A1', null], // a name may be spelled like an address (SPEC §2)
    ['W1', null],
    ['$W$1', 'not an identifier'],
    ['ABC1', 'beyond the grid'],
    ['sum', 'function name'],
    ['1x', 'not an identifier'],
    ['a b', 'not an identifier'],
    ['x'.repeat(65), 'longer than 64'],
  ])('nameProblem(%j) → %s', (name, problem) => {
    const r = nameProblem(name, isFn);
    if (problem === null) expect(r).toBeNull();
    else expect(r).toContain(problem);
  });
});

describe('issue 7: text pasted from documents', () => {
  it.each([
    ['x − 1', 'x - 1'],
    ['x – 1', 'x - 1'],
    ['x × 2', 'x * 2'],
    ['x ÷ 2', 'x / 2'],
    ['x\u00a0+\u202f1', 'x + 1'],
    ['−2', '-2'],
  ])('%s reads as %s', (pasted, plain) => {
    expect(parseFormula(pasted)).toEqual(parseFormula(plain));
  });

  it('positions in messages still point at the typed character after a replacement', () => {
    const e = parseError('x − 1 +');
    expect(e.pos).toBe(parseError('x - 1 +').pos);
  });

  it('any other character outside ASCII is refused with its position and, where known, the fix', () => {
    const e = parseError('= x² + 1');
    expect(e.pos).toBe(3);
    expect(e.message).toMatch(/² \(U\+00B2\) at position 4.*write x\^2/);
    expect(parseError('a ≤ b').message).toMatch(/write <=/);
    expect(parseError('α + 1').message).toMatch(/U\+03B1/);
  });

  it('1e400 is out of range, at its position', () => {
    const e = parseError('2 * 1e400');
    expect(e.message).toMatch(/1e400 is out of range/);
    expect(e.pos).toBe(4);
  });

  it('A10000 says rows end at 9999; AAA1 that columns end at ZZ; A0 that rows start at 1', () => {
    expect(parseError('1 + A10000').message).toMatch(/A10000 .*rows end at 9999/);
    expect(parseError('1 + A10000').pos).toBe(4);
    expect(parseError('AAA1').message).toMatch(/columns end at ZZ/);
    expect(parseError('A0').message).toMatch(/rows are numbered from 1/);
    expect(parseFormula('ZZ9999')).toMatchObject({ k: 'ref', name: 'ZZ9999' });
  });
});

describe('issue 8: NumPy and PyTorch spellings', () => {
  it.each([
    ['v.sum()', 'sum(v)'],
    ['v.mean()', 'mean(v)'],
    ['v.sum(0)', 'sum(v, 0)'],
    ['v.mean(1)', 'mean(v, 1)'],
    ['v.sum(axis=0)', 'sum(v, 0)'],
    ['mean(v, axis=0)', 'mean(v, 0)'],
    ['sum(x, axis = 1)', 'sum(x, 1)'],
    ['sum(x, dim=1)', 'sum(x, 1)'],
    ['(a @ b).T.sum()', 'sum((a @ b).T)'],
    ['v.exp().sum()', 'sum(exp(v))'],
  ])('%s is %s', (numpy, ours) => {
    expect(parseFormula(numpy)).toEqual(parseFormula(ours));
  });

  it('axis == 0 is still a comparison', () => {
    expect(parseFormula('axis == 0')).toMatchObject({ k: 'call', fn: 'eq' });
  });

  it.each([
    ['np.exp(v)', 'write exp(v)'],
    ['torch.sigmoid(v)', 'write sigmoid(v)'],
    ['math.exp(x)', 'write exp(x)'],
    ['1 + numpy.tanh(h)', 'write tanh(h)'],
  ])('%s is refused: %s', (src, fix) => {
    const e = parseError(src);
    expect(e.message).toContain(fix);
    expect(e.pos).toBe(src.indexOf('.') - src.slice(0, src.indexOf('.')).match(/[a-z]+$/)![0].length);
  });

  it('v.max() explains that max(a, b) is elementwise; an unknown method says how to call it', () => {
    expect(parseError('v.max()').message).toMatch(/max\(a, b\) is the elementwise maximum/);
    expect(parseError('v.foo(1)').message).toMatch(/write foo\(v, 1\)/);
    expect(parseError('v.sum').message).toMatch(/write sum\(v\)/);
  });

  it('a long chain of method calls converts without recursion', () => {
    const src = 'v' + '.exp()'.repeat(150);
    let e: any = parseFormula(src);
    let depth = 0;
    while (e.k === 'call') {
      e = e.args[0];
      depth++;
    }
    expect(depth).toBe(150);
  });
});
