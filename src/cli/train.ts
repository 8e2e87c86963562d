// gradsheet train SHEET.json [--steps N] [--out FILE] [--json] (SPEC §7): train headless with
// the same session the app's Worker runs (engine/train/session.ts). A progress bar on stderr
// when it is a terminal; at the end every optimizer's loss and every accuracy cell.
// Exit 0 trained, 1 no optimizer or a loss not finite (or another training failure), 2 bad input.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { formatNumber } from '../engine/format-value';
import { readSheet, writeSheet } from '../engine/sheet/format';
import { createTrainSession } from '../engine/train/session';

export const TRAIN_USAGE = `usage: gradsheet train SHEET.json [--steps N] [--out FILE] [--json]
  train headless (default 1000 steps); --out saves the trained sheet, --json prints
  {"steps", "seconds", "loss", "accuracy", "curve", "engine"}; exit 1 when there is no optimizer or a loss is not finite`;

export interface TrainIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Where the progress bar goes, when it is a terminal (process.stderr in the command). */
  progress?: NodeJS.WriteStream | null;
}

const DEFAULT_STEPS = 1000;
const MAX_FILE_BYTES = 64 * 1024 * 1024;

type Args = { file: string; steps: number; out: string | null; json: boolean };

function parseArgs(args: string[]): Args | string {
  let file: string | null = null, out: string | null = null, json = false, steps = DEFAULT_STEPS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--steps' || a === '--out') {
      const v = args[++i];
      if (v === undefined) return `${a} needs a value`;
      if (a === '--out') out = v;
      else {
        if (!/^\d+$/.test(v) || Number(v) > 1e9) return `--steps expects a whole number of steps, got "${v}"`;
        steps = Number(v);
      }
    } else if (a.startsWith('--steps=')) return parseArgs([...args.slice(0, i), '--steps', a.slice(8), ...args.slice(i + 1)]);
    else if (a.startsWith('--out=')) return parseArgs([...args.slice(0, i), '--out', a.slice(6), ...args.slice(i + 1)]);
    else if (a.startsWith('--')) return `unknown option ${a}`;
    else if (file === null) file = a;
    else return `expected one sheet file, got ${a} too`;
  }
  if (file === null) return 'expected one sheet file';
  return { file, steps, out, json };
}

export function trainCommand(argv: string[], io: TrainIo): number {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.err(`gradsheet train: ${args}\n${TRAIN_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    const st = statSync(args.file);
    if (!st.isFile()) throw Object.assign(new Error(), { code: 'not a file' });
    if (st.size > MAX_FILE_BYTES) {
      io.err(`${args.file}: the file is ${st.size} bytes, larger than the limit of ${MAX_FILE_BYTES}`);
      return 2;
    }
    text = readFileSync(args.file, 'utf8');
  } catch (e: any) {
    io.err(`${args.file}: cannot read the file (${e?.code === 'ENOENT' ? 'no such file' : (e?.code ?? e?.message ?? 'error')})`);
    return 2;
  }
  const res = readSheet(text, { source: args.file, isFunction: (n) => isFunctionName(n) });
  if (!res.ok) {
    io.err(res.error);
    return 2;
  }
  for (const w of res.warnings) io.err(`warning: ${w}`);
  const session = createTrainSession(res.doc);
  const problem = session.problem();
  if (problem) {
    io.err(`gradsheet train: ${args.file}: ${problem}`);
    return 1;
  }

  const bar = args.steps > 0 && io.progress?.isTTY ? new cliProgress.SingleBar({ stream: io.progress, format: 'training |{bar}| {value}/{total} steps | {rate} steps/s | loss {loss}', hideCursor: true, clearOnComplete: true }, cliProgress.Presets.shades_classic) : null;
  const t0 = performance.now();
  let done = 0;
  let error: string | null = null;
  bar?.start(args.steps, 0, { rate: '…', loss: '…' });
  // Slices of ~0.2 s between redraws; the numbers do not depend on the slicing.
  while (done < args.steps && error === null) {
    const t1 = performance.now();
    const r = session.run(args.steps - done, bar ? () => performance.now() - t1 > 200 : undefined, { sync: false });
    done += r.done;
    error = r.error;
    if (bar) {
      const secs = (performance.now() - t0) / 1000;
      bar.update(done, { rate: formatNumber(done / Math.max(secs, 1e-9), 3), loss: Object.values(r.loss).map((x) => formatNumber(x, 4)).join(', ') });
    }
  }
  session.sync();
  bar?.stop();
  const seconds = (performance.now() - t0) / 1000;
  const summary = session.summary();

  if (args.out) {
    const doc = session.engine.toDoc({ title: res.doc.title, notes: res.doc.notes, extra: res.doc.extra });
    try {
      writeFileSync(args.out, writeSheet(doc));
    } catch (e: any) {
      io.err(`gradsheet train: cannot write ${args.out} (${e?.code ?? e?.message ?? 'error'})`);
      return 2;
    }
  }
  if (args.json) {
    const doc: Record<string, unknown> = { steps: done, seconds, loss: summary.loss, accuracy: summary.accuracy, curve: summary.curve };
    // Which program ran the steps (compiled plan, or the plan runner and why): benchmarks print it.
    const runner = session.runner();
    if (runner) doc.engine = runner.reason ? { kind: runner.kind, reason: runner.reason } : { kind: runner.kind, compiles: runner.compiles, kernels: runner.kernels };
    if (error) doc.error = error;
    io.out(JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)));
  } else {
    io.out(`trained ${done} step${done === 1 ? '' : 's'} in ${formatNumber(seconds, 3)} s (${formatNumber(done / Math.max(seconds, 1e-9), 3)} steps/s); step() = ${summary.step}`);
    for (const [k, v] of Object.entries(summary.loss)) io.out(`loss      ${k} = ${formatNumber(v, 6)}`);
    for (const [k, v] of Object.entries(summary.accuracy)) io.out(`accuracy  ${k} = ${formatNumber(v, 6)}`);
    if (args.out) io.out(`wrote ${args.out}`);
  }
  if (error) {
    io.err(`gradsheet train: ${error}`);
    return 1;
  }
  return 0;
}

let functionNames: Set<string> | null = null;
function isFunctionName(n: string): boolean {
  functionNames ??= new Set(createTrainSession({ gradsheet: 1, cells: [] }).engine.registry.functionNames());
  return functionNames.has(n);
}
