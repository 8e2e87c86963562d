import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';
import { encodeMnistPack } from './src/engine/data/mnist';
import { readMnistPackage } from './src/engine/data/mnist-node';
import { MNIST_FILE } from './src/ui/kernel/mnist-loader';

/**
 * The MNIST digits for the app, preprocessed from the installed `mnist` package (21 MB of JSON)
 * into one gzip'd byte-per-pixel pack (≈1.6 MB): served by the dev server and emitted next to
 * index.html by the build. Built on first request, never at startup; nothing is downloaded and
 * nothing large is committed. The app fetches it only when a sheet uses an mnist_* op.
 */
function mnistDigits(): Plugin {
  let bytes: Buffer | null = null;
  const pack = () => (bytes ??= gzipSync(encodeMnistPack(readMnistPackage())));
  return {
    name: 'gradsheet-mnist-digits',
    configureServer(server) {
      const path = `${server.config.base}${MNIST_FILE}`;
      server.middlewares.use((req, res, next) => {
        if (req.url?.split('?')[0] !== path) return next();
        let body: Buffer;
        try {
          body = pack();
        } catch (e) {
          res.statusCode = 500;
          res.end(`MNIST digits could not be built: ${e instanceof Error ? e.message : String(e)}`);
          return;
        }
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Cache-Control', 'max-age=3600');
        res.end(body);
      });
    },
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: MNIST_FILE, source: pack() });
    },
  };
}

export default defineConfig({
  plugins: [solid(), mnistDigits()],
  server: { host: '127.0.0.1' },
  test: {
    include: ['tests/**/*.test.ts', 'tests/**/*.test.tsx'],
    exclude: ['tests/browser/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
