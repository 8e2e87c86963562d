// Grading an exercise: the submission's answers are put into the instructor's sheet (the key)
// and the key's checks are run there. Only the answer cells come from the submission — inputs,
// checks and everything else are the key's, so a submission cannot grade itself — plus helper
// cells the student added at addresses (and under names) the key does not use, so that an
// answer may build on the student's own intermediate cells.
//
// An answer marked `by_hand` fails when it calls grad or numgrad, directly or through any cell
// it reads (a helper, or a cell of the key).
import { createEngine, type Engine } from '../engine';
import type { CellDoc, SheetDoc } from '../sheet/document';
import { answerMarks } from './marks';
import { cellReads, reachesCall } from './reads';

export interface AnswerResult {
  at: string;
  name: string | null;
  /** The submitted formula ('' when the submission leaves the cell empty). */
  formula: string;
  byHand: boolean;
  ok: boolean;
  /** Why it fails (null when ok). */
  reason: string | null;
}

export interface CheckResult {
  at: string;
  name: string | null;
  formula: string;
  pass: boolean;
  relErr: number | null;
  error: string | null;
}

export interface GradeReport {
  pass: boolean;
  passed: number;
  failed: number;
  answers: AnswerResult[];
  checks: CheckResult[];
  /** Helper cells brought in from the submission, and those left out (and why). */
  notes: string[];
}

export const GRADIENT_FUNCTIONS = ['grad', 'numgrad'] as const;

/** The key with the submission's answers in it, and what happened to the submission's other cells. */
export function mergeSubmission(key: SheetDoc, submission: SheetDoc): { doc: SheetDoc; notes: string[] } {
  const answers = new Set(answerMarks(key).map((a) => a.at));
  const sub = new Map(submission.cells.map((c) => [c.at, c]));
  const keyAt = new Set(key.cells.map((c) => c.at));
  const keyNames = new Set(key.cells.flatMap((c) => (c.name ? [c.name] : [])));
  const notes: string[] = [];
  const cells: CellDoc[] = key.cells.map((c) => (answers.has(c.at) ? { ...c, formula: sub.get(c.at)?.formula ?? '' } : c));
  for (const c of submission.cells) {
    if (keyAt.has(c.at) || c.formula.trim() === '') continue;
    if (c.name && keyNames.has(c.name)) {
      notes.push(`left out the submission's cell ${c.at}: its name ${c.name} belongs to another cell of the key`);
      continue;
    }
    const helper: CellDoc = { at: c.at, formula: c.formula };
    if (c.name) helper.name = c.name;
    if (c.value !== undefined) helper.value = c.value;
    cells.push(helper);
    notes.push(`brought in the submission's helper cell ${c.at}${c.name ? ` (${c.name})` : ''} = ${c.formula}`);
  }
  return { doc: { ...key, cells }, notes };
}

/** Grade `submission` against `key`; the key must mark at least one answer (checked by the caller). */
export function grade(key: SheetDoc, submission: SheetDoc, engine: Engine = createEngine()): GradeReport {
  const { doc, notes } = mergeSubmission(key, submission);
  const reads = cellReads(doc);
  const names = new Map(doc.cells.map((c) => [c.at, c.name ?? null]));
  const label = (at: string) => (names.get(at) ? `${at} (${names.get(at)})` : at);
  const answers: AnswerResult[] = answerMarks(key).map((a) => {
    const formula = doc.cells.find((c) => c.at === a.at)!.formula;
    let reason: string | null = null;
    if (formula.trim() === '') reason = 'no answer given';
    else if (a.byHand) {
      const hit = reachesCall(reads, a.at, GRADIENT_FUNCTIONS);
      if (hit) {
        const via = hit.path.length > 1 ? ` through ${hit.path.slice(1).map(label).join(' → ')}` : '';
        reason = `must be derived by hand, but calls ${hit.fn}${via}`;
      }
    }
    return { at: a.at, name: a.name, formula, byHand: a.byHand, ok: reason === null, reason };
  });
  engine.load(doc);
  // Only the key's checks count: a submission's own check cells cannot pad the score.
  const keyAt = new Set(key.cells.map((c) => c.at));
  const checks: CheckResult[] = engine
    .cells({ loss: null })
    .filter((c) => c.isCheck && keyAt.has(c.at))
    .map((c) => ({
      at: c.at,
      name: c.name,
      formula: c.formula,
      pass: !c.error && c.check !== null && c.check.pass,
      relErr: c.check && !c.error ? c.check.relErr : null,
      error: c.error ? `#${c.error.kind}: ${c.error.message}` : c.check ? null : 'no verdict',
    }));
  const passed = answers.filter((a) => a.ok).length + checks.filter((c) => c.pass).length;
  const failed = answers.length + checks.length - passed;
  return { pass: failed === 0, passed, failed, answers, checks, notes };
}
