// Errors, at the bottom of the engine: every module may import this one, it imports none.
// A cell's failure is a value (CellError) with a typed kind, shown in the cell as #KIND and
// propagated to its dependents naming where it started. Inside one cell's evaluation, ops
// and kernels throw OpError; the evaluator catches it at the cell boundary (toCellError),
// so nothing thrown for a bad cell ever crosses to another cell.

/**
 * Kinds of per-cell error, shown in the cell as #KIND. LOADING: data still on its way (MNIST
 * digits in the app); the cell recomputes when they arrive.
 */
export type ErrorKind = 'PARSE' | 'NAME' | 'SHAPE' | 'CYCLE' | 'VALUE' | 'SIZE' | 'REF' | 'ARG' | 'GRAD' | 'LOADING' | 'TRAIN';

export interface CellError {
  kind: ErrorKind;
  message: string;
  /** The address of the cell where the error started (for propagated errors). */
  origin?: string;
}

/** Thrown inside one cell's evaluation; becomes that cell's error value. */
export class OpError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** A formula that does not parse; `pos` is the 0-based character position, or −1 when unknown. */
export class ParseError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/** Unknown names found while compiling: the formula is an error until they exist. */
export class UnknownNameError extends OpError {
  constructor(readonly names: string[], message: string) {
    super('NAME', message);
  }
}

/** A referenced cell holds an error: this cell shows it too, naming where it started. */
export class UpstreamError extends Error {
  constructor(readonly error: CellError) {
    super(error.message);
  }
}

/** The error a cell shows when a cell it reads (at `at`) holds `e`: named after where it started. */
export function upstream(e: CellError, at: string): CellError {
  return { kind: e.kind, message: e.origin ? e.message : `${at}: ${e.message}`, origin: e.origin ?? at };
}

export function isCellError(v: unknown): v is CellError {
  return typeof v === 'object' && v !== null && 'kind' in v && 'message' in v && !('rows' in v);
}

/** Whatever stopped a cell's evaluation, as the error value the cell shows. */
export function toCellError(e: unknown): CellError {
  if (e instanceof UpstreamError) return e.error;
  if (e instanceof ParseError) return { kind: 'PARSE', message: e.pos >= 0 ? `${e.message} (at character ${e.pos + 1})` : e.message };
  if (e instanceof OpError) return { kind: e.kind, message: e.message };
  if (e instanceof RangeError) return { kind: 'SIZE', message: `too large to compute: ${e.message}` };
  return { kind: 'VALUE', message: e instanceof Error ? e.message : String(e) };
}
