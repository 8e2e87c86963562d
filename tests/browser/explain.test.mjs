// Explain a gradient, in Chromium, on the sigmoid-neuron example: the graph view (click a
// node → its cell is selected), step-through backward over the whole reverse pass (each
// gradient appears on the grid as its op runs), the typeset chain-rule breakdown, and the
// whole-sheet gradient check panel. Screenshots of each view land in screenshots/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, button, cell, cellText, expectCell, numbersIn, openFile, screenshot, useApp, waitFor } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };
const SHEET = readFileSync(join(ROOT, 'examples', '02-sigmoid-neuron.json'), 'utf8');
// ∂f/∂cell of the gate-by-gate circuit (the example's own Python-checked numbers).
const GRADS = { B7: -0.534446645388523, B6: -0.534446645388523, B5: -0.19661193324148188, B4: 0.19661193324148188, A1: -0.19661193324148185, A2: 0.3932238664829637, A3: -0.3932238664829637, A4: -0.5898357997244456, A5: 0.19661193324148185 };

async function openNeuron() {
  const page = await app.open();
  await openFile(page, '02-sigmoid-neuron.json', SHEET);
  await expectCell(page, 'B8', { name: 'f', shows: [0.73106, 1] });
  return page;
}

async function openGraph(page) {
  await button(page, 'Graph').click();
  const panel = page.getByRole('region', { name: 'Graph view' });
  await panel.waitFor({ state: 'visible' });
  return panel;
}

const hasNumber = (text, x) => numbersIn(text).some((n) => Math.abs(n - x) <= 1e-3 * Math.max(1, Math.abs(x)));

test('the graph view draws one node per operation with values and gradients; clicking a node selects its cell', T, async () => {
  const page = await openNeuron();
  const panel = await openGraph(page);
  // f is upstream-only: 8 gates → 8 op nodes, plus the 5 inputs.
  await waitFor(async () => (await panel.locator('.gv-node.op').count()) === 8, 'eight op nodes');
  assert.equal(await panel.locator('.gv-node.cell').count(), 5);
  const text = await panel.locator('svg').innerHTML();
  assert.ok(text.includes('class="gv-value"') && text.includes('class="gv-grad"'), 'edges carry values and gradients');
  const grads = await panel.locator('.gv-grad').allTextContents();
  assert.ok(grads.some((t) => hasNumber(t, -0.197)), `a gradient of -0.197 is on an edge: ${grads.join(' ')}`);
  await screenshot(page, 'graph-view-ops');

  await panel.locator('.gv-node[data-cell="A3"]').first().click();
  await waitFor(async () => (await cell(page, 'A3').getAttribute('aria-selected')) === 'true', 'A3 (w1) to be selected after clicking its node');

  await panel.getByRole('button', { name: 'One node per cell' }).click();
  await waitFor(async () => (await panel.locator('.gv-node.cell').count()) === 13, 'thirteen cell nodes');
  await screenshot(page, 'graph-view-cells');
  assert.deepEqual(app.pageErrors.map(String), []);
});

test('step-through backward: every gradient appears on the grid as its operation runs, the end gives the full gradients', T, async () => {
  const page = await openNeuron();
  const panel = await openGraph(page);
  await panel.getByRole('button', { name: 'Step through backward' }).click();
  const pos = panel.locator('.step-pos');
  await waitFor(async () => /step 0 of 8/.test(await pos.innerText()), 'step 0 of 8');
  // Only the loss has its seed; w0 shows no gradient yet.
  await expectCell(page, 'B8', { shows: [0.73106, 1] });
  assert.doesNotMatch(await cellText(page, 'A1'), /gradient/);
  const seen = new Set();
  for (let k = 1; k <= 8; k++) {
    await panel.focus();
    await page.keyboard.press('ArrowRight');
    await waitFor(async () => new RegExp(`step ${k} of 8`).test(await pos.innerText()), `step ${k} of 8`);
    for (const [at, g] of Object.entries(GRADS)) {
      if (seen.has(at)) continue;
      const t = await cellText(page, at);
      if (/gradient/.test(t) && hasNumber(t.split('gradient')[1], g)) seen.add(at);
    }
    if (k === 4) await screenshot(page, 'step-through');
  }
  assert.deepEqual([...seen].sort(), Object.keys(GRADS).sort(), 'each gradient appeared while stepping');
  for (const [at, g] of Object.entries(GRADS)) await expectCell(page, at, { shows: [g] });
  // Back one step: the first ops' inputs lose their gradients again.
  await page.keyboard.press('Home');
  await waitFor(async () => /step 0 of 8/.test(await pos.innerText()), 'back to step 0');
  assert.doesNotMatch(await cellText(page, 'A1'), /gradient/);
  await panel.getByRole('button', { name: 'Stop stepping' }).click();
  await expectCell(page, 'A1', { shows: [2, GRADS.A1] });
  assert.deepEqual(app.pageErrors.map(String), []);
});

test('the inspector breakdown typesets each local derivative with KaTeX, with numbers', T, async () => {
  const page = await openNeuron();
  await cell(page, 'A1').click();
  const inspector = page.getByRole('complementary', { name: 'Inspector' });
  const bd = inspector.getByRole('region', { name: 'Chain rule' });
  await waitFor(async () => (await bd.locator('.katex').count()) >= 3, 'typeset formulas in the breakdown');
  const text = await bd.innerText();
  assert.match(text, /via a0/);
  // ∂(w0·x0)/∂w0 = x0 = −1 and the term −0.197 · (−1)… each as MathML too
  const math = await bd.locator('math').allTextContents();
  assert.ok(math.some((m) => /x0|x_0|x0/.test(m.replace(/\s/g, ''))), `x0 is the local derivative: ${math.join(' | ')}`);
  assert.ok(hasNumber(text, -0.19661), 'the gradient of w0 is written');
  await screenshot(page, 'breakdown');
  assert.deepEqual(app.pageErrors.map(String), []);
});

test('the gradient check button lists the worst relative errors; a row selects its cell', T, async () => {
  const page = await openNeuron();
  await button(page, 'Gradient check').click();
  const pane = page.getByRole('complementary', { name: 'Gradient check' });
  await pane.waitFor({ state: 'visible' });
  await waitFor(async () => (await pane.locator('tbody tr').count()) > 0, 'rows of the gradient check');
  assert.match(await pane.innerText(), /passes/);
  const first = pane.locator('tbody tr button').first();
  const label = await first.innerText();
  const at = /\(([A-Z]+\d+)\)$/.exec(label)?.[1] ?? label;
  await first.click();
  await waitFor(async () => (await cell(page, at).getAttribute('aria-selected')) === 'true', `${at} to be selected`);
  await screenshot(page, 'gradient-check');
});
