// Spreadsheet habits (issue 8): fill down/right and the fill handle, Ctrl+Arrow, the context
// menu (insert/delete rows with references rewritten), long titles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cell, expectCell, expectFormula, newSheet, screenshot, typeInCell, useApp, waitFor } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };
const active = (page) => page.getByRole('grid').first().getAttribute('aria-activedescendant');

async function column(page) {
  await newSheet(page);
  await typeInCell(page, 'A1', '1');
  await typeInCell(page, 'A2', '2');
  await typeInCell(page, 'A3', '3');
  await typeInCell(page, 'B1', 'A1 * 10');
}

test('Ctrl+D fills down with shifted references; the fill handle does too', T, async () => {
  const page = await app.open();
  await column(page);
  await cell(page, 'B1').click();
  await cell(page, 'B2').click({ modifiers: ['Shift'] });
  await page.keyboard.press('Control+d');
  await expectCell(page, 'B2', { shows: [20] });
  await expectFormula(page, 'B2', 'A2 * 10');
  // Drag the handle from B2 down to B3.
  const handle = page.locator('.fill-handle');
  const hb = await handle.boundingBox();
  const target = await cell(page, 'B3').boundingBox();
  await page.mouse.move(hb.x + 4, hb.y + 4);
  await page.mouse.down();
  await page.mouse.move(target.x + 20, target.y + 20, { steps: 4 });
  await page.mouse.up();
  await expectCell(page, 'B3', { shows: [30] });
});

test('Ctrl+Arrow jumps to the edge of the data', T, async () => {
  const page = await app.open();
  await column(page);
  await cell(page, 'A1').click();
  await page.keyboard.press('Control+ArrowDown');
  assert.equal(await active(page), 'cell-A3');
  await page.keyboard.press('Control+ArrowUp');
  assert.equal(await active(page), 'cell-A1');
  await page.keyboard.press('Control+ArrowRight');
  assert.equal(await active(page), 'cell-B1');
});

test('the context menu inserts and deletes a row, rewriting references', T, async () => {
  const page = await app.open();
  await column(page);
  await typeInCell(page, 'C3', 'A3 + 1');
  await cell(page, 'A2').click({ button: 'right' });
  const menu = page.getByRole('menu', { name: 'Cell actions' });
  await screenshot(page, 'context-menu');
  await menu.getByRole('menuitem', { name: 'Insert row above' }).click();
  await expectCell(page, 'C4', { shows: [4] });
  await expectFormula(page, 'C4', 'A4 + 1');
  await cell(page, 'A2').click({ button: 'right' });
  await menu.getByRole('menuitem', { name: 'Delete row' }).click();
  await expectFormula(page, 'C3', 'A3 + 1');
  await expectCell(page, 'C3', { shows: [4] });
  // Undo brings the row back.
  await page.keyboard.press('Control+z');
  await expectFormula(page, 'C4', 'A4 + 1');
});

test('a long title is ellipsised and shown whole on hover', T, async () => {
  const page = await app.open();
  const title = page.getByRole('textbox', { name: 'Title', exact: true });
  const long = 'A very long title for a sheet about backpropagation through a two-layer network with softmax';
  await title.fill(long);
  await title.press('Enter');
  await waitFor(async () => (await title.getAttribute('title')) === long, 'the full title on hover');
  assert.equal(await title.evaluate((el) => getComputedStyle(el).textOverflow), 'ellipsis');
});

test('a cell that changes kind (number, heatmap, error, small matrix) redraws in place with no page error', T, async () => {
  const page = await app.open();
  await newSheet(page);
  const big = `[${Array.from({ length: 5 }, (_, i) => `[${[1, 2, 3, 4, 5].map((j) => i + j).join(', ')}]`).join(', ')}]`;
  await typeInCell(page, 'A1', '2');
  await typeInCell(page, 'B1', 'A1 * 3');
  await expectCell(page, 'B1', { shows: [6] });
  await typeInCell(page, 'B1', `${big} * A1`);
  const heat = cell(page, 'B1').getByRole('img', { name: 'value heatmap B1' });
  await heat.waitFor();
  // The heatmap is drawn: its canvas has the matrix's 5×5 pixels.
  assert.deepEqual(await heat.evaluate((c) => [c.width, c.height]), [5, 5]);
  await typeInCell(page, 'B1', '1 +');
  await expectCell(page, 'B1', { name: '#PARSE' });
  await typeInCell(page, 'B1', '[[1, 2], [3, 4]] * A1');
  await expectCell(page, 'B1', { shows: [2, 4, 6, 8] });
  await typeInCell(page, 'B1', `${big} * A1`);
  await heat.waitFor();
  await typeInCell(page, 'B1', 'A1 / 0');
  await expectCell(page, 'B1', { name: 'not finite' });
  assert.deepEqual(app.pageErrors.map(String), []);
});
