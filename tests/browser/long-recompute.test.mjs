// Long recomputes never freeze the page: a 100,000-cell chain recomputes in slices, the page
// shows its progress and keeps answering, and the result is the one the engine computes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openFile, screenshot, useApp } from './harness.mjs';

const app = useApp();
const T = { timeout: 240_000 };

/** A1 = 1, then A(i) = A(i−1)·0.999 + 1 (+ 0·A(i−1)) down columns A…, and grad of the last cell. */
function chain(n) {
  const at = (i) => String.fromCharCode(65 + Math.floor(i / 9999)) + String((i % 9999) + 1);
  const cells = [{ at: 'A1', name: 'x', formula: '1' }];
  // The `+ 0*prev` term doubles each cell's work (a slow-enough recompute on a fast machine)
  // without changing the value, and its gradient part is 0: ∂A(i)/∂A(i−1) stays 0.999.
  for (let i = 1; i < n; i++) cells.push({ at: at(i), formula: `${at(i - 1)}*0.999+1+0*${at(i - 1)}` });
  cells.push({ at: 'Z1', formula: `grad(${at(n - 1)})` });
  return { doc: { gradsheet: 1, title: 'long chain', cells }, last: at(n - 1) };
}

test('editing the input of a 100,000-cell chain shows progress, the page stays responsive, and the values arrive', T, async () => {
  const n = 100_000;
  const { doc } = chain(n);
  const page = await app.open();
  await openFile(page, 'chain.json', JSON.stringify(doc));
  await page.getByRole('gridcell', { name: /^A2\b/ }).waitFor();
  await page.waitForFunction(() => !document.querySelector('[role="status"][aria-label="Computing"]'), null, { timeout: 120_000 });

  // The edit: A1 = 2. Dispatch Enter inside the page and time how long the handler holds the thread.
  await page.getByRole('gridcell', { name: /^A1\b/ }).click();
  await page.getByRole('textbox', { name: 'Formula' }).fill('2');
  const seen = await page.evaluate(
    () =>
      new Promise((resolve) => {
        const input = document.querySelector('input[aria-label="Formula"]');
        const computing = () => document.querySelector('[role="status"][aria-label="Computing"]');
        const seen = { progress: [], timerRanMidway: false, held: 0 };
        // Record every progress text the page shows while it computes.
        const mo = new MutationObserver(() => {
          const el = computing();
          if (el && seen.progress.at(-1) !== el.textContent) seen.progress.push(el.textContent);
        });
        mo.observe(document.body, { subtree: true, childList: true, characterData: true });
        // A task already waiting when the edit starts (a click, a keystroke) runs between
        // slices, while the recompute is still going: the page is not frozen.
        setTimeout(() => {
          seen.timerRanMidway = computing() !== null;
        }, 0);
        const t0 = performance.now();
        input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
        seen.held = performance.now() - t0;
        const wait = () => (computing() ? setTimeout(wait, 20) : (mo.disconnect(), resolve(seen)));
        setTimeout(wait, 20);
      }),
  );
  await screenshot(page, 'long-recompute-done');
  assert.ok(seen.timerRanMidway, `a timer queued after the edit ran while the recompute was still in progress: ${JSON.stringify(seen)}`);
  assert.ok(seen.progress.length >= 1 && seen.progress.every((t) => /^computing… \d+%$/.test(t.trim())), `progress shown: ${JSON.stringify(seen.progress)}`);
  // The first slice returned control quickly (a slice is about 12 ms; allow a slow machine).
  assert.ok(seen.held < 500, `the Enter handler held the page for ${seen.held.toFixed(0)} ms`);

  // A2 = 2·0.999 + 1 and the chain's gradient reaches A1: (0.999)^(n−1).
  const a2 = await page.getByRole('gridcell', { name: /^A2\b/ }).getAttribute('aria-label');
  assert.match(a2, /^A2 = 2\.998\b/);
  const a1 = await page.getByRole('gridcell', { name: /^A1\b/ }).getAttribute('aria-label');
  const g = Number(/gradient (\S+)/.exec(a1)?.[1]);
  assert.ok(Math.abs(g - Math.pow(0.999, n - 1)) <= 1e-5 * Math.pow(0.999, n - 1), `gradient of A1 (shown to 6 digits): ${a1}`);
});
