// node bin/run-ts.mjs bench/graph-layout.ts — no timing ever appears in the tests.
// Layout time of a 1,000-cell sheet's graph (cells mode, the default above 150 nodes).
import { createEngine } from '../src/engine/engine';
import { layoutGraph } from '../src/ui/kernel/graph-layout';
const e = createEngine();
const col = (i: number) => { let s = ''; i++; while (i > 0) { const m = (i - 1) % 26; s = String.fromCharCode(65 + m) + s; i = Math.floor((i - 1) / 26); } return s; };
e.batch(() => {
  for (let r = 1; r <= 25; r++) e.setCell(`A${r}`, String(r / 10));
  for (let d = 1; d < 40; d++) for (let r = 1; r <= 25; r++) e.setCell(`${col(d)}${r}`, `tanh(0.5*${col(d - 1)}${(r % 25) + 1} + 0.3*${col(d - 1)}${((r + 7) % 25) + 1} - 0.2*${col(d - 1)}${((r + 13) % 25) + 1})`);
  e.setCell(`${col(40)}1`, `sum(${col(39)}1:${col(39)}25)`);
  e.setCell(`${col(40)}2`, `grad(${col(40)}1)`);
});
const g = e.opGraph();
for (let i = 0; i < 3; i++) { const t = performance.now(); const L = layoutGraph(g, 'cells', e.registry); console.log(`${L.nodes.length} nodes ${L.edges.length} edges: ${(performance.now() - t).toFixed(0)} ms`); }
