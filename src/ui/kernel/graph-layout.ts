// The op graph (engine.opGraph) laid out as a circuit diagram with dagre: left to right, one
// node per cell or one per operation, every edge with room for its forward value (above) and
// its gradient (below), as the lecture notes draw circuits. Plain data; GraphView draws it.
import dagre from '@dagrejs/dagre';
import type { OpGraph, OpNode } from '../../engine/explain/op-graph';
import { formatNumber } from '../../engine/format-value';
import type { Registry } from '../../engine/ops/define';
import type { Value } from '../../engine/tensor/value';
import { layeredLayout } from './layered-layout';

export type GraphMode = 'cells' | 'ops';

export interface LayoutNode {
  id: string;
  /** `cell`: a whole cell (cells mode, or an input in ops mode); `op`: one operation. */
  kind: 'cell' | 'op';
  /** The cell it belongs to (clicking selects it). */
  cell: string;
  label: string;
  /** A second line: the cell's address under its name, or the cell an op's output is. */
  sub: string | null;
  /** The op node (ops mode), or −1. */
  op: number;
  /** The slot whose value this node outputs. */
  slot: number;
  x: number;
  y: number;
  w: number;
  h: number;
  /** True when nothing in the graph reads it (the loss): its value and gradient are drawn on a stub. */
  sink: boolean;
  value: Value;
  grad: Value | null;
}

export interface LayoutEdge {
  id: string;
  from: string;
  to: string;
  points: { x: number; y: number }[];
  /** Where the value (above) and gradient (below) are written. */
  lx: number;
  ly: number;
  value: Value;
  /** What flowed back along this edge (ops: the op's VJP for that input; cells: the consumer's term of the fork sum). */
  grad: Value | null;
  /** The op whose input this is (ops mode), or −1; `arg`: which input. */
  op: number;
  arg: number;
  /** The consumer cell (cells mode). */
  toCell: string;
}

export interface GraphLayout {
  mode: GraphMode;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
  width: number;
  height: number;
}

/** Above this many nodes the expanded view starts collapsed to one node per cell. */
export const EXPAND_LIMIT = 150;
/**
 * dagre lays out up to this many nodes (with room for every edge's numbers); larger graphs
 * take the layered layout (layered-layout.ts): dagre needs seconds beyond a few hundred.
 */
export const DAGRE_LIMIT = 200;

export function defaultMode(graph: OpGraph): GraphMode {
  return graph.nodes.length + graph.cells.length <= EXPAND_LIMIT ? 'ops' : 'cells';
}

/** A value as an edge label: a number, or the matrix's shape. */
export function edgeText(v: Value | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return formatNumber(v, 3);
  if (v.rows * v.cols === 1) return formatNumber(v.data[0], 3);
  return `${v.rows}×${v.cols}`;
}

const PRETTY: Readonly<Record<string, string>> = { '*': '×', '-x': '−', '.T': 'ᵀ', '-': '−' };

/** What an op node says: its operator or function, with literal operands folded in (`+ 1`, `−1 ×`). */
export function opLabel(n: OpNode, registry: Registry): string {
  if (n.op === 'copy') return '=';
  if (n.op === 'stack') return '[ ]';
  const def = registry.get(n.op);
  const sym = def?.symbol !== undefined ? (PRETTY[def.symbol] ?? def.symbol) : (n.via ?? n.op);
  const consts = n.inputs.map((x) => (x.isConst && typeof x.value === 'number' ? formatNumber(x.value, 3).replace('-', '−') : null));
  if (def?.symbol !== undefined && n.inputs.length === 2) {
    if (consts[1] !== null && consts[0] === null) return `${sym} ${consts[1]}`;
    if (consts[0] !== null && consts[1] === null) return `${consts[0]} ${sym}`;
  }
  return sym;
}

const charW = 7.2;

export function layoutGraph(graph: OpGraph, mode: GraphMode, registry: Registry): GraphLayout {
  const nodes: LayoutNode[] = [];
  const edges: LayoutEdge[] = [];
  const slotNode = new Map<number, string>();
  const cellOf = new Map(graph.cells.map((c) => [c.at, c]));
  const addNode = (n: Omit<LayoutNode, 'x' | 'y' | 'sink'>) => {
    nodes.push({ ...n, x: 0, y: 0, sink: true });
    slotNode.set(n.slot, n.id);
  };
  if (mode === 'cells') {
    for (const c of graph.cells) {
      const label = c.name ?? c.at;
      addNode({ id: `c:${c.at}`, kind: 'cell', cell: c.at, label, sub: c.name ? c.at : null, op: -1, slot: c.slot, w: Math.max(56, label.length * charW + 22), h: c.name ? 38 : 28, value: c.value, grad: c.grad });
    }
    for (const e of graph.cellEdges) {
      edges.push({ id: `${e.from}>${e.to}`, from: `c:${e.from}`, to: `c:${e.to}`, points: [], lx: 0, ly: 0, value: e.value, grad: e.grad, op: -1, arg: -1, toCell: e.to });
    }
  } else {
    for (const c of graph.cells) {
      if (c.role === 'formula') continue;
      const label = c.name ?? c.at;
      addNode({ id: `c:${c.at}`, kind: 'cell', cell: c.at, label, sub: c.name ? c.at : null, op: -1, slot: c.slot, w: Math.max(48, label.length * charW + 20), h: c.name ? 38 : 28, value: c.value, grad: c.grad });
    }
    for (const n of graph.nodes) {
      const label = opLabel(n, registry);
      const cell = n.output ? cellOf.get(n.cell) : undefined;
      const sub = cell ? (cell.name ?? cell.at) : null;
      const w = Math.max(36, label.length * charW + 16);
      addNode({ id: `o:${n.id}`, kind: 'op', cell: n.cell, label, sub, op: n.id, slot: n.slot, w, h: 36, value: n.value, grad: n.output ? (cell?.grad ?? n.grad) : n.grad });
    }
    for (const n of graph.nodes) {
      n.inputs.forEach((inp, j) => {
        const from = slotNode.get(inp.slot);
        if (from === undefined || inp.isConst) return;
        edges.push({ id: `${inp.slot}>${n.id}:${j}`, from, to: `o:${n.id}`, points: [], lx: 0, ly: 0, value: inp.value, grad: inp.added, op: n.id, arg: j, toCell: n.cell });
      });
    }
  }

  const hasOut = new Set(edges.map((e) => e.from));
  for (const n of nodes) n.sink = !hasOut.has(n.id);
  const size = nodes.length <= DAGRE_LIMIT ? withDagre(nodes, edges) : withLayers(nodes, edges);
  // Sinks get a stub to the right with their value and gradient.
  return { mode, nodes, edges, width: size.width + 90, height: size.height };
}

function withDagre(nodes: LayoutNode[], edges: LayoutEdge[]): { width: number; height: number } {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 28, edgesep: 8, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const tall = (n: LayoutNode) => (n.sub && n.kind === 'op' ? 16 : 0);
  for (const n of nodes) g.setNode(n.id, { width: n.w, height: n.h + tall(n) });
  for (const e of edges) {
    g.setEdge(e.from, e.to, { width: Math.max(56, Math.max(edgeText(e.value).length, edgeText(e.grad).length) * 6.6 + 10), height: 34, labelpos: 'c' }, e.id);
  }
  dagre.layout(g);
  for (const n of nodes) {
    const p = g.node(n.id);
    n.x = p.x;
    n.y = p.y - tall(n) / 2;
  }
  for (const e of edges) {
    const d = g.edge({ v: e.from, w: e.to, name: e.id }) as { points?: { x: number; y: number }[]; x?: number; y?: number };
    e.points = d.points ?? [];
    const mid = e.points[Math.floor(e.points.length / 2)] ?? { x: 0, y: 0 };
    e.lx = d.x ?? mid.x;
    e.ly = d.y ?? mid.y;
  }
  const gg = g.graph() as { width?: number; height?: number };
  return { width: gg.width ?? 0, height: gg.height ?? 0 };
}

function withLayers(nodes: LayoutNode[], edges: LayoutEdge[]): { width: number; height: number } {
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  const r = layeredLayout(nodes.map((n) => ({ w: n.w, h: n.h + (n.sub && n.kind === 'op' ? 16 : 0) })), edges.map((e) => ({ from: index.get(e.from)!, to: index.get(e.to)! })), { rank: 90, node: 14, margin: 16 });
  nodes.forEach((n, i) => {
    n.x = r.x[i];
    n.y = r.y[i];
  });
  for (const e of edges) {
    const a = nodes[index.get(e.from)!], b = nodes[index.get(e.to)!];
    e.points = [{ x: a.x + a.w / 2, y: a.y }, { x: b.x - b.w / 2, y: b.y }];
    e.lx = (e.points[0].x + e.points[1].x) / 2;
    e.ly = (e.points[0].y + e.points[1].y) / 2;
  }
  return { width: r.width, height: r.height };
}
