// The engine's schedule: dirty cells → everything downstream → topological order, each cell
// evaluated once; cells on a cycle get a #CYCLE error naming the cycle and the cells behind
// them are evaluated after it. With a slicer, a long recompute runs in slices (and so does a
// reverse pass that a grad cell needs), reporting progress between them. The scheduler knows
// cells only as integer ids with deps and users; what evaluating one means is the host's.
import { Marks, findCycles, reach, topoOrder } from './order';

/**
 * How a host lets long recomputes yield (the app: a macrotask and a frame budget). Without
 * one, every recompute finishes before the edit returns (the CLI, tests, a Worker).
 */
export interface Slicer {
  now(): number;
  /** Run `fn` later, after the host has had a chance to paint and handle input. */
  defer(fn: () => void): void;
  /** Milliseconds of recompute per slice. */
  budgetMs: number;
}

/** A resumable piece of work that must run before a cell is evaluated (a reverse pass). */
export interface Resumable {
  /** Work until done (true) or until `deadline` on the slicer's clock (false). */
  step(deadline: number): boolean;
  finish(): void;
}

export interface ScheduleHost {
  size(): number;
  deps(id: number): readonly number[];
  users(id: number): readonly number[];
  /** The edges' version: cached orders are kept while it holds. */
  edgeVersion(): number;
  evaluate(id: number): void;
  /** Put the cycle's members in error (`members`: the ids of one cycle). */
  markCycle(members: number[]): void;
  /** With a slicer: work that must run before `id` is evaluated, or null. */
  before(id: number): Resumable | null;
  /** A cell was recomputed (reported in the next change set). */
  changed(id: number): void;
  /** Tell listeners what changed; `progress` while a sliced recompute is under way. */
  emit(progress: { done: number; total: number } | null): void;
}

export interface Scheduler {
  /** Mark a cell for recomputation at the next flush. */
  markDirty(id: number): void;
  /** Something changed that listeners must hear about even with nothing dirty. */
  markStructure(): void;
  /** True when a structural change waits to be reported (read by the host's emit). */
  takeStructure(): boolean;
  /** Recompute now, unless inside batch(). */
  flush(): void;
  batch<T>(fn: () => T): T;
  busy(): boolean;
}

export function createScheduler(host: ScheduleHost, slicer: Slicer | null): Scheduler {
  let job: { order: number[]; leftover: number[]; k: number; before: Resumable | null } | null = null;
  let pendingDirty = new Set<number>();
  let pendingStructure = false;
  let batchDepth = 0;
  const marks = new Marks();
  const marks2 = new Marks();
  const orderCache = new Map<number, { version: number; order: number[] }>();

  /**
   * Everything downstream of `dirty` in topological order. The order after a one-cell edit
   * is cached until an edge changes: editing a number again and again (the common case)
   * then skips the graph walk.
   */
  function downstreamOrder(dirty: Set<number>): { order: number[]; leftover: number[] } {
    const single = dirty.size === 1 ? dirty.values().next().value! : -1;
    const version = host.edgeVersion();
    if (single >= 0) {
      const hit = orderCache.get(single);
      if (hit && hit.version === version) return { order: hit.order, leftover: [] };
    }
    const n = host.size();
    const { ids, stamp } = reach(dirty, host.users, marks, n);
    const res = topoOrder(ids, stamp, marks, host.deps, host.users);
    if (single >= 0 && res.leftover.length === 0 && res.order.length > 64) {
      if (orderCache.size > 64) orderCache.clear();
      orderCache.set(single, { version, order: res.order });
    }
    return res;
  }

  function recompute(): void {
    // Edits made while a sliced recompute runs wait for it: it picks them up when it ends.
    if (job) return;
    const dirty = pendingDirty;
    pendingDirty = new Set();
    if (dirty.size === 0 && !pendingStructure) return host.emit(null);
    const { order, leftover } = downstreamOrder(dirty);
    job = { order, leftover, k: 0, before: null };
    runJob();
  }

  function yieldJob(j: NonNullable<typeof job>, start: number): void {
    for (let k = start; k < j.k; k++) host.changed(j.order[k]);
    host.emit({ done: j.k, total: j.order.length });
    slicer!.defer(runJob);
  }

  /**
   * Evaluate the job's cells in order. With a slicer, stop when the slice's budget is spent
   * (checked every 64 cells), tell listeners how far it got, and continue later; small
   * recomputes finish within the first slice, synchronously.
   */
  function runJob(): void {
    const j = job!;
    const t0 = slicer ? slicer.now() : 0;
    const { order } = j;
    const start = j.k;
    while (j.k < order.length) {
      // A grad cell is next: its reverse pass can be as long as the forward, so with a
      // slicer it runs in slices of its own before the cell is evaluated.
      if (slicer && !j.before) j.before = host.before(order[j.k]);
      if (j.before) {
        if (!j.before.step(t0 + slicer!.budgetMs)) {
          yieldJob(j, start);
          return;
        }
        j.before.finish();
        j.before = null;
        continue; // the cell may read other losses too
      }
      host.evaluate(order[j.k++]);
      if (slicer && (j.k & 63) === 0 && j.k < order.length && slicer.now() - t0 > slicer.budgetMs) {
        yieldJob(j, start);
        return;
      }
    }
    if (j.leftover.length) markCycles(j.leftover);
    for (let k = start; k < order.length; k++) host.changed(order[k]);
    for (let k = 0; k < j.leftover.length; k++) host.changed(j.leftover[k]);
    job = null;
    host.emit(null);
    if (pendingDirty.size || pendingStructure) recompute();
  }

  function markCycles(leftover: number[]): void {
    const onCycle = new Set<number>();
    for (const cycle of findCycles(leftover, host.users)) {
      for (const id of cycle) onCycle.add(id);
      host.markCycle(cycle);
    }
    // The rest depend on a cycle: evaluate them in order now that cycle cells hold errors.
    const rest = leftover.filter((id) => !onCycle.has(id));
    if (!rest.length) return;
    const n = host.size();
    const { ids, stamp } = reach(rest, () => [], marks2, n);
    const sub = topoOrder(ids, stamp, marks2, host.deps, host.users);
    for (const id of sub.order) host.evaluate(id);
  }

  const scheduler: Scheduler = {
    markDirty: (id) => void pendingDirty.add(id),
    markStructure: () => void (pendingStructure = true),
    takeStructure() {
      const s = pendingStructure;
      pendingStructure = false;
      return s;
    },
    flush() {
      if (batchDepth === 0) recompute();
    },
    batch(fn) {
      batchDepth++;
      try {
        return fn();
      } finally {
        batchDepth--;
        scheduler.flush();
      }
    },
    busy: () => job !== null,
  };
  return scheduler;
}
