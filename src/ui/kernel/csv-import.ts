// CSV into a data cell (SPEC §4 "your own data"): an imported file or pasted text becomes the
// matrix stored with the cell, formula `data()`, saved in the file as the cell's value. One
// undoable edit; a bad file changes nothing and says what is wrong and where.
import { parseCsv } from '../../engine/data/csv';
import { normalize, valueToJson } from '../../engine/tensor/value';
import type { Workspace } from './workspace';

export type CsvImportResult = { ok: true; rows: number; cols: number; header: string[] | null } | { ok: false; message: string };

/** Parse `text` and store it in `at` as a data cell; `source` names the text in messages (a file name). */
export function csvToDataCell(ws: Workspace, at: string, text: string, source = 'the pasted text'): CsvImportResult {
  const r = parseCsv(text);
  if (!r.ok) return { ok: false, message: `${source}: ${r.message}` };
  ws.setData(at, valueToJson(normalize(r.matrix)), `import ${r.matrix.rows}×${r.matrix.cols} data into ${at}`);
  return { ok: true, rows: r.matrix.rows, cols: r.matrix.cols, header: r.header };
}

/**
 * Pasted plain text that is comma- or semicolon-separated numbers (two columns or more, an
 * optional header) becomes a data cell at `at`; returns false for anything else, which is then
 * pasted as formulas. Tab-separated text (a block copied from a spreadsheet) keeps filling cells.
 */
export function pasteCsvData(ws: Workspace, at: string, text: string): boolean {
  if (text.includes('\t')) return false;
  const r = parseCsv(text);
  if (!r.ok || r.matrix.cols < 2) return false;
  ws.setData(at, valueToJson(normalize(r.matrix)), `paste ${r.matrix.rows}×${r.matrix.cols} data into ${at}`);
  return true;
}
