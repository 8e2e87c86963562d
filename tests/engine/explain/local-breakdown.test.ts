// The breakdown from the consumers' formulas alone (engine.consumerGraphs → localBreakdown)
// is the breakdown from the whole sheet's op graph (engine.opGraph → cellBreakdown): same
// consumers, same LaTeX and sentences, the same numbers — on every example sheet, for every
// loss and every cell with a gradient, and at the edges (a cell read twice by one op, through
// a range or a matrix literal, off the loss's path, the loss itself, no loss, an error).
import { describe, expect, it } from 'vitest';
import { chainSheet } from '../../../bench/workloads';
import { createEngine, type Engine } from '../../../src/engine/engine';
import { type BreakdownView, cellBreakdown, localBreakdown } from '../../../src/ui/kernel/breakdown';
import { expectClose } from '../helpers';
import { exampleFiles, loadExample as load } from '../../example-files';

/** Every string of the two views equal, every number within 1e-9 relative. */
function expectSame(local: BreakdownView, whole: BreakdownView, what: string) {
  expect(local.summary, `${what} summary`).toBe(whole.summary);
  expect(local.symbolTex, `${what} symbol`).toBe(whole.symbolTex);
  expect(local.more, `${what} more`).toBe(whole.more);
  expect(local.sumTex, `${what} sum`).toBe(whole.sumTex);
  expectClose(local.total, whole.total, `${what} total`);
  expect(local.groups.map((g) => [g.consumer, g.label]), `${what} consumers`).toEqual(whole.groups.map((g) => [g.consumer, g.label]));
  local.groups.forEach((g, i) => {
    const w = whole.groups[i];
    const at = `${what} via ${g.consumer}`;
    expect(g.text, at).toBe(w.text);
    expectClose(g.total, w.total, `${at} total`);
    expect(g.terms.length, `${at} terms`).toBe(w.terms.length);
    g.terms.forEach((t, k) => {
      const u = w.terms[k];
      const term = `${at} term ${k}`;
      expect([t.chain, t.local, t.numeric, t.ruleText, t.gTex, t.partialTex, t.vjpTex, t.reduce, t.matrix], term).toEqual([u.chain, u.local, u.numeric, u.ruleText, u.gTex, u.partialTex, u.vjpTex, u.reduce, u.matrix]);
      expect([t.gShape, t.inputShape], term).toEqual([u.gShape, u.inputShape]);
      expectClose(t.g, u.g, `${term} g`);
      expectClose(t.added, u.added, `${term} added`);
      expectClose(t.localValue, u.localValue, `${term} local`);
    });
  });
}

/** Both breakdowns of `at` (every group, none left out) for `loss` (default: the default loss). */
function both(e: Engine, at: string, loss?: string) {
  const local = localBreakdown(e.consumerGraphs(at, loss === undefined ? undefined : { loss }), e.registry, Infinity);
  const whole = cellBreakdown(e.opGraph(loss), at, e.registry, Infinity);
  return { local, whole };
}

describe('localBreakdown(engine.consumerGraphs) is cellBreakdown(engine.opGraph) on every example', () => {
  for (const file of exampleFiles()) {
    it(`${file}: every loss, every cell with a gradient`, () => {
      const e = load(file);
      let compared = 0;
      for (const { loss } of e.losses()) {
        const graph = e.opGraph(loss);
        expect(graph.error).toBeNull();
        for (const c of graph.cells) {
          if (c.grad === null) continue;
          const local = localBreakdown(e.consumerGraphs(c.at, { loss }), e.registry, Infinity);
          expectSame(local, cellBreakdown(graph, c.at, e.registry, Infinity), `${file} ${loss} ${c.at}`);
          compared++;
        }
        // A cell off the loss's path says so in both.
        const off = e.cells().find((c) => graph.cells.every((g) => g.at !== c.at || g.grad === null));
        if (off) expectSame(localBreakdown(e.consumerGraphs(off.at, { loss }), e.registry, Infinity), cellBreakdown(graph, off.at, e.registry, Infinity), `${file} ${off.at} off the path`);
      }
      if (e.losses().length) expect(compared).toBeGreaterThan(0);
    });
  }

  it('the default number of groups keeps the largest, and says how many more (the fork sheet)', () => {
    const e = createEngine();
    e.setCell('A1', '0.5');
    e.setName('A1', 'x');
    for (let i = 1; i <= 15; i++) e.setCell(`B${i}`, `tanh(x * ${i % 7 + 1})`);
    e.setCell('C1', 'sum(B1:B15)');
    e.setName('C1', 'L');
    e.setCell('C2', 'grad(L)');
    const local = localBreakdown(e.consumerGraphs('A1'), e.registry);
    const whole = cellBreakdown(e.opGraph(), 'A1', e.registry);
    expect(local.more).toBe(3);
    expectSame(local, whole, 'fork');
  });
});

describe('localBreakdown edge cases, each the same as the whole graph', () => {
  it('a cell read twice by one op (x * x): two terms in one group', () => {
    const e = createEngine();
    e.setCell('A1', '3');
    e.setName('A1', 'x');
    e.setCell('A2', 'x * x');
    e.setCell('A3', 'grad(A2)');
    const { local, whole } = both(e, 'A1');
    expect(local.groups).toHaveLength(1);
    expect(local.groups[0].terms).toHaveLength(2);
    expect(local.groups[0].text).toBe('via A2: ∂A2/∂A2 · ∂A2/∂x = 1 · 6 = 6');
    expectSame(local, whole, 'x*x');
  });

  it('through a range, a matrix literal, and a matrix product; a named loss', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', '-1.5');
    e.setName('A2', 'b');
    e.setCell('B1', 'sum(A1:A2)');
    e.setCell('B2', '[[A1, b], [b, 3]]');
    e.setCell('B3', 'sum([[1, 2]] @ B2 * A1)');
    e.setCell('C1', 'B1 * B1 + B3');
    e.setName('C1', 'loss');
    e.setCell('C2', 'grad(loss)');
    for (const at of ['A1', 'A2', 'B1', 'B2', 'B3']) {
      const { local, whole } = both(e, at);
      expect(whole.groups.length, at).toBeGreaterThan(0);
      expectSame(local, whole, at);
    }
    const a1 = both(e, 'A1').local;
    expect(a1.groups.map((g) => g.consumer)).toEqual(['B1', 'B2', 'B3']);
    expect(a1.groups[0].terms[0].chain).toMatch(/^\\frac\{\\partial \\mathit\{loss\}\}/);
    expect(both(e, 'B2').local.groups[0].terms[0].matrix).toBe(true);
  });

  it('a consumer not upstream of the loss passes nothing; a cell off the path says so', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    e.setCell('A3', 'A1 + 1'); // reads A1, but the loss does not read A3
    e.setCell('A4', 'grad(A2)');
    const { local, whole } = both(e, 'A1');
    expect(local.groups.map((g) => g.consumer)).toEqual(['A2']);
    expect(local.summary).toBe('A1 is read by one cell:');
    expectSame(local, whole, 'A1');
    const off = both(e, 'A3');
    expect(off.local.summary).toBe('A3 is not upstream of A2: no gradient flows to it.');
    expectSame(off.local, off.whole, 'A3');
    const empty = both(e, 'Z9');
    expect(empty.local.summary).toMatch(/not upstream/);
    expectSame(empty.local, empty.whole, 'Z9');
  });

  it('a consumer no gradient reaches (read only as a condition) passes nothing back', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    e.setCell('A3', 'where(A2 - 1, A1, 0) * 5');
    e.setCell('A4', 'grad(A3)');
    const { local, whole } = both(e, 'A1');
    expect(local.groups.map((g) => g.consumer)).toEqual(['A3']);
    expectSame(local, whole, 'A1');
    expect(e.get('A2')!.grad).toBe(0); // upstream, shown 0, but nothing flowed back through it
    const a2 = both(e, 'A2');
    expect(a2.local.summary).toBe('No consumer passes a gradient back.');
    expectSame(a2.local, a2.whole, 'A2');
  });

  it('the loss itself', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    e.setName('A2', 'f');
    e.setCell('A3', 'f * 2'); // reads the loss, downstream of it
    e.setCell('A4', 'grad(f)');
    const { local, whole } = both(e, 'A2');
    expect(local.summary).toBe('The loss itself: the backward pass starts here with 1.');
    expect(local.sumTex).toBe('\\frac{\\partial f}{\\partial f} = 1');
    expectSame(local, whole, 'loss');
  });

  it('no grad cell', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    const { local, whole } = both(e, 'A1');
    expect(local.summary).toMatch(/^No grad\(L\) cell/);
    expectSame(local, whole, 'no loss');
    expect(localBreakdown(e.consumerGraphs('A1', { loss: null }), e.registry).summary).toMatch(/^No grad\(L\) cell/);
  });

  it('a loss with an error: no breakdown, and why', () => {
    const e = createEngine();
    e.setCell('A1', '[[1, 2]]');
    e.setCell('A2', 'A1 @ A1');
    e.setCell('A3', 'grad(A2)');
    const { local, whole } = both(e, 'A1');
    expect(local.summary).toMatch(/^No breakdown: the loss A2 has an error/);
    expectSame(local, whole, 'loss error');
  });

  it('a loss that is not a scalar: no breakdown, and why (in the engine\'s words)', () => {
    const e = createEngine();
    e.setCell('A1', '[[1, 2]]');
    e.setCell('A2', 'A1 * 2');
    e.setCell('A3', 'grad(A2)');
    expect(localBreakdown(e.consumerGraphs('A1'), e.registry).summary).toBe('No breakdown: the loss A2 must be a scalar, it is 1×2');
    expect(cellBreakdown(e.opGraph(), 'A1', e.registry).summary).toMatch(/^No breakdown: A2: the loss must be a scalar/);
  });

  it('a consumer with an error is left out, the others stay', () => {
    const e = createEngine();
    e.setCell('A1', '2');
    e.setCell('A2', 'A1 * 3');
    e.setCell('A3', 'A1 + [[1, 2]] @ [[1, 2]]'); // an error (so the loss cannot read it)
    e.setCell('A4', 'A2 * A2');
    e.setCell('A5', 'grad(A4)');
    expect(e.get('A3')!.error).not.toBeNull();
    const { local, whole } = both(e, 'A1');
    expect(local.groups.map((g) => g.consumer)).toEqual(['A2']);
    expectSame(local, whole, 'consumer error');
  });
});

describe('localBreakdown on a 100,000-cell chain', () => {
  it('builds only the consumer formulas, without the whole plan and without overflowing the stack', () => {
    const { doc, last } = chainSheet(100_000);
    const e = createEngine();
    e.load(doc);
    const mid = doc.cells[50_000].at;
    const next = doc.cells[50_001];
    const input = e.consumerGraphs(mid);
    expect(input.consumers.map((u) => u.at)).toEqual([next.at]);
    // The consumer's graph is its formula (x*0.999+1: two ops) over the one cell it reads.
    const g = input.consumers[0].graph;
    expect(g.nodes.map((n) => n.op)).toEqual(['mul', 'add']);
    expect(g.cells.map((c) => c.at).sort()).toEqual([mid, next.at].sort());
    const view = localBreakdown(input, e.registry);
    expect(view.groups).toHaveLength(1);
    expect(view.groups[0].terms).toHaveLength(1);
    expect(view.groups[0].terms[0].localValue).toBeCloseTo(0.999, 12);
    expectClose(view.total, e.get(mid)!.grad, 'the chain cell gradient');
    expect(view.sumTex!.startsWith(`\\frac{\\partial \\mathrm{${last}}}{\\partial \\mathrm{${mid}}} = `)).toBe(true);
  });
});
