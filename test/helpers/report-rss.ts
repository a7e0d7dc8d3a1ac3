import { writeFileSync } from 'node:fs';

// Loaded with `node --import` ahead of the CLI: records the peak resident set
// (KiB) of the process when it exits, for memory tests.
const out = process.env.PARAMFLOW_RSS_OUT;
if (out) process.on('exit', () => writeFileSync(out, String(process.resourceUsage().maxRSS)));
