// A grid that speaks (issue 8): small matrices show their numbers, checks say what they
// check, columns can be widened, the inspector's tables have indices and open wide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, expectCell, newSheet, normalize, openCircuit, screenshot, typeInCell, useApp, waitFor } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };

async function matrixSheet(page) {
  await newSheet(page);
  await cell(page, 'A1').click();
  for (const l of ['W = [[1, 2], [3, 4]]', 'L = sum(W * W)', 'grad(L)', 'big = randn(8, 8, 1)']) {
    await page.keyboard.type(l);
    await page.keyboard.press('Enter');
  }
}

test('a small matrix shows its numbers and its gradient in the cell; hover names the entry', T, async () => {
  const page = await app.open();
  await matrixSheet(page);
  const a1 = cell(page, 'A1');
  await waitFor(async () => {
    const t = normalize(await a1.innerText());
    return ['1', '2', '3', '4', '6', '8'].every((n) => new RegExp(`(^|\\s)${n}(\\s|$)`).test(t));
  }, 'A1 to show 1 2 3 4 and its gradient 2 4 6 8');
  const entry = a1.locator('.mini-matrix.grad span').nth(3);
  assert.match(await entry.getAttribute('title'), /\[1, 1\] = 8/);
  // A large matrix keeps its heatmap.
  assert.equal(await cell(page, 'A4').locator('canvas').count(), 1);
  await screenshot(page, 'small-matrix-in-cell');
});

test('a check cell says what it checks', T, async () => {
  const page = await openCircuit(app);
  await typeInCell(page, 'D1', 'check(grad(f, x), -4)');
  await waitFor(async () => /✓ ∂f\/∂x = -4 \(rel\. err/.test(normalize(await cell(page, 'D1').innerText()).replace(/\u2212/g, '-')), 'D1 to say ✓ ∂f/∂x = -4');
  await typeInCell(page, 'D2', 'check(grad(f, x), -3)');
  await waitFor(async () => /✗ ∂f\/∂x ≠ -3/.test(normalize(await cell(page, 'D2').innerText())), 'D2 to say ✗ ∂f/∂x ≠ -3');
  await screenshot(page, 'check-cells');
});

test('dragging a column header border widens the column; double-click fits it', T, async () => {
  const page = await app.open();
  await matrixSheet(page);
  const width = () => cell(page, 'A1').evaluate((el) => el.getBoundingClientRect().width);
  const w0 = await width();
  const handle = page.getByRole('separator', { name: 'Resize column A' });
  const box = await handle.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + 120, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await waitFor(async () => (await width()) > w0 + 100, 'column A to be ~120 px wider');
  // B moved right with it.
  const bLeft = await cell(page, 'B1').evaluate((el) => el.getBoundingClientRect().left);
  const aRight = await cell(page, 'A1').evaluate((el) => el.getBoundingClientRect().right);
  assert.ok(Math.abs(bLeft - aRight) < 2, `B starts where A ends (${bLeft} vs ${aRight})`);
  await handle.dblclick();
  await waitFor(async () => (await width()) < w0 + 100, 'double-click to fit the content');
});

test('the inspector shows a matrix with row and column indices, a legend, and opens it wide', T, async () => {
  const page = await app.open();
  await matrixSheet(page);
  await cell(page, 'A1').click();
  const inspector = page.locator('[aria-label="Inspector"]');
  const table = inspector.getByRole('table', { name: 'value of A1' });
  await table.waitFor();
  const heads = await table.locator('thead th').allInnerTexts();
  assert.deepEqual(heads.map((s) => s.trim()), ['', '0', '1']);
  assert.equal(await inspector.locator('.legend-value').count(), 1);
  assert.equal(await inspector.locator('.legend-grad').count(), 1);
  await cell(page, 'A4').click();
  await inspector.getByRole('button', { name: 'Open wide' }).first().click();
  const wide = page.getByRole('table', { name: 'value of A4 (wide)' });
  await wide.waitFor();
  assert.equal(await wide.locator('tbody tr').count(), 8);
  await screenshot(page, 'inspector-open-wide');
});
