// The cell store: one record per cell address ever mentioned, by dense integer id, so the
// graph walks, caches and tapes can be flat arrays indexed by id. Everything else in the
// engine reads and writes cells through these records.
import type { CellError } from './errors';
import type { Program } from './eval/program';
import { parseAddress } from './formula/address';
import type { OpMeta } from './ops/define';
import type { Value } from './tensor/value';

export { type CellError, toCellError } from './errors';

export interface Cell {
  id: number;
  at: string;
  name: string | null;
  formula: string;
  note: string | null;
  param: Value | null;
  prog: Program | null;
  /** Cell ids behind the program's links. */
  links: number[];
  compileError: CellError | null;
  mentions: Set<string>;
  deps: number[];
  users: number[];
  value: Value | null;
  error: CellError | null;
  slots: Value[];
  meta: OpMeta;
  /** Bumped on every evaluation: cached gradients of a loss are valid while its version holds. */
  version: number;
  /** Address order as a number (column-major, as files list cells): sorting needs no parsing. */
  order: number;
  /** Fields of this cell in its file that the engine does not interpret, written back unchanged. */
  extra: Record<string, unknown> | null;
}

/** A cell in messages: its name and address, or just the address. */
export function label(c: Cell): string {
  return c.name ? `${c.name} (${c.at})` : c.at;
}

export function emptyError(at: string): CellError {
  return { kind: 'REF', message: `${at} is empty` };
}

const NO_NAMES: Set<string> = new Set();

export interface CellStore {
  readonly cells: Cell[];
  /** The record of `at`, created (empty) on first use. */
  cellAt(at: string): Cell;
  /** The id of `at`, or undefined when no record exists. */
  idOf(at: string): number | undefined;
  /** A cell with nothing in it: no formula, name, note, stored value or extra fields. */
  isEmpty(c: Cell): boolean;
  /** Sorted by address, in place. */
  byAddress(list: Cell[]): Cell[];
}

export function createCellStore(): CellStore {
  const cells: Cell[] = [];
  const byAt = new Map<string, number>();
  return {
    cells,
    cellAt(at) {
      let id = byAt.get(at);
      if (id === undefined) {
        id = cells.length;
        const a = parseAddress(at)!;
        cells.push({
          id, at, name: null, formula: '', note: null, param: null, prog: null, links: [], compileError: null,
          mentions: NO_NAMES, deps: [], users: [], value: null, error: emptyError(at), slots: [], meta: {}, version: 0,
          order: a.col * 10_000 + a.row, extra: null,
        });
        byAt.set(at, id);
      }
      return cells[id];
    },
    idOf: (at) => byAt.get(at),
    isEmpty: (c) => c.formula === '' && c.name === null && c.note === null && c.param === null && c.extra === null,
    byAddress: (list) => list.sort((a, b) => a.order - b.order),
  };
}
