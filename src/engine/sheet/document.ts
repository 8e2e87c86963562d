// The sheet as a document: plain data, exactly what a file holds (FORMAT.md, version 1).
// No selection, no cached values: only formulas, names, notes and parameter values.

export const FORMAT_VERSION = 1;

/** The fields version 1 defines; any other field is kept as it was (`extra`) and written back. */
export const TOP_FIELDS = ['gradsheet', 'title', 'notes', 'cells'] as const;
export const CELL_FIELDS = ['at', 'name', 'formula', 'value', 'note'] as const;

export interface CellDoc {
  at: string;
  name?: string;
  formula: string;
  /** A parameter cell's current value (trained weights): a number or a list of rows. */
  value?: number | number[][];
  note?: string;
  /** Fields of this cell that this reader does not interpret: kept as they were and written back unchanged. */
  extra?: Record<string, unknown>;
}

export interface SheetDoc {
  gradsheet: 1;
  title?: string;
  notes?: string;
  cells: CellDoc[];
  /**
   * Fields of later versions or of the app (view settings, optimizer state, loss curves) that
   * this reader does not interpret: kept as they were and written back unchanged.
   */
  extra?: Record<string, unknown>;
}

export function emptySheet(title?: string): SheetDoc {
  return title ? { gradsheet: 1, title, cells: [] } : { gradsheet: 1, cells: [] };
}
