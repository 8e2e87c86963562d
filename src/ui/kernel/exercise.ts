// The app's exercise and export actions, as plain functions over the workspace (no DOM, no
// Solid): read and toggle a cell's answer marks (an undoable edit of the document), and the
// texts of the downloads — the student copy, the NumPy and the PyTorch scripts.
import { exportSheet } from '../../engine/export/script';
import type { Dialect } from '../../engine/export/spell';
import { withAnswerMark } from '../../engine/exercise/marks';
import { studentCopy } from '../../engine/exercise/student';
import { writeSheet } from '../../engine/sheet/format';
import { fileNameFor } from './persistence';
import type { Workspace } from './workspace';

export interface Mark {
  answer: boolean;
  byHand: boolean;
}

export function markOf(ws: Workspace, at: string): Mark {
  // One cell's record (the answer toggle reads it after every edit): not the whole document.
  const extra = ws.cellState(at).extra;
  return { answer: extra?.answer === true, byHand: extra?.by_hand === true };
}

/** Mark (or unmark) a non-empty cell as an answer; one undoable edit. Returns a message when it cannot. */
export function setMark(ws: Workspace, at: string, mark: Mark): string | null {
  const doc = ws.toDoc();
  if (!doc.cells.some((c) => c.at === at)) return `${at} is empty: write the answer (or give the cell a name) before marking it`;
  const label = mark.answer ? `mark ${at} as an answer${mark.byHand ? ' (by hand)' : ''}` : `unmark the answer ${at}`;
  ws.load(withAnswerMark(doc, at, { answer: mark.answer, byHand: mark.answer && mark.byHand }), label);
  return null;
}

export type Download = { ok: true; name: string; text: string; type: string } | { ok: false; error: string };

export function studentCopyDownload(ws: Workspace): Download {
  const doc = ws.toDoc();
  const copy = studentCopy(doc, (at) => ws.engine.get(at, { loss: null })?.value ?? null);
  if (!copy.ok) return { ok: false, error: `Student copy: ${copy.error}` };
  return { ok: true, name: fileNameFor(ws.title()).replace(/\.json$/, '-student.json'), text: writeSheet(copy.doc), type: 'application/json' };
}

export function scriptDownload(ws: Workspace, dialect: Dialect): Download {
  const res = exportSheet(ws.engine, dialect, ws.title() || undefined);
  if (!res.ok) return { ok: false, error: `Export: ${res.error}` };
  return { ok: true, name: fileNameFor(ws.title()).replace(/\.json$/, dialect === 'numpy' ? '-numpy.py' : '-pytorch.py'), text: res.text, type: 'text/x-python' };
}
