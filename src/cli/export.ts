// gradsheet export SHEET --to numpy|pytorch [--steps N] [--out FILE]: the sheet as a standalone
// Python script (engine/export/script.ts), on stdout or into FILE. A training sheet's script
// holds its training loop and takes N steps when run (python3 SCRIPT --steps M overrides it);
// N defaults to 0, so that as exported the script prints what `gradsheet eval` prints.
// Exit 0 written, 1 the sheet cannot be exported (an op without a spelling), 2 an invalid file
// or command line.
import { createEngine } from '../engine/engine';
import { exportSheet } from '../engine/export/script';
import type { Io } from './main';
import { optionValue, readDocFile, writeOut } from './sheet-file';

const USAGE = 'usage: gradsheet export SHEET.json --to numpy|pytorch [--steps N] [--out FILE]';

export function exportCommand(args: string[], io: Io): number {
  const to = optionValue(args, '--to');
  const steps = optionValue(to.rest, '--steps');
  const out = optionValue(steps.rest, '--out');
  const bad = out.rest.find((a) => a.startsWith('--'));
  const files = out.rest.filter((a) => !a.startsWith('--'));
  const badSteps = steps.value !== undefined && (!/^\d+$/.test(steps.value) || Number(steps.value) > 1e9);
  const problem =
    to.problem ?? steps.problem ?? out.problem ?? (bad ? `unknown option ${bad}` : badSteps ? `--steps expects a whole number of steps, got "${steps.value}"` : to.value === undefined ? 'missing --to numpy|pytorch' : to.value !== 'numpy' && to.value !== 'pytorch' ? `--to ${to.value}: expected numpy or pytorch` : files.length !== 1 ? `expected one sheet file, got ${files.length}` : null);
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
  const res = exportSheet(engine, to.value as 'numpy' | 'pytorch', { title: read.doc.title, steps: steps.value === undefined ? 0 : Number(steps.value) });
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
