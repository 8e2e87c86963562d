// The training panel in real Chromium: open the spiral softmax example, run, watch the loss
// curve and the decision boundary, pause, reset, and find the trained weights after a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import lz from 'lz-string';
import { ROOT, screenshot, useApp } from './harness.mjs';

const app = useApp();
const T = { timeout: 240_000 };
const sheet = readFileSync(join(ROOT, 'examples', '20-train-spiral-softmax.json'), 'utf8');
const link = `/#sheet=${lz.compressToEncodedURIComponent(sheet)}`;

async function stepsTaken(page) {
  const t = await page.getByLabel('Steps taken').innerText();
  return Number(t.replace(/[^0-9]/g, ''));
}

test('the spiral example trains in a Worker: loss falls, boundary drawn, pause, reset, reload keeps the weights', T, async () => {
  const context = await app.newContext();
  const page = await app.open(context, link);
  const panel = page.getByRole('region', { name: 'Training' });
  await panel.waitFor({ state: 'visible' });
  await panel.getByLabel('Steps to run').fill('150');
  await panel.getByRole('button', { name: 'Run', exact: true }).click();
  // The page answers while the Worker trains: a click on a cell is handled at once.
  const t0 = Date.now();
  await page.getByRole('gridcell', { name: /^A1\b/ }).first().click();
  assert.ok(Date.now() - t0 < 2000, 'the grid answers during a run');
  await page.waitForFunction(() => /step 150/.test(document.querySelector('[aria-label="Steps taken"]')?.textContent ?? ''), null, { timeout: 120_000 });
  const losses = await panel.locator('.training-figures dd').allInnerTexts();
  assert.ok(Number(losses[0]) < Math.log(3) - 0.1, `the loss fell from log 3 ≈ 1.0986 (now ${losses[0]})`);
  assert.ok(Number(losses[1]) > 0.45, `training accuracy rose above 0.45 (now ${losses[1]})`);
  await panel.getByRole('img', { name: 'Loss curve' }).waitFor();
  await panel.getByRole('img', { name: /Decision boundary/ }).waitFor();
  await screenshot(page, 'training-panel-spiral');

  // Pause stops a long run at once.
  await panel.getByLabel('Steps to run').fill('100000');
  await panel.getByRole('button', { name: 'Run', exact: true }).click();
  await page.waitForTimeout(400);
  await panel.getByRole('button', { name: 'Pause' }).click();
  await page.waitForFunction(() => !document.querySelector('.training-panel progress'), null, { timeout: 10_000 });
  const paused = await stepsTaken(page);
  await page.waitForTimeout(500);
  assert.equal(await stepsTaken(page), paused, 'no step after pause');
  assert.ok(paused > 150 && paused < 100_000);

  // A reload restores the trained weights and the step count (autosave).
  await page.waitForTimeout(600);
  await page.reload({ waitUntil: 'load' });
  await page.getByRole('grid').first().waitFor();
  const panel2 = page.getByRole('region', { name: 'Training' });
  await panel2.waitFor();
  assert.equal(await stepsTaken(page), paused, 'the step count came back with the sheet');
  // Reset puts every parameter back to its init and step() to 0.
  await panel2.getByRole('button', { name: 'Reset' }).click();
  await page.waitForFunction(() => /step 0\b/.test(document.querySelector('[aria-label="Steps taken"]')?.textContent ?? ''), null, { timeout: 20_000 });
});
