// Child process of the training bench: `gradsheet train FILE --steps N --json` (the command's
// own document on stdout), then its own peak RSS on stderr as one JSON line.
import { main } from '../src/cli/main';

const code = await main(['train', process.argv[2], '--steps', process.argv[3], '--json']);
process.stderr.write(JSON.stringify({ code, maxRssMB: process.resourceUsage().maxRSS / 1024 }) + '\n');
process.exitCode = code;
