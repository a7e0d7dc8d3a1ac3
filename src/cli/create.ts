import { alignmentProblem } from '../formats/bytes.js';
import { UsageError } from '../errors.js';
import type { FileSinkSpec, JobSpec } from '../pipeline/job-spec.js';
import { declaredParameters } from '../sources/declared.js';
import type { Command } from './command.js';
import { requiredString, type FlagSpec } from './flags.js';
import { printWritten } from './listing.js';
import { COMMAND_SINK, runCommandJob } from './command-job.js';
import { messages } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'data', kind: 'list', value: 'NAME=SHAPExTYPE[=VALUE]', help: 'A parameter stored in the archive, zeroed or filled with VALUE' },
  { name: 'splat', kind: 'list', value: 'NAME=SHAPExTYPE[=VALUE]', help: 'A parameter that is VALUE (default 0) repeated, with no storage on disk' },
  { name: 'alignment', kind: 'int', value: 'BYTES', help: 'Storage alignment of data parameters relative to the header (default 64)' },
  { name: 'output', kind: 'string', value: 'FILE.irpa', help: 'Output archive' },
  { name: 'quiet', kind: 'bool', help: 'Do not print the resulting table' },
  { name: 'json', kind: 'bool', help: 'Print the resulting parameters as JSON lines instead of the table' },
  { name: 'no-sync', kind: 'bool', help: 'Do not flush the archive to disk before it counts as written (scratch outputs)' },
];

const USAGE = 'paramflow create --data=NAME=SHAPExTYPE[=VALUE] --splat=NAME=SHAPExTYPE[=VALUE] [--alignment=N] --output=FILE.irpa';
const SUMMARY = `Creates an IREE Parameter Archive with zeroed, patterned or splatted parameters,
byte for byte as iree-create-parameters does. Shapes and types use IREE's
spelling: 4096xf32, 2x4096xi16, 8xbf16, 16xf8E4M3FN, 4xx32 (opaque, VALUE in hex).`;

export const create: Command = {
  name: 'create',
  summary: 'Create an IRPA archive of zeroed, patterned or splatted parameters',
  usage: USAGE,
  description: SUMMARY,
  flags: FLAGS,
  async execute(flags, io) {
    const output = requiredString(flags, 'output', 'FILE.irpa');
    const alignment = flags.ints.get('alignment') ?? 64;
    const problem = alignmentProblem(alignment);
    if (problem) throw new UsageError(`--alignment=${alignment}: ${problem.replace('the alignment ', '')}`);

    const parameters = declaredParameters({ splat: flags.lists.get('splat'), data: flags.lists.get('data') });
    const sink: FileSinkSpec = { kind: 'file', format: 'irpa', path: output, options: { alignment }, says: COMMAND_SINK };
    const job: JobSpec = {
      sources: [{ kind: 'declared', name: '--data and --splat', scope: '', parameters }],
      complete: () => ({ sinks: [sink], scheduler: {}, sync: !flags.bools.get('no-sync') }),
    };
    const written = (await runCommandJob(io, 'create', job, messages(io, 'create', flags.bools.get('quiet')))).sinks[0]!;
    printWritten(io, flags, written.phase === 'pass' && written.describe ? written.describe() : written.parameters);
    return 0;
  },
};
