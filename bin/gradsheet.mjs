#!/usr/bin/env node
// The gradsheet command. The CLI is TypeScript; tsx loads it without a build step.
import { tsImport } from 'tsx/esm/api';

const cli = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = cli.main(process.argv.slice(2));
