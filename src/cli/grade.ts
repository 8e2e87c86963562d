// gradsheet grade SUBMISSION --key KEY [--json]: the submission's answers put into the key and
// the key's checks run (exercise/grade.ts). Exit 0 every check and answer passes, 1 otherwise,
// 2 an invalid file (either one), a key that marks no answer, or a wrong command line.
import { answerMarks } from '../engine/exercise/marks';
import { grade, type GradeReport } from '../engine/exercise/grade';
import { formatNumber } from '../engine/format-value';
import type { Io } from './main';
import { optionValue, readDocFile } from './sheet-file';

const USAGE = 'usage: gradsheet grade SUBMISSION.json --key KEY.json [--json]';

export function gradeCommand(args: string[], io: Io): number {
  const key = optionValue(args, '--key');
  const json = key.rest.includes('--json');
  const rest = key.rest.filter((a) => a !== '--json');
  const bad = rest.find((a) => a.startsWith('--'));
  const files = rest.filter((a) => !a.startsWith('--'));
  const problem = key.problem ?? (bad ? `unknown option ${bad}` : key.value === undefined ? 'missing --key KEY.json' : files.length !== 1 ? `expected one submission file, got ${files.length}` : null);
  if (problem) {
    io.err(`gradsheet grade: ${problem}\n${USAGE}`);
    return 2;
  }
  const k = readDocFile(key.value!);
  if (!k.ok) return fail(io, k.error);
  const s = readDocFile(files[0]);
  if (!s.ok) return fail(io, s.error);
  if (answerMarks(k.doc).length === 0) return fail(io, `${key.value}: not an exercise key: no cell is marked as an answer ("answer": true)`);
  const report = grade(k.doc, s.doc);
  if (json) io.out(JSON.stringify(toJson(report, files[0], key.value!), null, 2));
  else printReport(report, io);
  return report.pass ? 0 : 1;
}

function fail(io: Io, message: string): number {
  io.err(message);
  return 2;
}

/** The gradebook document (README, "gradsheet grade --json"). */
function toJson(r: GradeReport, submission: string, key: string) {
  return {
    submission,
    key,
    pass: r.pass,
    passed: r.passed,
    failed: r.failed,
    answers: r.answers.map((a) => ({ at: a.at, name: a.name, formula: a.formula, by_hand: a.byHand, pass: a.ok, reason: a.reason })),
    checks: r.checks.map((c) => ({ at: c.at, name: c.name, formula: c.formula, pass: c.pass, rel_err: c.relErr === null || Number.isFinite(c.relErr) ? c.relErr : String(c.relErr), error: c.error })),
    notes: r.notes,
  };
}

function printReport(r: GradeReport, io: Io): void {
  io.out('answers');
  for (const a of r.answers) {
    const tag = a.byHand ? ' (by hand)' : '';
    io.out(`${a.ok ? '✓' : '✗'} ${a.at}${a.name ? ` ${a.name}` : ''} = ${a.formula || '(empty)'}${tag}${a.reason ? `: ${a.reason}` : ''}`);
  }
  io.out('checks');
  for (const c of r.checks) {
    const what = c.error ?? (c.relErr === null ? 'no verdict' : `relative error ${formatNumber(c.relErr, 3)}`);
    io.out(`${c.pass ? '✓' : '✗'} ${c.at}${c.name ? ` ${c.name}` : ''}  ${c.formula}  (${what})`);
  }
  for (const n of r.notes) io.out(`note: ${n}`);
  io.out(`${r.passed} passed, ${r.failed} failed`);
}
