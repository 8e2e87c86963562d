// The dependency edges between cells: each cell's deps (cells its formula reads) and users
// (cells whose formulas read it), kept symmetric. The version is bumped whenever an edge
// changes, so that cached orders (scheduler, reverse passes, plans) know when to recompute.
export interface EdgeNode {
  id: number;
  deps: number[];
  users: number[];
}

export interface Edges {
  /** Replace a node's deps (and the users lists that mirror them); false when nothing changed. */
  setDeps(node: EdgeNode, deps: number[]): boolean;
  version(): number;
}

export function createEdges(nodes: readonly EdgeNode[]): Edges {
  let version = 0;
  return {
    setDeps(node, deps) {
      if (sameList(node.deps, deps)) return false; // re-typing a number keeps the edges (and cached orders)
      version++;
      for (const d of node.deps) {
        const u = nodes[d].users;
        const i = u.indexOf(node.id);
        if (i >= 0) {
          u[i] = u[u.length - 1];
          u.pop();
        }
      }
      node.deps = deps;
      for (const d of deps) nodes[d].users.push(node.id);
      return true;
    },
    version: () => version,
  };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
