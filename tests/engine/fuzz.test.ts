// Fuzzing the engine (fast-check, fixed seeds, bounded runs): random sheets under random
// edits, renames, clears and undo/redo through the app's framework-free workspace, checking
// after every action that nothing throws and that the values equal a fresh load of the same
// document; gradients against finite differences on smooth random sheets; NaN and ∞
// propagating as NumPy does; random formulas, Unicode included, into the parser.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type CellView, type Engine } from '../../src/engine/engine';
import { ParseError } from '../../src/engine/errors';
import { parseFormula } from '../../src/engine/formula/parse';
import { createWorkspace } from '../../src/ui/kernel/workspace';

/** GRADSHEET_FC_SCALE=10 multiplies the runs, for a deeper search than the everyday one. */
const SCALE = Math.max(1, Number(process.env.GRADSHEET_FC_SCALE) || 1);

const ADDRS = ['A1', 'A2', 'A3', 'B1', 'B2', 'B3'];
const NAMES = ['x', 'y', 'w', 'loss'];
const ref = fc.constantFrom(...ADDRS, ...NAMES);

const formula: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('1', '-2.5', '0', '[[1, 2], [3, 4]]', '[[0.5, -1]]', 'randn(2, 2, 1)', '1/0', '0/0', '', 'bogus(', 'A1:B2', 'zeros(2, 1)'),
  fc.tuple(ref, ref, fc.constantFrom('+', '-', '*', '/', '@', '^', '<')).map(([a, b, op]) => `${a} ${op} ${b}`),
  fc.tuple(ref, fc.constantFrom('tanh', 'exp', 'sigmoid', 'relu', 'abs', 'sum', 'mean', 'softmax', 'square', 'log')).map(([a, f]) => `${f}(${a})`),
  fc.tuple(ref, ref).map(([a, b]) => `grad(${a}, ${b})`),
  fc.tuple(ref, ref).map(([a, b]) => `numgrad(${a}, ${b})`),
  fc.tuple(ref, ref).map(([a, b]) => `check(${a}, ${b})`),
  ref.map((a) => `grad(${a})`),
  ref.map((a) => `${a}.T`),
  fc.tuple(ref, ref).map(([a, b]) => `max(${a}, ${b}) - min(${a}, 1)`),
);

type Action =
  | { t: 'set'; at: string; formula: string }
  | { t: 'name'; at: string; name: string | null }
  | { t: 'clear'; at: string }
  | { t: 'undo' }
  | { t: 'redo' };

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant('set' as const), at: fc.constantFrom(...ADDRS), formula }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('name' as const), at: fc.constantFrom(...ADDRS), name: fc.option(fc.constantFrom(...NAMES), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('clear' as const), at: fc.constantFrom(...ADDRS) }) },
  { weight: 2, arbitrary: fc.constant({ t: 'undo' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'redo' as const }) },
);

/** What a cell shows, comparable across engines: NaN equals NaN, errors by kind. */
function shown(c: CellView): unknown {
  const v = c.value === null ? null : typeof c.value === 'number' ? [c.value] : Array.from(c.value.data);
  return {
    at: c.at, name: c.name, formula: c.formula, shape: c.shape,
    value: v?.map((x) => (Number.isNaN(x) ? 'NaN' : x)),
    error: c.error?.kind ?? null,
  };
}

function snapshot(e: Engine): unknown[] {
  return e.cells().map(shown);
}

describe('fuzz: random edits through the workspace', () => {
  it('after every edit, rename, clear, undo and redo the values equal a fresh load of the same document', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 1, maxLength: 25 }), (actions) => {
        const ws = createWorkspace();
        for (const a of actions) {
          if (a.t === 'set') ws.setFormula(a.at, a.formula);
          else if (a.t === 'name') ws.rename(a.at, a.name);
          else if (a.t === 'clear') ws.clear([a.at]);
          else if (a.t === 'undo') ws.undo();
          else ws.redo();
          const fresh = createEngine();
          fresh.load(ws.toDoc());
          expect(snapshot(ws.engine)).toEqual(snapshot(fresh));
          ws.engine.gradientCheck(); // must not throw, whatever the sheet holds
        }
      }),
      { numRuns: 60 * SCALE, seed: 20261130 },
    );
  });
});

describe('fuzz: gradients against finite differences', () => {
  // Smooth ops only, inputs bounded away from trouble: every gradient is well defined.
  const smooth = fc.constantFrom('tanh', 'sigmoid', 'square', 'sin_free');
  it('random smooth chains and forks: the whole-sheet check passes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.constantFrom('+', '-', '*'), smooth), { minLength: 1, maxLength: 12 }),
        fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 2, maxLength: 2 }),
        (steps, inputs) => {
          const e = createEngine();
          e.batch(() => {
            e.setCell('A1', String(inputs[0]));
            e.setCell('A2', `[[${inputs[1]}, 0.3], [-0.7, ${inputs[0]}]]`);
            const cells = ['A1', 'A2'];
            steps.forEach(([i, j, op, f], k) => {
              const a = cells[i % cells.length], b = cells[j % cells.length];
              const body = `${a} ${op} ${b}`;
              const at = `B${k + 1}`;
              e.setCell(at, f === 'sin_free' ? `(${body}) * 0.5` : `${f}(${body})`);
              cells.push(at);
            });
            e.setCell('C1', `sum(${cells[cells.length - 1]})`);
            e.setCell('C2', 'grad(C1)');
          });
          const [gc] = e.gradientCheck();
          if (!Number.isFinite(e.get('C1')!.value as number)) return;
          expect(gc.error).toBeNull();
          expect(gc.rows.filter((r) => !r.ok)).toEqual([]);
          expect(gc.pass).toBe(true);
        },
      ),
      { numRuns: 40 * SCALE, seed: 7 },
    );
  });
});

describe('fuzz: NaN and ∞ propagate as NumPy does', () => {
  // NumPy: any arithmetic with NaN is NaN, except x**0 = 1 and 1**y = 1.
  const unary = ['-', 'exp', 'log', 'tanh', 'sigmoid', 'abs', 'relu', 'sqrt', 'square'];
  const binary = ['+', '-', '*', '/', '@', 'max', 'min'];
  /** Binary ops written as a call, `max(a, b)`, rather than between their operands. */
  const called = new Set(['max', 'min']);
  it('a NaN input gives NaN through every elementwise op and product, forward and where the derivative reads it', () => {
    // Derivatives that read the NaN are NaN; those that do not (∂(a + b)/∂b = 1) stay numbers, as in PyTorch.
    // abs, relu, max and min read it too: abs'(NaN), relu'(NaN) and the side max/min sends the gradient to are NaN.
    const readsInput = new Set(['exp', 'log', 'tanh', 'sigmoid', 'abs', 'relu', 'sqrt', 'square', '*', '/', '@', 'max', 'min']);
    fc.assert(
      fc.property(fc.constantFrom(...unary, ...binary), fc.double({ min: -3, max: 3, noNaN: true }), (op, x) => {
        const e = createEngine();
        const isUnary = unary.includes(op);
        e.batch(() => {
          e.setCell('A1', '0/0');
          e.setCell('A2', String(x));
          const two = (a: string, b: string) => (called.has(op) ? `${op}(${a}, ${b})` : `${a} ${op} ${b}`);
          e.setCell('B1', isUnary ? (op === '-' ? '-A1' : `${op}(A1)`) : two('A1', 'A2'));
          e.setCell('B2', isUnary ? 'B1' : two('A2', 'A1'));
          e.setCell('C1', isUnary ? 'grad(B1, A1)' : 'grad(B1, A2)');
          e.setCell('C2', isUnary ? 'grad(B1, A1)' : 'grad(B2, A2)');
        });
        expect(e.get('B1')!.value).toBeNaN();
        expect(e.get('B2')!.value).toBeNaN();
        for (const at of ['C1', 'C2']) {
          const g = e.get(at)!.value as number;
          if (readsInput.has(op)) expect(g, `${op} ${at}`).toBeNaN();
          else expect(Number.isFinite(g), `${op} ${at}`).toBe(true);
        }
      }),
      { numRuns: 60 * SCALE, seed: 11 },
    );
  });

  it('∞ follows IEEE like NumPy: ∞ − ∞ and 0·∞ are NaN, exp(∞) = ∞, tanh(∞) = 1, log(0) = −∞', () => {
    const e = createEngine();
    e.batch(() => {
      e.setCell('A1', '1/0');
      e.setCell('B1', 'A1 - A1');
      e.setCell('B2', '0 * A1');
      e.setCell('B3', 'exp(A1)');
      e.setCell('B4', 'tanh(A1)');
      e.setCell('B5', 'log(0)');
      e.setCell('B6', '[[1, 2]] @ [[A1], [0]]');
    });
    expect(e.get('B1')!.value).toBeNaN();
    expect(e.get('B2')!.value).toBeNaN();
    expect(e.get('B3')!.value).toBe(Infinity);
    expect(e.get('B4')!.value).toBe(1);
    expect(e.get('B5')!.value).toBe(-Infinity);
    expect(e.get('B6')!.value).toBe(Infinity);
  });
});

describe('fuzz: the parser', () => {
  const pieces = fc.constantFrom('x', 'A1', '1', '2.5e3', '(', ')', '[', ']', ',', '+', '-', '*', '/', '^', '**', '@', '.T', ':', ' ', '−', '×', '\u00a0', 'é', '²', '😀', 'sum(', 'np.', '.sum()', 'axis=', '1e400', 'A10000', '=', '"', "'", '\\', '\u0000');
  const text = fc.oneof(fc.array(pieces, { maxLength: 30 }).map((p) => p.join('')), fc.string({ unit: 'binary', maxLength: 40 }));

  it('random formulas, Unicode included: an Expr or a ParseError with a position inside the text, never another exception', () => {
    fc.assert(
      fc.property(text, (src) => {
        try {
          parseFormula(src);
        } catch (e) {
          expect(e).toBeInstanceOf(ParseError);
          const pos = (e as ParseError).pos;
          expect(pos).toBeGreaterThanOrEqual(-1);
          expect(pos).toBeLessThanOrEqual(src.length);
        }
      }),
      { numRuns: 2000 * SCALE, seed: 3 },
    );
  });

  it('random formulas into a cell: a value or an error on the cell, never an exception', () => {
    const e = createEngine();
    fc.assert(
      fc.property(text, (src) => {
        e.setCell('B1', src);
        const v = e.get('B1');
        if (v) expect(v.value !== null || v.error !== null).toBe(true);
      }),
      { numRuns: 500 * SCALE, seed: 5 },
    );
  });
});
