#!/usr/bin/env node
// The CLI is bundled at build time: startup reads a few files, not hundreds, and
// each command's own modules (the job schema, say) load only when it runs.
import { main } from '../dist/cli/main.mjs';

process.exitCode = await main(process.argv.slice(2));
