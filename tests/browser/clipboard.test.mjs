// Copy and paste with the keyboard, as in any spreadsheet: relative references shift by the
// distance between the cells, `$` pins stay, and Ctrl+Z takes the paste back.
import { test } from 'node:test';
import { cell, expectCell, expectFormula, newSheet, typeInCell, useApp } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };

test('Ctrl+C / Ctrl+V copies a formula with its relative references shifted; Ctrl+Z undoes the paste', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await typeInCell(page, 'A1', '3');
  await typeInCell(page, 'A2', '5');
  await typeInCell(page, 'B1', 'A1 * 2 + $A$1');
  await expectCell(page, 'B1', { shows: [9] });

  await cell(page, 'B1').click();
  await page.keyboard.press('Control+c');
  await cell(page, 'B2').click();
  await page.keyboard.press('Control+v');
  await expectFormula(page, 'B2', 'A2 * 2 + $A$1');
  await expectCell(page, 'B2', { shows: [13] });

  await cell(page, 'B2').click();
  await page.keyboard.press('Control+z');
  await expectFormula(page, 'B2', '');
});
