// The exercise and export buttons, in Chromium: an instructor marks answer cells in the
// Inspector and downloads the student copy (no answer formula or value left in the file);
// the Export menu's NumPy script runs under python3 and prints the engine's numbers (a
// training sheet's trains and prints `gradsheet train`'s losses), and the PyTorch script is
// a Python file with requires_grad tensors and backward(). Screenshots land in screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, button, cell, expectCell, openFile, screenshot, useApp, waitFor } from './harness.mjs';

const app = useApp();
const T = { timeout: 240_000 };
const dir = mkdtempSync(join(tmpdir(), 'gradsheet-browser-export-'));
const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' }).status === 0;

/** The sigmoid-neuron exercise key with its marks taken off, and without the notes' numbers (column F). */
function unmarkedKey() {
  const doc = JSON.parse(readFileSync(join(ROOT, 'examples', 'exercises', 'sigmoid-neuron-key.json'), 'utf8'));
  doc.cells = doc.cells.filter((c) => !c.at.startsWith('F')).map(({ answer, by_hand, ...c }) => c);
  return JSON.stringify(doc, null, 2);
}

/** Click a menu item of the Export menu and return the downloaded file's name and text. */
async function exportItem(page, item) {
  await button(page, 'Export').click();
  const menu = page.getByRole('menu', { name: 'Export' });
  await menu.waitFor({ state: 'visible' });
  const [download] = await Promise.all([page.waitForEvent('download'), menu.getByRole('menuitem', { name: item }).click()]);
  return { name: download.suggestedFilename(), text: readFileSync(await download.path(), 'utf8') };
}

/** gradsheet (the CLI) on a file, its stdout parsed as JSON. */
function gradsheetJson(...args) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'gradsheet.mjs'), ...args], { encoding: 'utf8', cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function python(script, name, ...args) {
  const p = join(dir, name);
  writeFileSync(p, script);
  const r = spawnSync('python3', [p, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout;
}

const flat = (v) => (v === null ? null : Array.isArray(v) ? v.flat() : [v]);
function assertClose(got, want, what) {
  const a = flat(got), b = flat(want);
  assert.equal(a === null, b === null, `${what}: null`);
  if (a === null) return;
  assert.equal(a.length, b.length, `${what}: entries`);
  a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(b[i])), `${what}[${i}]: ${x} vs ${b[i]}`));
}

test('mark answer cells in the Inspector; the downloaded student copy has them empty, with no trace of their formulas or values', T, async () => {
  const page = await app.open();
  await openFile(page, 'sigmoid-neuron.json', unmarkedKey());
  await expectCell(page, 'D1', { name: 'dz', shows: [0.196612] });
  const exercise = page.getByRole('group', { name: 'Exercise' });
  const answer = exercise.getByRole('checkbox', { name: 'Answer cell' });
  for (const at of ['D1', 'D2']) {
    await cell(page, at).click();
    await waitFor(async () => (await cell(page, at).getAttribute('aria-selected')) === 'true', `${at} selected`);
    assert.equal(await answer.isChecked(), false, `${at} starts unmarked`);
    await answer.check();
    await waitFor(async () => answer.isChecked(), `${at} marked as an answer`);
  }
  const byHand = exercise.getByRole('checkbox', { name: 'By hand' });
  await byHand.check();
  await waitFor(async () => byHand.isChecked(), 'D2 marked by hand');
  await screenshot(page, 'exercise-answer-marks');

  const { name, text } = await exportItem(page, 'Student copy (.json)');
  assert.match(name, /-student\.json$/);
  const doc = JSON.parse(text);
  const byAt = new Map(doc.cells.map((c) => [c.at, c]));
  for (const at of ['D1', 'D2']) {
    const c = byAt.get(at);
    assert.ok(c, `${at} is in the copy (empty, for the student to fill in)`);
    assert.equal(c.formula, '');
    assert.equal(c.answer, true);
  }
  assert.equal(byAt.get('D2').by_hand, true);
  // No trace: the answers' formulas and values (0.19661…, -0.19661…) appear nowhere in the file.
  for (const trace of ['f * (1 - f)', 'x0 * dz', '0.1966', '0.19661193324148', '0.197']) assert.ok(!text.includes(trace), `the copy holds ${JSON.stringify(trace)}`);
  // The rest of the exercise is there: the inputs, the neuron, the machine's backward pass.
  for (const at of ['A1', 'B1', 'B2', 'C1']) assert.ok(byAt.has(at), `${at} kept`);
  assert.deepEqual(app.pageErrors.map(String), []);
});

test('the Export menu downloads a NumPy script that prints the engine\'s values and gradients, and a PyTorch script', T, async () => {
  const page = await app.open();
  const sheet = readFileSync(join(ROOT, 'examples', '02-sigmoid-neuron.json'), 'utf8');
  await openFile(page, '02-sigmoid-neuron.json', sheet);
  await expectCell(page, 'B8', { name: 'f', shows: [0.73106, 1] });
  await button(page, 'Export').click();
  await page.getByRole('menu', { name: 'Export' }).waitFor({ state: 'visible' });
  await screenshot(page, 'export-menu');
  await button(page, 'Export').click(); // closes it again
  await page.getByRole('menu', { name: 'Export' }).waitFor({ state: 'hidden' });

  const numpy = await exportItem(page, 'NumPy script (.py)');
  assert.match(numpy.name, /-numpy\.py$/);
  assert.match(numpy.text, /^#!\/usr\/bin\/env python3/);
  assert.match(numpy.text, /^# ---- backward pass/m);
  const torch = await exportItem(page, 'PyTorch script (.py)');
  assert.match(torch.name, /-pytorch\.py$/);
  assert.ok(torch.text.includes('requires_grad=True') && torch.text.includes('.backward()'), 'a PyTorch script with autograd');
  await screenshot(page, 'export-downloaded');
  assert.deepEqual(app.pageErrors.map(String), []);
  if (!hasNumpy) return; // python3 + numpy are not on this machine: the scripts were still downloaded and read

  const sheetPath = join(dir, 'neuron.json');
  writeFileSync(sheetPath, sheet);
  const want = new Map(gradsheetJson('eval', sheetPath, '--json').cells.map((c) => [c.at, c]));
  const got = JSON.parse(python(numpy.text, 'neuron.py', '--json')).cells;
  assert.ok(got.length >= 10, `the script prints the sheet's cells (${got.length})`);
  for (const c of got) {
    assertClose(c.value, want.get(c.at).value, `${c.at} value`);
    assertClose(c.grad, want.get(c.at).grad, `${c.at} grad`);
  }
  const ast = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: torch.text, encoding: 'utf8' });
  assert.equal(ast.status, 0, ast.stderr);
});

test('a training sheet\'s NumPy download holds its training loop: trained 3 steps it prints gradsheet train\'s losses', T, async (t) => {
  if (!hasNumpy) return t.skip('python3 with numpy is not installed');
  const page = await app.open();
  const sheet = readFileSync(join(ROOT, 'examples', '19-train-xor.json'), 'utf8');
  await openFile(page, '19-train-xor.json', sheet);
  await expectCell(page, 'C3', { name: 'loss' });
  const numpy = await exportItem(page, 'NumPy script (.py)');
  assert.match(numpy.text, /^for _i in range\(STEPS\):$/m);
  const readable = python(numpy.text, 'xor.py', '--steps', '3');
  assert.match(readable, /^step 0: loss 0\.26\d+$/m);
  const got = JSON.parse(python(numpy.text, 'xor.py', '--steps', '3', '--json')).train;
  const sheetPath = join(dir, 'xor.json');
  writeFileSync(sheetPath, sheet);
  const want = gradsheetJson('train', sheetPath, '--steps', '3', '--json');
  assert.deepEqual(got.curve.loss.map((p) => p[0]), [0, 1, 2]);
  assertClose(got.curve.loss.map((p) => p[1]), want.curve.loss.map((p) => p[1]), 'loss curve');
});
