// One cell of the sheet as the engine holds it, and the helpers every part of the engine
// shares about cells: how they are named in messages and how a failure becomes a cell error.
import { ParseError } from './formula/parse';
import { type CellError, UpstreamError } from './eval/forward';
import { type Program, UnknownNameError } from './eval/program';
import type { OpMeta } from './ops/define';
import { OpError, type Value } from './tensor/value';

export type { CellError } from './eval/forward';

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
}

/** A cell in messages: its name and address, or just the address. */
export function label(c: Cell): string {
  return c.name ? `${c.name} (${c.at})` : c.at;
}

/** Whatever stopped a cell's evaluation, as the error value the cell shows. */
export function toCellError(e: unknown): CellError {
  if (e instanceof UpstreamError) return e.error;
  if (e instanceof ParseError) return { kind: 'PARSE', message: e.pos >= 0 ? `${e.message} (at character ${e.pos + 1})` : e.message };
  if (e instanceof UnknownNameError) return { kind: 'NAME', message: e.message };
  if (e instanceof OpError) return { kind: e.kind, message: e.message };
  if (e instanceof RangeError) return { kind: 'SIZE', message: `too large to compute: ${e.message}` };
  return { kind: 'VALUE', message: e instanceof Error ? e.message : String(e) };
}
