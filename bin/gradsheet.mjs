#!/usr/bin/env node
// The gradsheet command. The CLI is TypeScript; tsx loads it without a build step.
import { tsImport } from 'tsx/esm/api';

// `gradsheet eval x.json | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});
const cli = await tsImport('../src/cli/main.ts', import.meta.url);
process.exitCode = await cli.main(process.argv.slice(2));
