// Exercise answer marks: which cells of a sheet are the answers a student fills in. They travel
// in the sheet file as two optional per-cell fields (FORMAT.md: "further fields that the app
// needs … are documented next to the code that reads them"):
//
// | field             | meaning |
// | ---               | --- |
// | `cells[].answer`  | `true`: the cell is an answer. The student copy empties it, `gradsheet grade` takes its formula from the submission. |
// | `cells[].by_hand` | `true`: the answer must be derived by hand — it may not call `grad` or `numgrad`, directly or through another cell. Only on an answer cell. |
//
// Absent means false; `false` is accepted and written back as read. Anything else is refused
// by the file reader with its JSON path (`cells[3].answer: expected true or false, got "yes"`).
import type { CellDoc, SheetDoc } from '../sheet/document';

/** The per-cell fields this module reads (the file reader neither warns about them nor drops them). */
export const MARK_FIELDS: readonly string[] = ['answer', 'by_hand'];

export interface AnswerMark {
  at: string;
  name: string | null;
  byHand: boolean;
}

/** What is wrong with a cell's marks (a message starting with the JSON path), or null. */
export function marksProblem(extra: Record<string, unknown> | undefined, path: string): string | null {
  if (!extra) return null;
  for (const key of MARK_FIELDS) {
    if (!Object.hasOwn(extra, key)) continue;
    const v = extra[key];
    if (typeof v !== 'boolean') return `${path}.${key}: expected true or false, got ${v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v}`;
  }
  if (extra.by_hand === true && extra.answer !== true) return `${path}.by_hand: only an answer cell can be required by hand (add "answer": true)`;
  return null;
}

export function isAnswer(cell: CellDoc): boolean {
  return cell.extra?.answer === true;
}

/** The answer cells of a sheet, in file order. */
export function answerMarks(doc: SheetDoc): AnswerMark[] {
  return doc.cells.filter(isAnswer).map((c) => ({ at: c.at, name: c.name ?? null, byHand: c.extra?.by_hand === true }));
}

/**
 * The sheet with the cell at `at` marked (or unmarked) as an answer. A new document: the
 * input is not changed. Unmarking removes both fields; a cell that does not exist gets an
 * empty formula, so an instructor can mark where an answer goes before writing it.
 */
export function withAnswerMark(doc: SheetDoc, at: string, mark: { answer: boolean; byHand?: boolean }): SheetDoc {
  let found = false;
  const cells = doc.cells.map((c) => {
    if (c.at !== at) return c;
    found = true;
    return markCell(c, mark);
  });
  if (!found && mark.answer) cells.push(markCell({ at, formula: '' }, mark));
  return { ...doc, cells };
}

function markCell(c: CellDoc, mark: { answer: boolean; byHand?: boolean }): CellDoc {
  const extra: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(c.extra ?? {})) if (!MARK_FIELDS.includes(k)) Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (mark.answer) {
    extra.answer = true;
    if (mark.byHand) extra.by_hand = true;
  }
  const out: CellDoc = { ...c };
  if (Object.keys(extra).length) out.extra = extra;
  else delete out.extra;
  return out;
}
