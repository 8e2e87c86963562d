// Shared harness for the real-browser tests (run by `node --test tests/browser/`).
//
// One Vite dev server and one Chromium per test file; a fresh browser context
// (so a fresh, empty localStorage) per test. Everything is closed in `after`.
// Chromium is Debian's (/usr/bin/chromium), never a Playwright download.
import { after, afterEach, before } from 'node:test';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = join(ROOT, 'screenshots');

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium executable to use: $CHROMIUM_PATH, then Debian's paths; null when none exists. */
export function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** How long a single expectation waits for the UI before failing. */
export const UI_TIMEOUT = 10_000;

/**
 * Register before/after hooks for a test file and return a handle:
 *   const app = useApp();
 *   test('…', async () => { const page = await app.open(); … });
 * `app.url` is the dev server's base URL; `app.newContext()` gives a fresh context;
 * `app.open(context?, path?)` opens a page (in a fresh context unless one is given)
 * and waits for the grid.
 */
export function useApp() {
  const app = {
    url: '',
    browser: null,
    server: null,
    contexts: [],
    /** Errors thrown in pages of the current test (uncaught exceptions). */
    pageErrors: [],
    async newContext() {
      const context = await app.browser.newContext({
        viewport: { width: 1400, height: 900 },
        baseURL: app.url,
        acceptDownloads: true,
      });
      // The share-link flow may copy to the clipboard; let the page do so.
      await context
        .grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(app.url).origin })
        .catch(() => {});
      context.setDefaultTimeout(UI_TIMEOUT);
      context.setDefaultNavigationTimeout(30_000);
      app.contexts.push(context);
      return context;
    },
    async open(context, path = '/') {
      const ctx = context ?? (await app.newContext());
      const page = await ctx.newPage();
      watchPage(page, app.pageErrors);
      let response;
      try {
        response = await page.goto(path, { waitUntil: 'load' });
      } catch (e) {
        throw new Error(`the app did not load at ${new URL(path, app.url)}: ${e.message.split('\n')[0]} (is there an index.html?)`);
      }
      if (response && !response.ok()) throw new Error(`the app's page answered HTTP ${response.status()} at ${response.url()}`);
      await page.getByRole('grid').first().waitFor({ state: 'visible', timeout: 30_000 });
      return page;
    },
  };

  before(async () => {
    const chromiumPath = findChromium();
    if (!chromiumPath) throw new Error('no Chromium found (install Debian\'s chromium, or set CHROMIUM_PATH)');
    const { createServer } = await import('vite');
    const { chromium } = await import('playwright-core');
    app.server = await createServer({
      root: ROOT,
      configFile: join(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      clearScreen: false,
      // No HMR and no watcher: other people edit src/ while tests run; a test must not
      // see its page reloaded under it.
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null, open: false },
    });
    await app.server.listen();
    const address = app.server.httpServer.address();
    app.url = `http://127.0.0.1:${address.port}/`;
    app.browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: CHROMIUM_ARGS,
      // Playwright gives launch() a fresh temporary user-data-dir of its own.
      timeout: 60_000,
    });
    // Warm up: the first load makes Vite transform and pre-bundle the app's modules.
    // A failure here is not fatal: each test then reports what it finds.
    const ctx = await app.browser.newContext();
    try {
      const page = await ctx.newPage();
      await page.goto(app.url, { waitUntil: 'load', timeout: 60_000 });
      await page.waitForLoadState('networkidle', { timeout: 30_000 });
    } catch {
      // reported by the tests
    } finally {
      await ctx.close();
    }
  }, { timeout: 180_000 });

  afterEach(async () => {
    const contexts = app.contexts.splice(0);
    await Promise.all(contexts.map((c) => c.close().catch(() => {})));
    app.pageErrors.length = 0;
  }, { timeout: 60_000 });

  after(async () => {
    await Promise.all(app.contexts.splice(0).map((c) => c.close().catch(() => {})));
    if (app.browser) await app.browser.close().catch(() => {});
    if (app.server) await app.server.close().catch(() => {});
  }, { timeout: 60_000 });

  return app;
}

function watchPage(page, errors) {
  page.on('pageerror', (err) => {
    errors.push(err);
    process.stderr.write(`[page error] ${err?.stack ?? err}\n`);
  });
  page.on('console', (msg) => {
    if (msg.type() === 'error') process.stderr.write(`[console.error] ${msg.text()}\n`);
  });
  // A confirm() such as "discard the current sheet?" is answered yes.
  page.on('dialog', (d) => d.accept().catch(() => {}));
}

/** Save a full-page screenshot to screenshots/NAME.png (for people to look at). */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true }).catch((e) => {
    process.stderr.write(`screenshot ${name} failed: ${e.message}\n`);
  });
}

// ---------------------------------------------------------------------------
// Reading the grid

/** The gridcell whose accessible name starts with ADDRESS (e.g. "B2"). */
export function cell(page, address) {
  return page.getByRole('grid').first().getByRole('gridcell', { name: new RegExp(`^${address}\\b`) });
}

/** What a cell says: its aria-label (if any) and its visible text, with U+2212 minus made ASCII. */
export async function cellText(page, address) {
  const loc = cell(page, address);
  const [label, text] = await Promise.all([
    loc.getAttribute('aria-label', { timeout: UI_TIMEOUT }),
    loc.innerText({ timeout: UI_TIMEOUT }),
  ]);
  return normalize(`${label ?? ''} | ${text ?? ''}`);
}

export function normalize(s) {
  return String(s).replace(/\u2212/g, '-').replace(/\s+/g, ' ').trim();
}

/** Every number written in TEXT (not digits that are part of an address such as "A1"). */
export function numbersIn(text) {
  const re = /(?<![A-Za-z0-9_.])-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?/gi;
  return (normalize(text).match(re) ?? []).map(Number);
}

function approx(a, b) {
  return Math.abs(a - b) <= 1e-6 + 1e-4 * Math.abs(b);
}

/**
 * Wait until cell ADDRESS shows every number in EXPECTED (its value and gradient),
 * and NAME if given. Fails with what the cell said.
 */
export async function expectCell(page, address, { name, shows = [], hides = [] }, timeout = UI_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last = '(cell not found)';
  for (;;) {
    try {
      last = await cellText(page, address);
      const nums = numbersIn(last);
      const ok =
        (!name || new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`).test(last)) &&
        shows.every((x) => nums.some((n) => approx(n, x))) &&
        hides.every((x) => !nums.some((n) => approx(n, x)));
      if (ok) return last;
    } catch (e) {
      last = `(cell not readable: ${e.message.split('\n')[0]})`;
    }
    if (Date.now() > deadline) {
      const want = [name && `name ${name}`, shows.length && `numbers ${shows.join(', ')}`, hides.length && `not ${hides.join(', ')}`]
        .filter(Boolean)
        .join('; ');
      throw new Error(`cell ${address} should show ${want}; it shows: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---------------------------------------------------------------------------
// Driving the UI

export function button(page, name) {
  return page.getByRole('button', { name, exact: true });
}

/** Start an empty sheet with the "New" button. */
export async function newSheet(page) {
  await button(page, 'New').click();
  // New must leave A1 empty: no name, no number.
  await waitFor(async () => numbersIn((await cellText(page, 'A1')).replace(/^A1\b/, '')).length === 0, 'A1 to be empty after New');
}

/** Select a cell by clicking it, type FORMULA as a spreadsheet user does, commit with Enter. */
export async function typeInCell(page, address, formula) {
  await cell(page, address).click();
  await page.keyboard.type(formula);
  await page.keyboard.press('Enter');
}

/** Select ADDRESS and check that the Formula bar shows FORMULA (a leading "=" ignored). */
export async function expectFormula(page, address, formula) {
  await cell(page, address).click();
  const box = page.getByRole('textbox', { name: 'Formula', exact: true });
  const clean = (s) => s.replace(/^\s*=/, '').trim();
  let got = '';
  await waitFor(async () => clean((got = await box.inputValue())) === clean(formula), `the formula of ${address}`).catch(() => {
    throw new Error(`${address}: typed ${JSON.stringify(formula)} and pressed Enter, but its formula is ${JSON.stringify(got)}`);
  });
}

/** Select a cell and give it NAME through the Name box (Enter commits). */
export async function nameCell(page, address, name) {
  await cell(page, address).click();
  const box = page.getByRole('textbox', { name: 'Name', exact: true });
  await box.click();
  await box.fill(name);
  await box.press('Enter');
}

/** Select a cell and set its formula through the Formula bar (Enter commits). */
export async function formulaBar(page, address, formula) {
  await cell(page, address).click();
  const box = page.getByRole('textbox', { name: 'Formula', exact: true });
  await box.click();
  await box.fill(formula);
  await box.press('Enter');
}

/** The (x + y) * z circuit of FORMAT.md, by keyboard, on the current sheet; each formula checked as it lands. */
export async function buildCircuit(page) {
  const steps = [
    ['A1', '-2', 'x'],
    ['A2', '5', 'y'],
    ['A3', '-4', 'z'],
    ['B1', 'x + y', 'q'],
    ['B2', 'q * z', 'f'],
  ];
  for (const [at, formula, name] of steps) {
    await typeInCell(page, at, formula);
    await expectFormula(page, at, formula);
    await nameCell(page, at, name);
  }
  await formulaBar(page, 'C1', 'grad(f)');
  await expectFormula(page, 'C1', 'grad(f)');
}

/**
 * A page whose sheet is the (x + y) * z circuit at FORMAT.md's addresses: the first-run
 * sheet of a fresh context (SPEC: the welcome shows this example). Flows that are not about
 * building a sheet start here, so they do not depend on formula typing.
 */
export async function openCircuit(app, context) {
  const page = await app.open(context);
  await expectCircuit(page, -2);
  return page;
}

/** The circuit's numbers: values and gradients for x = X (y = 5, z = -4). */
export function circuitNumbers(x = -2) {
  const y = 5, z = -4, q = x + y, f = q * z;
  return {
    A1: { name: 'x', shows: [x, z] }, // value x, ∂f/∂x = z
    A2: { name: 'y', shows: [y, z] }, // ∂f/∂y = z
    A3: { name: 'z', shows: [z, q] }, // ∂f/∂z = q
    B1: { name: 'q', shows: [q, z] }, // ∂f/∂q = z
    B2: { name: 'f', shows: [f, 1] }, // ∂f/∂f = 1
  };
}

export async function expectCircuit(page, x = -2) {
  try {
    for (const [at, want] of Object.entries(circuitNumbers(x))) await expectCell(page, at, want);
  } catch (e) {
    const cells = [];
    for (const at of ['A1', 'A2', 'A3', 'B1', 'B2', 'C1']) cells.push(await cellText(page, at).catch(() => `${at} ?`));
    e.message += `\n  the circuit's cells: ${JSON.stringify(cells)}`;
    throw e;
  }
}

/** The FORMAT.md example sheet as a JSON document, with x set to X. */
export function circuitSheet(x = -2, title = 'Circuit (x + y) * z') {
  return {
    gradsheet: 1,
    title,
    cells: [
      { at: 'A1', name: 'x', formula: String(x) },
      { at: 'A2', name: 'y', formula: '5' },
      { at: 'A3', name: 'z', formula: '-4' },
      { at: 'B1', name: 'q', formula: 'x + y' },
      { at: 'B2', name: 'f', formula: 'q * z' },
      { at: 'C1', formula: 'grad(f)' },
    ],
  };
}

/**
 * Open a file through the "Open file" control: when that control is itself the file input
 * (an <input type=file> labelled "Open file"), set its files; otherwise click it and answer
 * the file chooser it opens.
 */
export async function openFile(page, name, contents) {
  const file = { name, mimeType: 'application/json', buffer: Buffer.from(contents, 'utf8') };
  const control = button(page, 'Open file').or(page.getByLabel('Open file', { exact: true })).first();
  await control.waitFor({ state: 'attached' });
  const isFileInput = await control.evaluate((el) => el instanceof HTMLInputElement && el.type === 'file');
  if (isFileInput) {
    await control.setInputFiles(file);
    return;
  }
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), control.click()]);
  await chooser.setFiles(file);
}

/** The visible role=alert messages' text. */
export async function alerts(page) {
  const all = page.getByRole('alert');
  const out = [];
  for (let i = 0; i < (await all.count()); i++) {
    const a = all.nth(i);
    if (await a.isVisible().catch(() => false)) out.push(normalize(await a.innerText().catch(() => '')));
  }
  return out.filter((t) => t.length > 0);
}

/** Wait for an alert whose text matches RE (any non-empty alert when RE is omitted); return its text. */
export async function expectAlert(page, re = /\S/, timeout = UI_TIMEOUT) {
  let seen = [];
  const deadline = Date.now() + timeout;
  for (;;) {
    seen = await alerts(page);
    const hit = seen.find((t) => re.test(t));
    if (hit) return hit;
    if (Date.now() > deadline) {
      throw new Error(`expected a role="alert" message matching ${re}; visible alerts: ${JSON.stringify(seen)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function waitFor(predicate, what, timeout = UI_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let lastErr;
  for (;;) {
    try {
      if (await predicate()) return;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A snapshot of the page's localStorage, as one string. */
export function storageSnapshot(page) {
  return page.evaluate(() => JSON.stringify(Object.entries(localStorage).sort()));
}

/** Every gridcell's address-led accessible text, read in one go: [{ label, text, all }]. */
export async function gridSnapshot(page) {
  const rows = await page.getByRole('grid').first().evaluate((grid) =>
    [...grid.querySelectorAll('[role="gridcell"]')].map((el) => ({
      label: el.getAttribute('aria-label') ?? '',
      text: el.innerText ?? '',
    })),
  );
  return rows.map((r) => ({ ...r, all: normalize(`${r.label} | ${r.text}`) }));
}

/**
 * Wait until some gridcell is named NAME and shows every number in SHOWS; wherever
 * the sheet puts it (for examples whose layout the test does not fix).
 */
export async function expectNamedCell(page, name, shows, timeout = UI_TIMEOUT) {
  const nameRe = new RegExp(`(^|[^A-Za-z0-9_])${name}([^A-Za-z0-9_]|$)`);
  let named = [];
  await waitFor(async () => {
    const snap = await gridSnapshot(page);
    named = snap.filter((c) => nameRe.test(c.all.replace(/^[A-Z]+\d+\b/, '')));
    return named.some((c) => shows.every((x) => numbersIn(c.all).some((n) => approx(n, x))));
  }, `a cell named ${name} showing ${shows.join(', ')}`, timeout).catch((e) => {
    throw new Error(`${e.message}; cells with that name: ${JSON.stringify(named.map((c) => c.all))}`);
  });
}

/** The circuit's cells by name, wherever they are. */
export async function expectCircuitByName(page, x = -2) {
  for (const want of Object.values(circuitNumbers(x))) await expectNamedCell(page, want.name, want.shows);
}

/** The share link the page offers after "Share link": clipboard, a text field, a link, the text or the address bar. */
export async function readShareLink(page, baseURL, timeout = UI_TIMEOUT) {
  const origin = new URL(baseURL).origin;
  const isLink = (s) => {
    if (typeof s !== 'string') return false;
    s = s.trim();
    if (!s.startsWith(origin)) return false;
    try {
      const u = new URL(s);
      return (u.hash + u.search).length > 20;
    } catch {
      return false;
    }
  };
  let found = null;
  await waitFor(async () => {
    const candidates = [];
    candidates.push(await page.evaluate(() => navigator.clipboard.readText()).catch(() => ''));
    candidates.push(
      ...(await page.evaluate(() => [
        ...[...document.querySelectorAll('input, textarea')].map((e) => e.value),
        ...[...document.querySelectorAll('a[href]')].map((a) => a.href),
        ...(document.body.innerText.match(/https?:\/\/\S+/g) ?? []),
      ])),
    );
    candidates.push(page.url());
    found = candidates.map((s) => (typeof s === 'string' ? s.trim() : s)).find(isLink) ?? null;
    return found !== null;
  }, 'a share link on the page (clipboard, text field, link, text or address bar)', timeout);
  return found;
}

/** The same link with its payload cut in half (a link truncated in a chat message). */
export function truncateLink(link) {
  const u = new URL(link);
  if (u.hash.length > 1) {
    const h = u.hash.slice(1);
    const eq = h.indexOf('=');
    const head = eq >= 0 ? h.slice(0, eq + 1) : '';
    const payload = h.slice(head.length);
    u.hash = head + payload.slice(0, Math.floor(payload.length / 2));
  } else {
    let longest = null;
    for (const [k, v] of u.searchParams) if (!longest || v.length > longest[1].length) longest = [k, v];
    u.searchParams.set(longest[0], longest[1].slice(0, Math.floor(longest[1].length / 2)));
  }
  return u.toString();
}

/** The same link with its payload replaced by text that is no sheet at all. */
export function garbageLink(link) {
  const u = new URL(link);
  const junk = 'this-is-not-a-gradsheet-payload';
  if (u.hash.length > 1) {
    const h = u.hash.slice(1);
    const eq = h.indexOf('=');
    u.hash = (eq >= 0 ? h.slice(0, eq + 1) : '') + junk;
  } else {
    let longest = null;
    for (const [k, v] of u.searchParams) if (!longest || v.length > longest[1].length) longest = [k, v];
    u.searchParams.set(longest[0], junk);
  }
  return u.toString();
}
