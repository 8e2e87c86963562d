// Graph walks over integer cell ids, all iterative (a 100,000-cell chain must not overflow
// the stack). Adjacency comes from callbacks so the walks know nothing of cells.

export type Neighbours = (id: number) => readonly number[];

/**
 * Stamp-based visited marks, reused between walks (no per-walk allocation of N entries), and
 * a per-id counter beside them (topoOrder's in-degrees). Both grow together in ensure(), so a
 * walk's scratch can never be shorter than its marks (a fixed 1,024-entry in-degree array
 * once made numgrad NaN past the 1,024th cell).
 */
export class Marks {
  private stamp = 1;
  private marks = new Int32Array(1024);
  /** Scratch counters indexed by id, as long as the marks. */
  counts = new Int32Array(1024);

  next(): number {
    this.stamp++;
    if (this.stamp > 0x7ffffff0) {
      this.marks.fill(0);
      this.stamp = 1;
    }
    return this.stamp;
  }

  ensure(n: number): void {
    if (n > this.marks.length) {
      const m = new Int32Array(Math.max(n, this.marks.length * 2));
      m.set(this.marks);
      this.marks = m;
      this.counts = new Int32Array(m.length);
    }
  }

  get(id: number): number {
    return this.marks[id];
  }

  set(id: number, s: number): void {
    this.marks[id] = s;
  }
}

/** Every id reachable from `seeds` (seeds included), in discovery order, each marked in `marks` with the returned stamp. */
export function reach(seeds: Iterable<number>, next: Neighbours, marks: Marks, capacity: number): { ids: number[]; stamp: number } {
  marks.ensure(capacity);
  const s = marks.next();
  const ids: number[] = [];
  for (const id of seeds) {
    if (marks.get(id) === s) continue;
    marks.set(id, s);
    ids.push(id);
  }
  for (let k = 0; k < ids.length; k++) {
    const out = next(ids[k]);
    for (let j = 0; j < out.length; j++) {
      const u = out[j];
      if (marks.get(u) !== s) {
        marks.set(u, s);
        ids.push(u);
      }
    }
  }
  return { ids, stamp: s };
}

/**
 * Kahn's algorithm restricted to `ids` (all marked with `stamp` by `reach`, which sized
 * `marks` for them): returns them in an order where every id comes after the ids it depends
 * on (`before`), plus those left over because they are in, or downstream of, a cycle. The
 * in-degrees live in `marks.counts`, so no caller has a buffer of its own to keep in size.
 */
export function topoOrder(
  ids: readonly number[],
  stamp: number,
  marks: Marks,
  before: Neighbours,
  after: Neighbours,
): { order: number[]; leftover: number[] } {
  const indeg = marks.counts;
  for (const id of ids) {
    let d = 0;
    const b = before(id);
    for (let j = 0; j < b.length; j++) if (marks.get(b[j]) === stamp) d++;
    indeg[id] = d;
  }
  const order: number[] = [];
  for (const id of ids) if (indeg[id] === 0) order.push(id);
  for (let k = 0; k < order.length; k++) {
    const a = after(order[k]);
    for (let j = 0; j < a.length; j++) {
      const u = a[j];
      if (marks.get(u) === stamp && --indeg[u] === 0) order.push(u);
    }
  }
  if (order.length === ids.length) return { order, leftover: [] };
  const leftover = ids.filter((id) => indeg[id] > 0);
  return { order, leftover };
}

/**
 * The cycles among `ids`: strongly connected components of size > 1, or a self-loop, by
 * Tarjan's algorithm with an explicit stack. Each cycle is reported on its own.
 */
export function findCycles(ids: readonly number[], next: Neighbours): number[][] {
  const inSet = new Set(ids);
  const index = new Map<number, number>();
  const low = new Map<number, number>();
  const onStack = new Set<number>();
  const stack: number[] = [];
  const result: number[][] = [];
  let counter = 0;
  for (const root of ids) {
    if (index.has(root)) continue;
    const work: { v: number; i: number }[] = [{ v: root, i: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const top = work[work.length - 1];
      const out = next(top.v);
      if (top.i < out.length) {
        const w = out[top.i++];
        if (!inSet.has(w)) continue;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ v: w, i: 0 });
        } else if (onStack.has(w)) {
          low.set(top.v, Math.min(low.get(top.v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(top.v)!));
      }
      if (low.get(top.v) === index.get(top.v)) {
        const comp: number[] = [];
        let w: number;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          comp.push(w);
        } while (w !== top.v);
        if (comp.length > 1 || out.includes(top.v)) result.push(comp);
      }
    }
  }
  return result;
}
