// First run and the Examples menu.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, button, expectCircuitByName, newSheet, screenshot, useApp } from './harness.mjs';

const app = useApp();
const T = { timeout: 180_000 };
const CIRCUIT_TITLE = /\(\s*x\s*\+\s*y\s*\)\s*[·⋅*×]?\s*z|circuit/i;

/** The titles of the sheets in examples/ (files that are version-1 sheets; not an index). */
function exampleTitles() {
  const dir = join(ROOT, 'examples');
  const titles = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    } catch {
      throw new Error(`examples/${f} is not valid JSON`);
    }
    if (doc?.gradsheet !== 1) continue;
    titles.push(doc.title ?? f.replace(/\.json$/, ''));
  }
  return titles;
}

function menuEntry(page, name) {
  return page
    .getByRole('menuitem', { name })
    .or(page.getByRole('option', { name }))
    .or(page.getByRole('link', { name }))
    .or(page.getByRole('button', { name }));
}

test('the first run welcomes with the (x + y)·z example, values and gradients shown', T, async () => {
  const page = await app.open(); // a fresh context: nothing saved yet
  await screenshot(page, 'welcome');
  // The title may be plain text or an editable field.
  const body = await page.evaluate(() =>
    [document.body.innerText, ...[...document.querySelectorAll('input, textarea')].map((e) => e.value)].join('\n'),
  );
  assert.match(body, /\(\s*x\s*\+\s*y\s*\)\s*[·⋅*×]?\s*z/, 'the welcome names the (x + y)·z example');
  await expectCircuitByName(page, -2);
});

test('the Examples menu opens the (x + y)·z circuit', T, async () => {
  const page = await app.open();
  await newSheet(page);
  await button(page, 'Examples').click();
  const entry = menuEntry(page, CIRCUIT_TITLE).first();
  await entry.waitFor();
  await screenshot(page, 'examples-menu');
  await entry.click();
  await expectCircuitByName(page, -2);
  await screenshot(page, 'example-circuit');
});

test('the Examples menu lists every sheet in examples/', T, async () => {
  const titles = exampleTitles();
  assert.ok(titles.length > 0, 'examples/ holds example sheets');
  const page = await app.open();
  await button(page, 'Examples').click();
  const missing = [];
  for (const title of titles) {
    const re = new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    if ((await menuEntry(page, re).count()) === 0) missing.push(title);
  }
  assert.deepEqual(missing, [], 'examples missing from the menu');
});
