import { alignmentProblem } from '../formats/bytes.js';
import { UsageError } from '../errors.js';
import { writeIrpa } from '../sinks/irpa-writer.js';
import { declaredParameters } from '../sources/declared.js';
import type { Command } from './command.js';
import { requiredString, type FlagSpec } from './flags.js';
import { printWritten } from './listing.js';
import { withProgress } from './progress.js';

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

    const bytes = parameters.reduce((n, p) => n + (p.storage.kind === 'splat' ? 0 : p.length), 0);
    const written = await withProgress(io, 'create', bytes, (onProgress) => writeIrpa(output, parameters, { alignment, sync: !flags.bools.get('no-sync'), ...(onProgress ? { onProgress } : {}) }));
    printWritten(io, flags, written.parameters);
    return 0;
  },
};
