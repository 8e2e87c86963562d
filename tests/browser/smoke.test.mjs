// Smoke: the app loads in a real browser and has the parts SPEC §8 names, by role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { button, cell, screenshot, useApp } from './harness.mjs';

const app = useApp();

test('the page loads with a grid of A1-addressed cells, a formula bar and the toolbar', { timeout: 120_000 }, async () => {
  const page = await app.open();
  await screenshot(page, 'home');
  const grid = page.getByRole('grid');
  assert.ok((await grid.count()) >= 1, 'a role="grid"');
  await cell(page, 'A1').waitFor();
  await cell(page, 'B2').waitFor();
  await page.getByRole('textbox', { name: 'Formula', exact: true }).waitFor();
  await page.getByRole('textbox', { name: 'Name', exact: true }).waitFor();
  for (const name of ['Undo', 'Redo', 'New', 'Open file', 'Save file', 'Share link', 'Examples', 'Help']) {
    assert.ok((await button(page, name).count()) >= 1, `a button labelled "${name}"`);
  }
  await page.getByRole('region', { name: 'Inspector' }).or(page.locator('[aria-label="Inspector"]')).first().waitFor();
  assert.deepEqual(app.pageErrors.map(String), [], 'no uncaught errors in the page');
});

test('Help opens the function reference', { timeout: 120_000 }, async () => {
  const page = await app.open();
  await button(page, 'Help').click();
  const text = async () => page.evaluate(() => document.body.innerText);
  let seen = '';
  for (let i = 0; i < 100 && !(/sigmoid/.test(seen) && /relu/.test(seen) && /grad\(/.test(seen)); i++) {
    seen = await text();
    await page.waitForTimeout(100);
  }
  assert.match(seen, /sigmoid/, 'the help lists sigmoid');
  assert.match(seen, /relu/, 'the help lists relu');
  assert.match(seen, /grad\(/, 'the help lists grad(');
  await screenshot(page, 'help');
});
