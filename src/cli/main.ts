// The gradsheet command: argument parsing → engine → printing. Exit codes: 0 all pass,
// 1 a check fails, 2 the file is not a valid sheet (or the command line is wrong), 3 an
// internal error (a bug in gradsheet, never the file's fault: "gradsheet: internal error").
import { readFileSync, statSync } from 'node:fs';
import { createEngine, type CellView, type Engine } from '../engine/engine';
import { CHECK_ENTRIES_PER_CELL } from '../engine/eval/gradients';
import { formatNumber, formatValue } from '../engine/format-value';
import { readSheet } from '../engine/sheet/format';
import { jsonChunks } from './json-stream';
import { MORE_COMMANDS, MORE_USAGE } from './more-commands';

export const EXIT = { ok: 0, failed: 1, invalid: 2, internal: 3 } as const;
import { trainCommand } from './train';

const USAGE = `usage:
  gradsheet eval SHEET.json [--json]   evaluate; print every cell's value, gradient and error
  gradsheet check SHEET.json           run every check() and the whole-sheet gradient check
                                       (exit 0: all pass, 1: some fail, 2: not a valid sheet,
                                        3: internal error in gradsheet)
  gradsheet train SHEET.json [--steps N] [--out FILE] [--json]   train headless
${MORE_USAGE}`;

export interface Io {
  /** One line of output. */
  out: (s: string) => void;
  err: (s: string) => void;
  /** Raw output text; a promise when the reader is behind (backpressure): the writer waits for it. */
  write: (chunk: string) => void | Promise<void>;
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;

export async function run(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(USAGE);
    return cmd ? 0 : 2;
  }
  if (Object.hasOwn(MORE_COMMANDS, cmd)) return MORE_COMMANDS[cmd](rest, io);
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
  // The reader is not told the source: the file is named here, once (not `f.json: f.json: …`).
  const res = readSheet(text, { isFunction: (n) => engine.registry.has(n) });
  if (!res.ok) return `${path}: ${res.error}`;
  engine.load(res.doc);
  return { engine, warnings: res.warnings };
}

async function evalCommand(engine: Engine, json: boolean, io: Io): Promise<number> {
  const cells = engine.cells();
  if (json) {
    for (const chunk of jsonChunks(cells)) {
      const drained = io.write(chunk);
      if (drained) await drained;
    }
    return 0;
  }
  const loss = engine.defaultLoss();
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
  for (const c of engine.cells({ loss: null })) {
    if (!c.isCheck) continue;
    const ok = !c.error && c.check !== null && c.check.pass;
    ok ? passed++ : failed++;
    const what = c.error
      ? `#${c.error.kind}: ${c.error.message}`
      : c.check
        ? `relative error ${formatNumber(c.check.relErr, 3)}: ${c.check.reading.text}`
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
    // Failures first, then the worst: with one comparison rule, ✓ means every number here ≤ tolerance.
    const worst = g.rows.slice(0, 5).map((r) => `${r.at} ${formatNumber(r.relErr, 3)}${r.kink ? ` (${r.kink.entries} entries straddle a kink of ${r.kink.op} in ${r.kink.cell})` : ''}${r.ok ? '' : ' ✗'}`).join(', ');
    const s = g.sampled!;
    const cellsPart = s.cells === s.of ? `${s.cells} cells` : `${s.cells} of ${s.of} cells (a seeded sample)`;
    io.out(`${g.pass ? '✓' : '✗'} ${title}: ${cellsPart}, ${s.entries} entries against finite differences (at most ${CHECK_ENTRIES_PER_CELL} seeded entries per cell), worst relative errors: ${worst || 'none'} (tolerance ${formatNumber(g.tol, 3)})`);
    if (g.directional) {
      const d = g.directional;
      io.out(`  ${d.ok ? '✓' : '✗'} directional derivative along a seeded random direction over all ${d.inputs} inputs (${d.entries} entries): relative error ${formatNumber(d.relErr, 3)}`);
    }
    if (g.skipped.length) {
      const list = g.skipped.slice(0, 10).join(', ') + (g.skipped.length > 10 ? `, … (${g.skipped.length} in all)` : '');
      io.out(`  not differenced (the check's work budget was spent): ${list}`);
    }
  }
  io.out(`${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

/** Raw text to stdout, resolving once the stream has taken it in (its 'drain' when full). */
function writeStdout(chunk: string): void | Promise<void> {
  if (process.stdout.write(chunk)) return;
  return new Promise((resolve) => process.stdout.once('drain', resolve));
}

/**
 * Entry point of the gradsheet command (bin/gradsheet.mjs). Never shows a stack trace; an
 * exception here is gradsheet's bug, not the file's: exit 3, never 2 (the invalid-file code).
 */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e: any) {
    io.err(`gradsheet: internal error (a bug in gradsheet, not a problem with the sheet): ${e?.message ?? e}`);
    return EXIT.internal;
  }
}

const stdio: Io = { out: (s) => console.log(s), err: (s) => console.error(s), write: writeStdout };
