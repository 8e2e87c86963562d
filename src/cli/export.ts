// gradsheet export SHEET --to numpy|pytorch [--out FILE]: the sheet as a standalone Python
// script (engine/export/script.ts), on stdout or into FILE. Exit 0 written, 1 the sheet cannot
// be exported (an op without a spelling), 2 an invalid file or command line.
import { createEngine } from '../engine/engine';
import { exportSheet } from '../engine/export/script';
import type { Io } from './main';
import { optionValue, readDocFile, writeOut } from './sheet-file';

const USAGE = 'usage: gradsheet export SHEET.json --to numpy|pytorch [--out FILE]';

export function exportCommand(args: string[], io: Io): number {
  const to = optionValue(args, '--to');
  const out = optionValue(to.rest, '--out');
  const bad = out.rest.find((a) => a.startsWith('--'));
  const files = out.rest.filter((a) => !a.startsWith('--'));
  const problem =
    to.problem ?? out.problem ?? (bad ? `unknown option ${bad}` : to.value === undefined ? 'missing --to numpy|pytorch' : to.value !== 'numpy' && to.value !== 'pytorch' ? `--to ${to.value}: expected numpy or pytorch` : files.length !== 1 ? `expected one sheet file, got ${files.length}` : null);
  if (problem) {
    io.err(`gradsheet export: ${problem}\n${USAGE}`);
    return 2;
  }
  const read = readDocFile(files[0]);
  if (!read.ok) {
    io.err(read.error);
    return 2;
  }
  for (const w of read.warnings) io.err(`warning: ${w}`);
  const engine = createEngine();
  engine.load(read.doc);
  const res = exportSheet(engine, to.value as 'numpy' | 'pytorch', read.doc.title);
  if (!res.ok) {
    io.err(`${files[0]}: ${res.error}`);
    return 1;
  }
  if (out.value === undefined) {
    io.out(res.text.replace(/\n$/, ''));
    return 0;
  }
  const failed = writeOut(out.value, res.text);
  if (failed) {
    io.err(failed);
    return 2;
  }
  return 0;
}
