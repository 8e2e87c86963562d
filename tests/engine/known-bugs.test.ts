// Engine bugs found by the engine test suite in code this suite does not own
// (src/engine/engine.ts, eval/, graph/). Each test states the correct behaviour and FAILS
// until the bug is fixed; once green, move it next to its neighbours in edge-cases.test.ts.
// The last test is the property that found them (incremental recomputation must look exactly
// like loading the same document into a fresh engine); it belongs in properties.test.ts once green.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../src/engine/engine';
import type { Value } from '../../src/engine/tensor/value';

const asM = (v: Value): number[][] => (typeof v === 'number' ? [[v]] : v.toRows());

describe('known engine bugs', () => {
  // Bug 1. engine.ts markCycles() gives cycle cells their #CYCLE error without bumping
  // `c.version`, and gradientsOf() trusts its cache while the loss's version is unchanged.
  // When an edit pulls a loss into a cycle, the cached gradients of the old loss survive.
  it('a loss pulled into a cycle drops its gradients: no stale grads in the grid, grad cells show the #CYCLE', () => {
    const e = createEngine();
    e.setCell('A1', '3');
    e.setCell('B1', 'A1 * A1');
    e.setCell('C1', 'grad(B1)');
    e.setCell('C2', 'grad(B1, A1)');
    expect(e.get('A1')!.grad).toBe(6);
    e.setCell('A1', 'B1 + 1'); // A1 ↔ B1 is now a cycle
    expect(e.get('A1')!.error?.kind).toBe('CYCLE');
    expect(e.get('A1')!.grad).toBeNull(); // actually 6, from before the edit
    expect(e.get('B1')!.grad).toBeNull(); // actually 1
    expect(e.get('C1')!.error?.kind).toBe('CYCLE'); // actually #VALUE "Cannot read properties of null (reading 'rows')"
    expect(e.get('C2')!.error?.message).toContain('circular reference');
  });

  it('a grad cell whose loss becomes a cycle reports the cycle, not the loss’s previous error', () => {
    const e = createEngine();
    e.setCell('A2', 'grad(A1)'); // A1 empty: "the loss A1 has an error: A1 is empty"
    e.setCell('A1', 'A1 + A1');
    expect(e.get('A2')!.error?.message).toContain('circular reference'); // actually still "A1 is empty" (#REF)
  });

  // Bug 2. markCycles() also leaves the cell's `meta` from its last evaluation: a check cell
  // pulled into a cycle keeps showing its old ✓ verdict next to its #CYCLE error.
  it('a check cell pulled into a cycle shows no verdict', () => {
    const e = createEngine();
    e.setCell('A1', '1');
    e.setCell('B1', 'check(A1, 1)');
    expect(e.get('B1')!.check?.pass).toBe(true);
    e.setCell('A1', 'B1');
    expect(e.get('B1')!.error?.kind).toBe('CYCLE');
    expect(e.get('B1')!.check).toBeNull(); // actually { pass: true, relErr: 0, tol: 1e-6 }
  });

  // Bug 3. markCycles() words one message from every cell on any cycle found in the same
  // recompute, so two independent cycles read as one: "circular reference: A1 → A3".
  it('two independent cycles are reported separately, each naming only its own cells', () => {
    const e = createEngine();
    e.load({ gradsheet: 1, cells: [{ at: 'A1', formula: 'A1 + 1' }, { at: 'A3', formula: 'A3 + A1' }] });
    expect(e.get('A1')!.error?.message).toBe('circular reference: A1'); // actually "circular reference: A1 → A3"
    expect(e.get('A3')!.error?.message).toBe('circular reference: A3');
    // (Set one after the other with setCell, each message is already right.)
  });

  it('incremental edits leave the sheet exactly as a fresh engine loading the same document', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 25 }), (edits) => {
        const e = createEngine();
        const log: string[] = [];
        let active: string | null = null;
        for (const ed of edits) {
          log.push(applyEdit(e, ed));
          for (const x of ed.k === 'batch' ? ed.edits : [ed]) {
            if (x.k === 'active') active = x.at === null ? null : GRID[x.at];
            if (x.k === 'reload') active = null;
          }
          const fresh = createEngine();
          fresh.load(e.toDoc());
          fresh.setActiveGrad(active);
          const got = snapshot(e), want = snapshot(fresh);
          if (JSON.stringify(got) !== JSON.stringify(want)) expect(got, `after ${log.join('; ')}`).toEqual(want);
        }
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Random edit sequences over a 3×3 corner of the grid: formulas from templates over random
// addresses and names, names given and taken away, parameters, the active grad cell, reloads.
const GRID = ['A1', 'A2', 'A3', 'B1', 'B2', 'B3', 'C1', 'C2', 'C3'];
const NAMES = ['x', 'y', 'w1', 'loss'];
const TEMPLATES = [
  '1.5', '-2', '[[0.5, -1], [2, 3]]', '[[1, 2, 3]]', '[[1], [-2]]', '',
  '{a} + {b}', '{a} * {b}', '{a} - 2 * {b}', '{a} @ {b}', 'tanh({a})', 'sigmoid({a}) * {b}', '{a}.T', 'sum({a})', 'sum({a}, 0)',
  'mean({a} * {a})', 'exp(-{a}^2)', '{a}:{b}', 'sum({a}:{b})', 'grad({a})', 'grad({a}, {b})', 'numgrad({a}, {b})', 'softmax({a})',
  'check({a}, {b})', '{a} > 0', 'max({a}, 0)', '{n} + 1', '{n} * {a}', 'sum({n})',
];

type Edit =
  | { k: 'set'; at: number; t: number; a: number; b: number; n: number }
  | { k: 'name'; at: number; n: number }
  | { k: 'param'; at: number; v: number | null }
  | { k: 'active'; at: number | null }
  | { k: 'reload' }
  | { k: 'batch'; edits: Edit[] };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ k: fc.constant('set' as const), at: fc.nat(GRID.length - 1), t: fc.nat(TEMPLATES.length - 1), a: fc.nat(GRID.length - 1), b: fc.nat(GRID.length - 1), n: fc.nat(NAMES.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('name' as const), at: fc.nat(GRID.length - 1), n: fc.nat(NAMES.length) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('param' as const), at: fc.nat(GRID.length - 1), v: fc.option(fc.integer({ min: -3, max: 3 })) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('active' as const), at: fc.option(fc.nat(GRID.length - 1)) }) },
  { weight: 1, arbitrary: fc.constant({ k: 'reload' as const }) },
);
const stepArb: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 6, arbitrary: editArb },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('batch' as const), edits: fc.array(editArb, { minLength: 2, maxLength: 4 }) }) },
);

function applyEdit(e: Engine, ed: Edit): string {
  switch (ed.k) {
    case 'set': {
      const f = TEMPLATES[ed.t].replace(/\{a\}/g, GRID[ed.a]).replace(/\{b\}/g, GRID[ed.b]).replace(/\{n\}/g, NAMES[ed.n]);
      e.setCell(GRID[ed.at], f);
      return `setCell('${GRID[ed.at]}', '${f}')`;
    }
    case 'name': {
      const n = ed.n < NAMES.length ? NAMES[ed.n] : null;
      e.setName(GRID[ed.at], n);
      return `setName('${GRID[ed.at]}', ${n === null ? 'null' : `'${n}'`})`;
    }
    case 'param':
      e.setParameter(GRID[ed.at], ed.v);
      return `setParameter('${GRID[ed.at]}', ${ed.v})`;
    case 'active':
      e.setActiveGrad(ed.at === null ? null : GRID[ed.at]);
      return `setActiveGrad(${ed.at === null ? 'null' : `'${GRID[ed.at]}'`})`;
    case 'reload':
      e.load(e.toDoc());
      return 'load(toDoc())';
    case 'batch':
      return `batch(${e.batch(() => ed.edits.map((x) => applyEdit(e, x))).join('; ')})`;
  }
}

/** Everything a user sees of the sheet, numbers to 12 significant digits. */
function snapshot(e: Engine) {
  const num = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(12)) : String(x));
  const plain = (v: Value | null) => (v === null ? null : asM(v).map((r) => r.map(num)));
  return e.cells().map((c) => ({
    at: c.at, name: c.name, formula: c.formula, value: plain(c.value), grad: plain(c.grad),
    // #CYCLE wording is bug 3 above; "the loss x (B1)" vs "the loss B1" in a #GRAD message
    // depends on whether the loss was named before or after the gradient was cached (cosmetic).
    error: c.error && (c.error.kind === 'CYCLE' ? '#CYCLE' : `#${c.error.kind} ${c.error.message.replace(/\b\w+ \(([A-Z]{1,2}[0-9]+)\)/g, '$1')}`),
    check: c.check && c.check.pass,
  }));
}
