import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
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

/** The name src/ui/kernel/mnist-loader.ts fetches (MNIST_FILE there). */
const MNIST_FILE = 'mnist-digits.bin';

/**
 * The MNIST digits for the app, preprocessed from the installed `mnist` package (21 MB of JSON)
 * into one gzip'd byte-per-pixel pack (≈1.6 MB) by src/engine/data/mnist-node.ts: served by the
 * dev server and emitted next to index.html by the build. Made on first request, never at
 * startup; nothing is downloaded and nothing large is committed. The app fetches it only when a
 * sheet uses an mnist_* op. (The pack code is loaded with tsx at run time rather than imported,
 * so that the config stays free of the app's extensionless TypeScript imports.)
 */
function mnistDigits(): Plugin {
  let bytes: Promise<Buffer> | null = null;
  const pack = () =>
    (bytes ??= import('tsx/esm/api')
      .then(({ tsImport }) => tsImport('./src/engine/data/mnist-node.ts', import.meta.url))
      .then((m: { mnistPackBytes(): Uint8Array }) => gzipSync(m.mnistPackBytes())));
  return {
    name: 'gradsheet-mnist-digits',
    configureServer(server) {
      const path = `${server.config.base}${MNIST_FILE}`;
      server.middlewares.use((req, res, next) => {
        if (req.url?.split('?')[0] !== path) return next();
        pack().then(
          (body) => {
            res.setHeader('Content-Type', 'application/octet-stream');
            res.end(body);
          },
          (e) => {
            res.statusCode = 500;
            res.end(`MNIST digits could not be built: ${e instanceof Error ? e.message : String(e)}`);
          },
        );
      });
    },
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: MNIST_FILE, source: await pack() });
    },
  };
}

export default defineConfig({
  plugins: [solid(), mnistDigits()],
  cacheDir: `node_modules/.vite/${checkout}`,
  server: { host: '127.0.0.1', fs: { allow } },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
