// Kink-aware checks (SPEC §5, issue 10): a finite difference that straddles a kink of relu,
// abs, max, min, amax, a comparison… is flagged as such on the check cell and on the
// whole-sheet check, instead of reading as a wrong derivation; the relative error is read
// with CS231n's thresholds by one function.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../src/engine/engine';
import { NUMGRAD_STEP } from '../../../src/engine/eval/gradients';
import { readRelativeError } from '../../../src/engine/ops/verify';

/** x in A1, the loss in B1, check(grad(L, x), numgrad(L, x)) in C1. */
function sheet(x: string, loss: string): Engine {
  const e = createEngine();
  e.batch(() => {
    e.setCell('A1', x);
    e.setName('A1', 'x');
    e.setCell('B1', loss);
    e.setName('B1', 'L');
    e.setCell('C1', 'check(grad(L, x), numgrad(L, x))');
  });
  return e;
}

describe('check(grad(L, x), numgrad(L, x)) near a kink', () => {
  it('x exactly at relu\'s kink: the check says the finite difference straddles a kink of relu in B1', () => {
    // relu'(0) = 0, so grad is 0.5; the central difference across 0 gives (1.5h + 0.5h)/2h = 1.
    const c = sheet('0', 'relu(x) + 0.5 * x').get('C1')!;
    expect(c.value).toBe(0); // check keeps its meaning: the values disagree
    expect(c.check!.kink).toEqual({ op: 'relu', cell: 'B1' });
    expect(c.check!.reading.level).not.toBe('wrong');
    expect(c.check!.reading.text).toBe('finite difference straddles a kink of relu in B1: numgrad is not reliable here');
  });

  it('x within the step of the kink (not at it) is flagged too; x beyond the step is not', () => {
    const near = sheet(String(NUMGRAD_STEP / 2), 'relu(x) + 0.5 * x').get('C1')!;
    expect(near.check!.kink).toEqual({ op: 'relu', cell: 'B1' });
    const beyond = sheet(String(NUMGRAD_STEP * 2), 'relu(x) + 0.5 * x').get('C1')!;
    expect(beyond.check!.kink).toBeNull();
    expect(beyond.check!.pass).toBe(true);
  });

  it('away from the kink: no kink, a passing check and a good reading', () => {
    const c = sheet('0.3', 'relu(x) + 0.5 * x').get('C1')!;
    expect(c.value).toBe(1);
    expect(c.check!.kink).toBeNull();
    expect(c.check!.reading.level).toBe('good');
  });

  it.each([
    ['abs', '0', 'abs(x) + 0.5 * x', 'abs'],
    ['max(a, b) at a tie', '0.2', 'max(x, 0.2) + 0.5 * x', 'max'],
    ['min(a, b) at a tie', '0.2', 'min(x, 0.2) + 0.5 * x', 'min'],
    ['maximum', '1', 'maximum(x, 1)', 'maximum'],
    ['a comparison (relu written by hand)', '0', 'x * (x > 0)', '>'],
  ])('%s: the kink is named', (_what, x, loss, op) => {
    const c = sheet(x, loss).get('C1')!;
    expect(c.check!.kink).toEqual({ op, cell: 'B1' });
  });

  it.each([
    ['abs', '0.7', 'abs(x) + 0.5 * x'],
    ['max', '0.3', 'max(x, 0.2) + 0.5 * x'],
    ['min', '0.1', 'min(x, 0.2) + 0.5 * x'],
  ])('%s away from its kink: no kink', (_what, x, loss) => {
    const c = sheet(x, loss).get('C1')!;
    expect(c.check!.kink).toBeNull();
    expect(c.check!.pass).toBe(true);
  });

  it('a matrix: one entry of X at relu\'s kink flags the check; none near it does not', () => {
    const at = sheet('[[0.5, 0], [-1, 2]]', 'sum(relu(x))').get('C1')!;
    expect(at.check!.kink).toEqual({ op: 'relu', cell: 'B1' });
    const away = sheet('[[0.5, 0.1], [-1, 2]]', 'sum(relu(x))').get('C1')!;
    expect(away.check!.kink).toBeNull();
    expect(away.check!.pass).toBe(true);
  });

  it('amax: a tie for the largest entry is a kink (the gradient moves between them), a clear maximum is not', () => {
    expect(sheet('[[1, 3], [3, 0]]', 'max(x)').get('C1')!.check!.kink).toEqual({ op: 'max', cell: 'B1' });
    expect(sheet('[[1, 3], [2, 0]]', 'max(x)').get('C1')!.check!.kink).toBeNull();
    expect(sheet('[[1, -3], [-3, 0]]', 'min(x)').get('C1')!.check!.kink).toEqual({ op: 'min', cell: 'B1' });
  });

  it('a kinked op whose input does not move with x is not a kink: relu(W) * x with a 0 in W', () => {
    const e = sheet('2', 'sum(relu(W) * x)');
    e.setCell('D1', '[[0, 1]]');
    e.setName('D1', 'W');
    expect(e.get('C1')!.check!.kink).toBeNull();
    expect(e.get('C1')!.check!.pass).toBe(true);
  });

  it('the kink is in the cell where the op is: a relu two cells upstream of the loss', () => {
    const e = sheet('0', 'H * 2 + 0.5 * x');
    e.setCell('D1', 'relu(x)');
    e.setName('D1', 'H');
    expect(e.get('C1')!.check!.kink).toEqual({ op: 'relu', cell: 'D1' });
  });

  it('a numgrad cell carries its kink, and a check that reads it (or arithmetic on it) does too', () => {
    const e = sheet('0', 'relu(x) + 0.5 * x');
    e.batch(() => {
      e.setCell('D1', 'numgrad(L, x)');
      e.setCell('D2', 'check(grad(L, x), D1)');
      e.setCell('D3', 'check(2 * grad(L, x), 2 * numgrad(L, x))');
      e.setCell('D4', 'check(grad(L, x), 0.5)');
    });
    expect(e.get('D1')!.kink).toEqual({ op: 'relu', cell: 'B1' });
    expect(e.get('D2')!.check!.kink).toEqual({ op: 'relu', cell: 'B1' });
    expect(e.get('D3')!.check!.kink).toEqual({ op: 'relu', cell: 'B1' });
    expect(e.get('D4')!.check!.kink).toBeNull();
    // Moving x off the kink clears it everywhere.
    e.setCell('A1', '0.3');
    for (const at of ['D1']) expect(e.get(at)!.kink).toBeNull();
    for (const at of ['C1', 'D2', 'D3']) expect(e.get(at)!.check!.kink).toBeNull();
  });
});

describe('readRelativeError: the CS231n reading', () => {
  const kink = { op: 'relu', cell: 'B3' };
  it.each([
    [1e-9, null, 'good'],
    [1e-7, null, 'good'],
    [1e-7, kink, 'good'],
    [1e-5, kink, 'fine'],
    [1e-4, kink, 'fine'],
    [1e-5, null, 'suspect'],
    [1e-3, null, 'suspect'],
    [1e-2, null, 'suspect'],
    [0.02, null, 'wrong'],
    [0.5, null, 'wrong'],
    [Infinity, null, 'wrong'],
    [NaN, null, 'wrong'],
    [0.5, kink, 'suspect'],
  ] as const)('relErr %s, kink %o → %s', (relErr, k, level) => {
    expect(readRelativeError(relErr, k).level).toBe(level);
  });

  it('near a kink with a large error, the reading is the kink sentence, not a verdict on the derivation', () => {
    const r = readRelativeError(0.5, kink);
    expect(r.text).toBe('finite difference straddles a kink of relu in B3: numgrad is not reliable here');
    expect(readRelativeError(0.5, null).text).toMatch(/^wrong/);
  });
});

describe('the whole-sheet gradient check near a kink', () => {
  function checkOf(x: string) {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', x);
      e.setCell('B1', 'relu(A1) + 0.5 * A1');
      e.setCell('C1', 'grad(B1)');
    });
    return e.gradientCheck()[0];
  }

  it('marks the row whose differences straddle a kink instead of failing it', () => {
    const gc = checkOf('0');
    expect(gc.pass).toBe(true);
    const row = gc.rows.find((r) => r.at === 'A1')!;
    expect(row.kink).toEqual({ op: 'relu', cell: 'B1', entries: 1 });
    expect(gc.directional!.kink).toEqual({ op: 'relu', cell: 'B1' });
  });

  it('no kink away from it', () => {
    const gc = checkOf('0.3');
    expect(gc.pass).toBe(true);
    expect(gc.rows.find((r) => r.at === 'A1')!.kink).toBeNull();
    expect(gc.directional!.kink).toBeNull();
  });

  it('a matrix row: only the straddling entries are set aside, the others are still judged', () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', '[[0, 1, -2, 3]]');
      e.setCell('B1', 'sum(relu(A1) * [[1, 2, 3, 4]])');
      e.setCell('C1', 'grad(B1)');
    });
    const [gc] = e.gradientCheck();
    const row = gc.rows.find((r) => r.at === 'A1')!;
    expect(row.kink).toEqual({ op: 'relu', cell: 'B1', entries: 1 });
    expect(row.ok).toBe(true);
    expect(row.relErr).toBeLessThan(1e-7);
    expect(gc.pass).toBe(true);
  });
});

describe('layering', () => {
  it('the reverse pass does not import the engine\'s cell records (eval/gradients.ts → cell.ts)', () => {
    const src = readFileSync(new URL('../../../src/engine/eval/gradients.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/from '\.\.\/cell'/);
    expect(src).not.toMatch(/as any/);
  });
});
