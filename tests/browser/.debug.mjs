import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { CHROMIUM_ARGS, ROOT, newSheet, buildCircuit, gridSnapshot, screenshot } from './harness.mjs';
const s = await createServer({ root: ROOT, configFile: ROOT + '/vite.config.ts', logLevel: 'warn', server: { port: 0, hmr: false, watch: null } });
await s.listen();
const url = `http://127.0.0.1:${s.httpServer.address().port}/`;
const b = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const ctx = await b.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  page.on('console', (m) => console.log('console', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('pageerror', e));
  await page.goto(url);
  await page.getByRole('grid').waitFor();
  await screenshot(page, 'debug-welcome');
  console.log((await gridSnapshot(page)).filter((c) => c.label.includes('=')).map((c) => c.all));
  await newSheet(page);
  await buildCircuit(page);
  await page.waitForTimeout(1000);
  console.log((await gridSnapshot(page)).filter((c) => c.label.length > 3).map((c) => c.all));
  await screenshot(page, 'debug-circuit');
} finally { await b.close(); await s.close(); }
