// Exercise sheets: answer marks in the file, the student copy (no trace of the answers in the
// file or the share link), and gradsheet student / grade with their exit codes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decompressFromEncodedURIComponent } from 'lz-string';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main';
import { MORE_COMMANDS } from '../../src/cli/more-commands';
import { createEngine } from '../../src/engine/engine';
import { answerMarks, withAnswerMark } from '../../src/engine/exercise/marks';
import { studentCopy } from '../../src/engine/exercise/student';
import type { SheetDoc } from '../../src/engine/sheet/document';
import { readSheet, writeSheet } from '../../src/engine/sheet/format';
import { encodeShareHash, SHARE_PREFIX } from '../../src/ui/kernel/persistence';

const ex = join(__dirname, '..', '..', 'examples', 'exercises');
const KEY = join(ex, 'sigmoid-neuron-key.json');
const dir = mkdtempSync(join(tmpdir(), 'gradsheet-exercise-'));

/** The exercise and export commands (synchronous), as main.ts dispatches them. */
function cli(cmd: string, ...args: string[]): { code: number; out: string; err: string } {
  const out: string[] = [], err: string[] = [];
  const code = MORE_COMMANDS[cmd](args, { out: (s) => out.push(s), err: (s) => err.push(s), write: (s) => void out.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Any command through the gradsheet entry point (eval and check are asynchronous). */
async function gradsheet(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  let raw = '';
  const code = await run(argv, { out: (s) => out.push(s), err: (s) => err.push(s), write: (s) => void (raw += s) });
  return { code, out: raw + out.join('\n'), err: err.join('\n') };
}

function file(name: string, body: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof body === 'string' ? body : JSON.stringify(body));
  return p;
}

function read(text: string): SheetDoc {
  const r = readSheet(text, { isFunction: (n) => createEngine().registry.has(n) });
  if (!r.ok) throw new Error(r.error);
  return r.doc;
}

function copyOf(doc: SheetDoc) {
  const engine = createEngine();
  engine.load(doc);
  return studentCopy(doc, (at) => engine.get(at)?.value ?? null);
}

const keyText = readFileSync(KEY, 'utf8');
const key = read(keyText);

describe('answer marks in the file (cells[].answer, cells[].by_hand)', () => {
  it('are read without a warning and written back as they were', () => {
    const r = readSheet(keyText);
    expect(r.ok && r.warnings).toEqual([]);
    expect(writeSheet(key)).toBe(keyText);
    expect(answerMarks(key).map((a) => `${a.at} ${a.name} ${a.byHand}`)).toEqual(['D1 dz true', 'D2 dw0 true', 'D3 dx0 true', 'D4 dw1 true', 'D5 dx1 true', 'D6 db true']);
  });

  it('refuses a mark that is not true or false, naming the JSON path', () => {
    const r = readSheet(JSON.stringify({ gradsheet: 1, cells: [{ at: 'A1', formula: '1' }, { at: 'A2', formula: '2', answer: 'yes' }] }));
    expect(r).toEqual({ ok: false, error: 'cells[1].answer: expected true or false, got "yes"' });
  });

  it('refuses by_hand on a cell that is not an answer', () => {
    const r = readSheet(JSON.stringify({ gradsheet: 1, cells: [{ at: 'A1', formula: '1', by_hand: true }] }));
    expect(r.ok ? '' : r.error).toMatch(/^cells\[0\]\.by_hand: only an answer cell/);
  });

  it('withAnswerMark marks and unmarks a cell without changing the input', () => {
    const marked = withAnswerMark(key, 'B1', { answer: true, byHand: true });
    expect(answerMarks(marked).map((a) => a.at)).toContain('B1');
    expect(answerMarks(key).map((a) => a.at)).not.toContain('B1');
    const unmarked = withAnswerMark(marked, 'D1', { answer: false });
    expect(answerMarks(unmarked).map((a) => a.at)).not.toContain('D1');
    expect(unmarked.cells.find((c) => c.at === 'D1')!.extra).toBeUndefined();
  });
});

describe('the student copy', () => {
  const engine = createEngine();
  engine.load(key);
  const answers = key.cells.filter((c) => c.extra?.answer === true);
  const values = answers.map((c) => engine.get(c.at)!.value as number);
  /** Every way an answer could be written down: its formula, its value exactly and rounded. */
  const traces = [
    ...answers.map((c) => c.formula.replace(/\s+/g, '')),
    ...answers.flatMap((c) => (c.note ? [c.note] : [])),
    ...values.flatMap((v) => [String(v), String(Math.abs(v)), ...[2, 3, 4, 5, 6, 8, 10, 12].map((d) => Math.abs(v).toPrecision(d))]),
  ];

  function expectNoTrace(text: string) {
    const compact = text.replace(/\s+/g, '');
    for (const t of traces) expect(compact.includes(t.replace(/\s+/g, '')), `found ${t}`).toBe(false);
  }

  it('empties the answer cells and keeps their names and marks', () => {
    const copy = copyOf(key);
    if (!copy.ok) throw new Error(copy.error);
    for (const a of answers) {
      const c = copy.doc.cells.find((x) => x.at === a.at)!;
      expect(c).toEqual({ at: a.at, name: a.name, formula: '', extra: { answer: true, by_hand: true } });
    }
    expect(copy.leftOut).toEqual(['E1', 'E2', 'E3', 'E4', 'E5', 'E6', 'F2', 'F3', 'F4', 'F5', 'F6']);
  });

  it('carries no trace of the answers in the file or in its share link', () => {
    expect(traces.length).toBeGreaterThan(50);
    // The key itself holds them (the search would find them).
    expect(traces.some((t) => keyText.replace(/\s+/g, '').includes(t.replace(/\s+/g, '')))).toBe(true);
    const r = cli('student', KEY);
    expect(r.code).toBe(0);
    expectNoTrace(r.out);
    const copy = copyOf(key);
    if (!copy.ok) throw new Error(copy.error);
    const link = decompressFromEncodedURIComponent(encodeShareHash(copy.doc).slice(SHARE_PREFIX.length));
    expect(link).toBe(r.out + '\n');
    expectNoTrace(link);
    // The example's student copy is the one the command writes.
    expect(readFileSync(join(ex, 'sigmoid-neuron-student.json'), 'utf8')).toBe(r.out + '\n');
  });

  it('refuses when a remaining note gives a value away, rounded', () => {
    const leaky = { ...key, cells: key.cells.map((c) => (c.at === 'B2' ? { ...c, note: 'the output; its gradient w.r.t. z is about 0.197' } : c)) };
    const copy = copyOf(leaky);
    expect(copy.ok ? '' : copy.error).toMatch(/the note on B2 mentions 0\.197, the value of answer D1 \(dz\)/);
  });

  it('refuses when the notes hold an answer formula', () => {
    const copy = copyOf({ ...key, notes: 'Hint: dw0 is x0*dz.' });
    expect(copy.ok ? '' : copy.error).toMatch(/the notes holds? the formula of answer D2 \(dw0\)/);
  });

  it('gradsheet student: exit 1 for a sheet without answers, 2 for an invalid file', () => {
    expect(cli('student', file('plain.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }] })).code).toBe(1);
    const bad = cli('student', file('bad.json', '{"gradsheet": 1, "cells": [{"at": "A1"}]}'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/bad\.json: cells\[0\]\.formula: missing/);
    const out = join(dir, 'student.json');
    expect(cli('student', KEY, '--out', out).code).toBe(0);
    expect(answerMarks(read(readFileSync(out, 'utf8'))).length).toBe(6);
  });
});

describe('gradsheet grade', () => {
  const correct = join(ex, 'sigmoid-neuron-submission-correct.json');
  const wrong = join(ex, 'sigmoid-neuron-submission-wrong.json');

  it('the key passes its own checks (gradsheet check exits 0), and grade is dispatched by the gradsheet command', async () => {
    expect((await gradsheet('check', KEY)).code).toBe(0);
    expect((await gradsheet('grade', KEY, '--key', KEY)).code).toBe(0);
    expect((await gradsheet('grade', join(ex, 'sigmoid-neuron-submission-wrong.json'), '--key', KEY)).code).toBe(1);
    expect((await gradsheet('student', KEY)).out).toBe(readFileSync(join(ex, 'sigmoid-neuron-student.json'), 'utf8').replace(/\n$/, ''));
    expect((await gradsheet('--help')).out).toMatch(/gradsheet grade SUBMISSION\.json --key KEY\.json \[--json\]/);
  });

  it('exit 0 when every answer and check passes', () => {
    const r = cli('grade', correct, '--key', KEY);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/17 passed, 0 failed/);
  });

  it('exit 1 with a per-check report: a wrong answer and by-hand answers that call grad/numgrad', () => {
    const r = cli('grade', wrong, '--key', KEY);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ D5 dx1 = grad(f, x1) (by hand): must be derived by hand, but calls grad');
    expect(r.out).toContain('✗ D6 db = h (by hand): must be derived by hand, but calls numgrad through H1 (h)');
    expect(r.out).toMatch(/✗ E2 {2}check\(dw0, grad\(f, w0\)\)/);
  });

  it('--json: one gradebook document', () => {
    const r = cli('grade', wrong, '--key', KEY, '--json');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['submission', 'key', 'pass', 'passed', 'failed', 'answers', 'checks', 'notes']);
    expect(doc.pass).toBe(false);
    expect(doc.passed + doc.failed).toBe(6 + 11);
    expect(doc.answers.find((a: any) => a.at === 'D6')).toEqual({ at: 'D6', name: 'db', formula: 'h', by_hand: true, pass: false, reason: 'must be derived by hand, but calls numgrad through H1 (h)' });
    expect(doc.checks.find((c: any) => c.at === 'E2')).toMatchObject({ formula: 'check(dw0, grad(f, w0))', pass: false, error: null });
    expect(doc.checks.find((c: any) => c.at === 'E3')).toEqual({ at: 'E3', name: null, formula: 'check(dx0, grad(f, x0))', pass: true, rel_err: 0, error: null });
  });

  it('by hand: grad reached through a chain of cells (a helper reading a key cell that calls grad) fails', () => {
    const k = { ...key, cells: [...key.cells, { at: 'G1', name: 'gz', formula: 'grad(f, z)' }] };
    const sub = read(readFileSync(correct, 'utf8'));
    sub.cells = sub.cells.map((c) => (c.at === 'D1' ? { ...c, formula: 'h2 * 1' } : c));
    sub.cells.push({ at: 'H2', name: 'h2', formula: 'gz + 0' });
    const r = cli('grade', file('chain.json', JSON.parse(writeSheet(sub))), '--key', file('chain-key.json', JSON.parse(writeSheet(k))));
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ D1 dz = h2 * 1 (by hand): must be derived by hand, but calls grad through H2 (h2) → G1 (gz)');
  });

  it("a submission's own check cells do not count, and its cells cannot replace the key's", () => {
    const sub = read(readFileSync(wrong, 'utf8'));
    sub.cells.push({ at: 'Z1', formula: 'check(1, 1)' });
    sub.cells = sub.cells.map((c) => (c.at === 'A1' ? { ...c, formula: '-2' } : c));
    const r = cli('grade', file('pad.json', JSON.parse(writeSheet(sub))), '--key', KEY, '--json');
    const doc = JSON.parse(r.out);
    expect(doc.checks.map((c: any) => c.at)).not.toContain('Z1');
    expect(doc.checks.find((c: any) => c.at === 'E3').pass).toBe(true);
  });

  it('an empty answer fails with "no answer given"', () => {
    const r = cli('grade', join(ex, 'sigmoid-neuron-student.json'), '--key', KEY);
    expect(r.code).toBe(1);
    expect(r.out).toContain('✗ D1 dz = (empty) (by hand): no answer given');
  });

  it('exit 2: an invalid submission or key, a key without answers, a wrong command line', () => {
    const bad = file('broken.json', '{"gradsheet": 1, "cells": [');
    expect(cli('grade', bad, '--key', KEY)).toMatchObject({ code: 2 });
    expect(cli('grade', bad, '--key', KEY).err).toMatch(/broken\.json: not valid JSON/);
    expect(cli('grade', correct, '--key', bad).code).toBe(2);
    const plain = file('no-answers.json', { gradsheet: 1, cells: [{ at: 'A1', formula: '1' }] });
    expect(cli('grade', correct, '--key', plain).err).toMatch(/not an exercise key/);
    expect(cli('grade', correct, '--key', plain).code).toBe(2);
    expect(cli('grade', correct).code).toBe(2);
    expect(cli('grade', correct, '--key').code).toBe(2);
    expect(cli('grade', correct, '--key', KEY, '--bogus').code).toBe(2);
  });
});
