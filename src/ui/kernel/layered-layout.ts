// A fast left-to-right layered layout for graphs too large for dagre (measured: dagre takes
// seconds beyond a few hundred nodes). Nodes arrive in topological order (the plan's), so a
// node's rank is one more than its highest-ranked input in a single pass; the order within
// a rank comes from a few barycenter sweeps; edges are straight. O((V + E) · sweeps).

export interface LayeredNode {
  w: number;
  h: number;
}

export interface LayeredResult {
  x: Float64Array;
  y: Float64Array;
  width: number;
  height: number;
}

const SWEEPS = 4;

/** `edges` index into `nodes`; every edge goes from an earlier node to a later one. */
export function layeredLayout(nodes: readonly LayeredNode[], edges: readonly { from: number; to: number }[], gap = { rank: 60, node: 12, margin: 16 }): LayeredResult {
  const n = nodes.length;
  const rank = new Int32Array(n);
  const preds: number[][] = Array.from({ length: n }, () => []);
  const succs: number[][] = Array.from({ length: n }, () => []);
  for (const e of edges) {
    preds[e.to].push(e.from);
    succs[e.from].push(e.to);
  }
  let ranks = 0;
  for (let v = 0; v < n; v++) {
    let r = 0;
    for (const u of preds[v]) if (rank[u] + 1 > r) r = rank[u] + 1;
    rank[v] = r;
    if (r + 1 > ranks) ranks = r + 1;
  }
  const layers: number[][] = Array.from({ length: ranks }, () => []);
  for (let v = 0; v < n; v++) layers[rank[v]].push(v);
  const pos = new Float64Array(n);
  const place = () => layers.forEach((l) => l.forEach((v, i) => (pos[v] = i)));
  place();
  for (let s = 0; s < SWEEPS; s++) {
    const down = s % 2 === 0;
    for (let k = down ? 1 : ranks - 2; down ? k < ranks : k >= 0; k += down ? 1 : -1) {
      const key = new Float64Array(n);
      for (const v of layers[k]) {
        const nb = down ? preds[v] : succs[v];
        let sum = 0;
        for (const u of nb) sum += pos[u];
        key[v] = nb.length ? sum / nb.length : pos[v];
      }
      layers[k].sort((a, b) => key[a] - key[b] || a - b);
      layers[k].forEach((v, i) => (pos[v] = i));
    }
  }
  const x = new Float64Array(n), y = new Float64Array(n);
  let cx = gap.margin, height = 0;
  const colH: number[] = [];
  for (const l of layers) {
    let h = 0;
    for (const v of l) h += nodes[v].h + gap.node;
    colH.push(h);
    if (h > height) height = h;
  }
  layers.forEach((l, k) => {
    let w = 0;
    for (const v of l) w = Math.max(w, nodes[v].w);
    let cy = gap.margin + (height - colH[k]) / 2;
    for (const v of l) {
      x[v] = cx + w / 2;
      y[v] = cy + nodes[v].h / 2;
      cy += nodes[v].h + gap.node;
    }
    cx += w + gap.rank;
  });
  return { x, y, width: cx - gap.rank + gap.margin, height: height + 2 * gap.margin };
}
