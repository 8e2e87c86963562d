import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';
import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// node_modules is shared between worktrees: a pre-bundle cache of its own per checkout, so two
// dev servers never rewrite each other's optimized deps (a page then fails with 504 Outdated Optimize Dep).
const here = dirname(fileURLToPath(import.meta.url));
const checkout = basename(here);
// …and a linked node_modules lives outside the checkout: let the dev server serve files from it (KaTeX's fonts).
const modules = join(here, 'node_modules');
const allow = existsSync(modules) ? [here, realpathSync(modules)] : [here];

export default defineConfig({
  plugins: [solid()],
  cacheDir: `node_modules/.vite/${checkout}`,
  server: { host: '127.0.0.1', fs: { allow } },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
