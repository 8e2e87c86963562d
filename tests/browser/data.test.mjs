// Data in the app (SPEC §4): MNIST digits are fetched only when a sheet uses them (never on
// the first load) and the cells fill in when they arrive; a CSV file imported or pasted into a
// cell becomes a data cell that formulas use and that survives a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { button, cell, expectAlert, expectCell, expectFormula, newSheet, screenshot, typeInCell, useApp } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };

test('the first load fetches no MNIST digits; a sheet calling mnist_* loads them and computes', T, async () => {
  const ctx = await app.newContext();
  const requests = [];
  ctx.on('request', (r) => {
    // (The dev server also serves the loader's own modules, src/…/mnist-*.ts: code, not digits.)
    if (/mnist-digits\.bin/.test(r.url())) requests.push(r.url());
  });
  const page = await app.open(ctx);
  await newSheet(page);
  await typeInCell(page, 'A1', '1 + 1');
  await expectCell(page, 'A1', { shows: [2] });
  assert.deepEqual(requests, [], 'the digits are not requested before a sheet asks for them');

  // 1,756 test labels: 200 each of 0, 1, 3, 6, 7; 191 twos, 180 fours, 63 fives, 144 eights, 178 nines.
  await typeInCell(page, 'A2', 'sum(mnist_test_labels(1756))');
  await typeInCell(page, 'A3', 'mean(mnist_train(100))');
  await expectCell(page, 'A2', { shows: [7571] }, 60_000);
  await expectCell(page, 'A3', { shows: [0.1296289158163283] }, 60_000); // the same number as in Node
  assert.equal(requests.length, 1, `the digits are fetched once: ${requests.join(', ')}`);
  assert.match(requests[0], /mnist-digits\.bin$/);
  await screenshot(page, 'mnist-loaded');
});

test('Import CSV puts the file into the selected cell as a data cell; it survives a reload', T, async () => {
  const ctx = await app.newContext();
  const page = await app.open(ctx);
  await newSheet(page);
  await cell(page, 'B2').click();
  await page.getByLabel('Import CSV', { exact: true }).setInputFiles({
    name: 'points.csv', mimeType: 'text/csv', buffer: Buffer.from('x;y\n1,5;2\n3;4\n', 'utf8'),
  });
  await expectFormula(page, 'B2', 'data()');
  await typeInCell(page, 'C1', 'sum(B2)');
  await expectCell(page, 'C1', { shows: [10.5] });
  await screenshot(page, 'csv-data-cell');

  // A bad file: an alert naming the file, line and column; the cell keeps its data.
  await cell(page, 'B2').click();
  await page.getByLabel('Import CSV', { exact: true }).setInputFiles({
    name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('1,2\n3,oops\n', 'utf8'),
  });
  await expectAlert(page, /bad\.csv: line 2, column 2: "oops" is not a number/);
  await expectCell(page, 'C1', { shows: [10.5] });

  // Autosave keeps the data with the sheet.
  await page.waitForTimeout(600);
  await page.reload();
  await page.getByRole('grid').first().waitFor({ state: 'visible' });
  await expectCell(page, 'C1', { shows: [10.5] });
  await expectFormula(page, 'B2', 'data()');
});

test('pasting comma-separated numbers into a cell makes one data cell; Ctrl+Z takes it back', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await typeInCell(page, 'A1', '7');
  await typeInCell(page, 'B1', 'sum(A1)');
  await cell(page, 'A1').click();
  await page.evaluate(() => navigator.clipboard.writeText('1,2,3\n4,5,6\n'));
  await page.keyboard.press('Control+v');
  await expectFormula(page, 'A1', 'data()');
  await expectCell(page, 'B1', { shows: [21] });
  await cell(page, 'A1').click();
  await page.keyboard.press('Control+z');
  await expectFormula(page, 'A1', '7');
  await expectCell(page, 'B1', { shows: [7] });
  assert.ok(await button(page, 'New').isVisible());
});
