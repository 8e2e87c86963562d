// Child process of the bench: `gradsheet eval FILE --json` with the real stdout (the parent
// reads and drops it), then its own peak RSS on stderr as one JSON line.
import { main } from '../src/cli/main';

const code = await main(['eval', process.argv[2], '--json']);
process.stderr.write(JSON.stringify({ code, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
process.exitCode = code;
