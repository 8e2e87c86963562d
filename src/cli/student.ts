// gradsheet student SHEET [--out FILE]: the student copy of an exercise sheet (answers emptied,
// no trace of them left; exercise/student.ts). Exit 0 written, 1 the copy would give answers
// away (or the sheet marks none), 2 an invalid file or command line.
import { createEngine } from '../engine/engine';
import { studentCopy } from '../engine/exercise/student';
import { writeSheet } from '../engine/sheet/format';
import type { Io } from './main';
import { optionValue, readDocFile, writeOut } from './sheet-file';

export function studentCommand(args: string[], io: Io): number {
  const out = optionValue(args, '--out');
  const files = out.rest.filter((a) => !a.startsWith('--'));
  const bad = out.rest.find((a) => a.startsWith('--'));
  if (out.problem || bad || files.length !== 1) {
    io.err(`gradsheet student: ${out.problem ?? (bad ? `unknown option ${bad}` : `expected one sheet file, got ${files.length}`)}\nusage: gradsheet student SHEET.json [--out FILE]`);
    return 2;
  }
  const read = readDocFile(files[0]);
  if (!read.ok) {
    io.err(read.error);
    return 2;
  }
  const engine = createEngine();
  engine.load(read.doc);
  const copy = studentCopy(read.doc, (at) => engine.get(at)?.value ?? null);
  if (!copy.ok) {
    io.err(`${files[0]}: ${copy.error}`);
    return 1;
  }
  const text = writeSheet(copy.doc);
  if (out.value === undefined) {
    io.out(text.replace(/\n$/, ''));
    return 0;
  }
  const problem = writeOut(out.value, text);
  if (problem) {
    io.err(problem);
    return 2;
  }
  if (copy.leftOut.length) io.err(`left out the cells that read answers: ${copy.leftOut.join(', ')}`);
  return 0;
}
