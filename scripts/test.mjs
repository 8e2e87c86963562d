#!/usr/bin/env node
// `npm test`: typecheck, unit/component tests (vitest), real-browser tests (node:test + Chromium).
//
// Every step runs (a failing typecheck still lets the tests report), each step's output is
// streamed as it happens, and the last line is the summary `N passed, M failed`, counting
// test cases of vitest and of the browser tests. A step that fails without a failed test
// case of its own (a type error, a crash, a missing Chromium under CI) counts as one failure,
// so the summary never says "0 failed" when the exit code is not 0.
//
// Browser tests need Chromium: $CHROMIUM_PATH, /usr/bin/chromium or /usr/bin/chromium-browser.
// Without one they are skipped, which is a failure when CI=true.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const CI = process.env.CI === 'true' || process.env.CI === '1';
const tmp = mkdtempSync(join(tmpdir(), 'gradsheet-test-'));

let passed = 0;
let failed = 0;
const failures = [];

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}: ${[cmd, ...args].join(' ')}`);
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, ...env } });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('error', (err) => {
      console.error(`${title}: could not start ${cmd}: ${err.message}`);
      done(127);
    });
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      done(code ?? (signal ? 128 : 1));
    });
  });
}

function stepFailed(title, caseFailures) {
  failures.push(title);
  if (caseFailures === 0) failed += 1;
}

/** tests/browser/*.test.mjs, listed here (Node 20 takes no globs; Node 22 no bare directories). */
function browserTestFiles() {
  const dir = join(ROOT, 'tests', 'browser');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .filter((f) => /\.test\.mjs$/.test(f))
    .sort()
    .map((f) => join('tests', 'browser', f));
}

function findChromium() {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (existsSync(fromEnv)) return fromEnv;
    console.log(`CHROMIUM_PATH=${fromEnv} does not exist`);
    return null;
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p)) ?? null;
}

try {
  // (a) typecheck
  {
    const code = await run('typecheck', join(BIN, 'tsc'), ['--noEmit', '-p', 'tsconfig.json']);
    if (code !== 0) stepFailed('typecheck', 0);
  }

  // (b) vitest: human output streamed, JSON report to a temp file for the counts
  {
    const report = join(tmp, 'vitest.json');
    const code = await run('unit tests (vitest)', join(BIN, 'vitest'), [
      'run',
      '--passWithNoTests',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ]);
    let caseFailures = 0;
    if (existsSync(report)) {
      try {
        const r = JSON.parse(readFileSync(report, 'utf8'));
        passed += r.numPassedTests ?? 0;
        caseFailures = r.numFailedTests ?? 0;
        // A test file that fails to load has no failed test case: count it.
        const brokenFiles = (r.testResults ?? []).filter(
          (f) => f.status === 'failed' && (f.assertionResults ?? []).every((a) => a.status !== 'failed'),
        ).length;
        caseFailures += brokenFiles;
        failed += caseFailures;
      } catch (e) {
        console.error(`could not read vitest's JSON report: ${e.message}`);
      }
    } else {
      console.error("vitest wrote no JSON report");
    }
    if (code !== 0) stepFailed('unit tests', caseFailures);
  }

  // (c) browser tests
  {
    const chromium = findChromium();
    if (!chromium) {
      console.log(`\n=== browser tests\nbrowser tests SKIPPED: no Chromium found (install Debian's chromium)`);
      if (CI) {
        console.log('CI=true: a skipped browser suite is a failure.');
        stepFailed('browser tests (skipped: no Chromium)', 0);
      }
    } else {
      const tap = join(tmp, 'browser.tap');
      const code = await run(
        `browser tests (${chromium})`,
        process.execPath,
        [
          '--test',
          '--test-concurrency=1',
          '--test-reporter=spec',
          '--test-reporter-destination=stdout',
          '--test-reporter=tap',
          `--test-reporter-destination=${tap}`,
          ...browserTestFiles(),
        ],
        { CHROMIUM_PATH: chromium, PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD: '1' },
      );
      let caseFailures = 0;
      if (existsSync(tap)) {
        const text = readFileSync(tap, 'utf8');
        const count = (key) => Number(text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'))?.[1] ?? 0);
        passed += count('pass');
        caseFailures = count('fail') + count('cancelled');
        failed += caseFailures;
        if (count('tests') === 0) console.log('no browser tests were found in tests/browser/');
      } else {
        console.error('the browser tests wrote no TAP report');
      }
      if (code !== 0) stepFailed('browser tests', caseFailures);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

console.log('');
if (failures.length) console.log(`failed steps: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failures.length || failed ? 1 : 0;
