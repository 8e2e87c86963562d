import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, ROOT, newSheet, cell, cellText, screenshot } from './harness.mjs';
const s = await createServer({ root: ROOT, configFile: ROOT + '/vite.config.ts', logLevel: 'warn', server: { port: 0, hmr: false, watch: null } });
await s.listen();
const url = `http://127.0.0.1:${s.httpServer.address().port}/`;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const ctx = await b.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(url);
  await page.getByRole('grid').waitFor();
  await newSheet(page);
  await cell(page, 'A1').click(); await page.keyboard.type('1'); await page.keyboard.press('Enter');
  await cell(page, 'A1').click();
  const nb = page.getByRole('textbox', { name: 'Name' }); await nb.fill('z'); await nb.press('Enter');
  await cell(page, 'B2').click(); await page.keyboard.type('2 * z');
  console.log('focused:', await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 120)));
  console.log('formula before Enter:', await page.getByRole('textbox', { name: 'Formula' }).inputValue());
  console.log('suggestions:', await page.getByRole('listbox', { name: 'Suggestions' }).innerText().catch(() => 'none'));
  await screenshot(page, 'debug-autocomplete');
  await page.keyboard.press('Enter');
  console.log('formula after Enter:', await page.getByRole('textbox', { name: 'Formula' }).inputValue());
  await page.keyboard.press('Enter');
  console.log('B2:', await cellText(page, 'B2'));
} finally { await b.close(); await s.close(); }
