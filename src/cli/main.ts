// The gradsheet command: argument parsing → engine → printing. Exit codes for check:
// 0 all pass, 1 any fails, 2 the file is not a valid sheet (or the command line is wrong).
import { readFileSync, statSync } from 'node:fs';
import { createEngine, type CellView, type Engine } from '../engine/engine';
import { formatNumber, formatValue, valueToJsonSafe } from '../engine/format-value';
import { readSheet } from '../engine/sheet/format';
import { trainCommand } from './train';

const USAGE = `usage:
  gradsheet eval SHEET.json [--json]   evaluate; print every cell's value, gradient and error
  gradsheet check SHEET.json           run every check() and the whole-sheet gradient check
                                       (exit 0: all pass, 1: some fail, 2: not a valid sheet)
  gradsheet train SHEET.json [--steps N] [--out FILE] [--json]   train headless`;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;

export function run(argv: string[], io: Io): number {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE);
    return cmd ? 0 : 2;
  }
  if (cmd === 'train') return trainCommand(rest, { ...io, progress: process.stderr });
  const flags = rest.filter((a) => a.startsWith('--'));
  const files = rest.filter((a) => !a.startsWith('--'));
  if (cmd !== 'eval' && cmd !== 'check') {
    io.err(`gradsheet: unknown command "${cmd}"\n${USAGE}`);
    return 2;
  }
  const allowed = cmd === 'eval' ? ['--json'] : [];
  const bad = flags.find((f) => !allowed.includes(f));
  if (bad) {
    io.err(`gradsheet ${cmd}: unknown option ${bad}\n${USAGE}`);
    return 2;
  }
  if (files.length !== 1) {
    io.err(`gradsheet ${cmd}: expected one sheet file, got ${files.length}\n${USAGE}`);
    return 2;
  }
  const loaded = loadFile(files[0]);
  if (typeof loaded === 'string') {
    io.err(loaded);
    return 2;
  }
  const { engine, warnings } = loaded;
  for (const w of warnings) io.err(`${files[0]}: warning: ${w}`);
  return cmd === 'eval' ? evalCommand(engine, flags.includes('--json'), io) : checkCommand(engine, io);
}

function loadFile(path: string): { engine: Engine; warnings: string[] } | string {
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) return `${path}: not a file`;
    if (st.size > MAX_FILE_BYTES) return `${path}: the file is ${st.size} bytes, larger than the limit of ${MAX_FILE_BYTES}`;
    text = readFileSync(path, 'utf8');
  } catch (e: any) {
    return `${path}: cannot read the file (${e?.code === 'ENOENT' ? 'no such file' : (e?.code ?? e?.message ?? 'error')})`;
  }
  const engine = createEngine();
  const res = readSheet(text, { isFunction: (n) => engine.registry.has(n), source: path });
  if (!res.ok) return `${path}: ${res.error}`;
  engine.load(res.doc);
  return { engine, warnings: res.warnings };
}

function evalCommand(engine: Engine, json: boolean, io: Io): number {
  const cells = engine.cells();
  if (json) {
    const doc = {
      cells: cells.map((c) => ({
        at: c.at,
        name: c.name,
        formula: c.formula,
        shape: c.shape,
        value: valueToJsonSafe(c.value),
        grad: valueToJsonSafe(c.grad),
        error: c.error ? `#${c.error.kind}: ${c.error.message}` : null,
      })),
    };
    io.out(JSON.stringify(doc, null, 2));
    return 0;
  }
  const loss = engine.activeLoss();
  if (loss) io.out(`gradients: ∂${nameOf(engine, loss.loss)}/∂cell (from ${loss.gradCell})\n`);
  for (const c of cells) io.out(describe(c));
  return 0;
}

function nameOf(engine: Engine, at: string): string {
  return engine.get(at)?.name ?? at;
}

function describe(c: CellView): string {
  const shape = c.shape ? `  [${c.shape[0]}×${c.shape[1]}]` : '';
  const head = `${c.at}${c.name ? ` ${c.name}` : ''} = ${c.formula}${shape}`;
  const lines = [head];
  if (c.error) lines.push(`  error  #${c.error.kind}: ${c.error.message}`);
  else {
    lines.push(`  value  ${indent(formatValue(c.value))}`);
    if (c.check) lines.push(`  check  ${c.check.pass ? '✓' : '✗'} relative error ${formatNumber(c.check.relErr, 3)} (tolerance ${formatNumber(c.check.tol, 3)})`);
  }
  if (c.grad !== null) lines.push(`  grad   ${indent(formatValue(c.grad))}`);
  return lines.join('\n');
}

function indent(s: string): string {
  return s.replace(/\n/g, '\n         ');
}

function checkCommand(engine: Engine, io: Io): number {
  let passed = 0, failed = 0;
  for (const c of engine.cells()) {
    if (!c.isCheck) continue;
    const ok = !c.error && c.check !== null && c.check.pass;
    ok ? passed++ : failed++;
    const what = c.error
      ? `#${c.error.kind}: ${c.error.message}`
      : c.check
        ? `relative error ${formatNumber(c.check.relErr, 3)}`
        : 'no verdict';
    io.out(`${ok ? '✓' : '✗'} ${c.at}${c.name ? ` ${c.name}` : ''}  ${c.formula}  (${what})`);
  }
  for (const g of engine.gradientCheck()) {
    const title = `gradient check of ${nameOf(engine, g.loss)} (${g.gradCell})`;
    if (g.error) {
      failed++;
      io.out(`✗ ${title}: ${g.error}`);
      continue;
    }
    g.pass ? passed++ : failed++;
    const worst = g.rows.slice(0, 5).map((r) => `${r.at} ${formatNumber(r.relErr, 3)}`).join(', ');
    io.out(`${g.pass ? '✓' : '✗'} ${title}: ${g.rows.length} cells against finite differences, worst relative errors: ${worst || 'none'} (tolerance ${formatNumber(g.tol, 3)})`);
    if (g.skipped.length) io.out(`  skipped (too large to difference): ${g.skipped.join(', ')}`);
  }
  io.out(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

/** Entry point of the gradsheet command (bin/gradsheet.mjs). Never shows a stack trace. */
export function main(argv: string[]): number {
  try {
    return run(argv, { out: (s) => console.log(s), err: (s) => console.error(s) });
  } catch (e: any) {
    console.error(`gradsheet: internal error: ${e?.message ?? e}`);
    return 2;
  }
}
