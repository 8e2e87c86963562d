#!/usr/bin/env node
// Runs a TypeScript entry file (benchmarks, scripts) through tsx: node bin/run-ts.mjs FILE.ts [args]
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { tsImport } from 'tsx/esm/api';

const [file, ...args] = process.argv.slice(2);
process.argv = [process.argv[0], file, ...args];
await tsImport(pathToFileURL(resolve(file)).href, import.meta.url);
