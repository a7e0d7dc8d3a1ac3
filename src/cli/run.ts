import { loadJob } from '../pipeline/load.js';
import { runJob } from '../pipeline/run-job.js';
import { SINK_KINDS } from '../pipeline/schema.js';
import { parseSets } from '../pipeline/variables.js';
import type { Command, CommandIO } from './command.js';
import type { FlagSpec } from './flags.js';
import { withJobProgress } from './command-job.js';
import { messages } from './printable.js';
import { planJson, planText } from './plan-listing.js';

const FLAGS: FlagSpec[] = [
  { name: 'set', kind: 'list', value: 'NAME=VALUE', help: 'Give a job variable a value (overrides its default)' },
  { name: 'dry-run', kind: 'bool', help: 'Open the sources and print the plan: parameters in and out, bytes and layout of each output; write nothing' },
  { name: 'json', kind: 'bool', help: 'Print a JSON summary (the plan, with --dry-run) instead of text' },
  { name: 'quiet', kind: 'bool', help: 'Print nothing but warnings and errors' },
  { name: 'no-sync', kind: 'bool', help: 'Do not flush outputs to disk before they count as written (scratch outputs; a crash of the machine can lose them)' },
];

const DESCRIPTION = `Runs a job declared in YAML: sources (files or globs, paths relative to the job
file), transforms (exclude, include, rename, strip, splat, realign, in the order
written), and sinks (${SINK_KINDS.join(', ')}), each of which may add
transforms of its own. All file sinks are written in one pass: a byte several of
them need is read once. Every output appears only when all are complete; device
sinks load once the files are written.
Variables: \${name} in any value, from --set, or from the job's variables:
(a default, { env: NAME }, or { metadata: KEY } of the sources). A relative path
given with --set is the shell's; one written in the job, the job file's.`;

export const run: Command = {
  name: 'run',
  summary: 'Run a job declared in a YAML file (several sinks, one pass)',
  usage: 'paramflow run JOB.yaml [--set NAME=VALUE ...] [--dry-run] [--json]',
  description: DESCRIPTION,
  flags: FLAGS,
  positionals: { min: 1, max: 1, hint: 'JOB.yaml' },
  async execute(flags, io: CommandIO) {
    const file = await loadJob(flags.positionals[0]!);
    const dryRun = flags.bools.get('dry-run') ?? false;
    const json = flags.bools.get('json') ?? false;
    const quiet = flags.bools.get('quiet') ?? false;
    const started = performance.now();
    const result = await withJobProgress(io, 'run', !dryRun && !json && !quiet, (onPlan) =>
      runJob(file, { sets: parseSets(flags.lists.get('set') ?? []), dryRun, sync: !flags.bools.get('no-sync'), ...messages(io, 'run', quiet), onPlan }),
    );
    const seconds = Number(((performance.now() - started) / 1000).toFixed(3));
    if (json) io.out(`${JSON.stringify({ job: file.path, dryRun, ...planJson(result, dryRun), bytesRead: result.bytesRead, bytesWritten: result.bytesWritten, devices: result.devices, seconds })}\n`);
    else if (!quiet) {
      io.out(planText(result, dryRun));
      for (const d of result.devices) {
        io.out(`sink ${d.sink + 1}: loaded ${d.stats.parameters} parameters, ${d.stats.bytes} bytes, in ${d.stats.seconds.toFixed(3)} s${d.verified !== undefined ? `; verified ${d.verified}` : ''}\n`);
      }
      io.out(dryRun ? 'dry run: nothing written\n' : `read ${result.bytesRead} bytes, wrote ${result.bytesWritten} payload bytes in ${seconds} s\n`);
    }
    return 0;
  },
};
