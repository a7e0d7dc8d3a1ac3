#!/usr/bin/env node
// The CLI is bundled into one module at build time: startup reads one file, not hundreds.
import { main } from '../dist/paramflow.mjs';

process.exitCode = await main(process.argv.slice(2));
