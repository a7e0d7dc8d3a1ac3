import { UsageError } from '../errors.js';
import { resolveOutput, STANDARD_OUTPUT } from '../io/outputs/output-target.js';
import type { Parameter } from '../model/parameter.js';
import type { FileSinkSpec, JobSpec } from '../pipeline/job-spec.js';
import type { PlannedSink } from '../pipeline/planned-sink.js';
import { describePlanned } from '../sinks/file-plan.js';
import { outputFormatChoices } from '../sinks/output-formats.js';
import { openSource } from '../sources/open.js';
import type { Command } from './command.js';
import { EDIT_FLAGS, editOperator } from './edit-flags.js';
import { requiredList, requiredString, type FlagSpec } from './flags.js';
import { printWritten } from './listing.js';
import { parseParameterFlag } from './parameters-flag.js';
import { COMMAND_SINK, DRY_RUN_FLAG, printDryRun, runCommandJob } from './command-job.js';
import { fileOptionsOf, formatFlag, outputFormatOf, schedulerOptions, WRITER_FLAGS } from './shared-flags.js';
import { messages as messagesOf } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'An input file (IRPA, GGUF or safetensors), in the global scope or in SCOPE' },
  ...EDIT_FLAGS,
  { name: 'output', kind: 'string', value: 'FILE', help: 'Output file; - for standard output (or a FIFO or device), written front to back' },
  formatFlag('Output format (default: the one the output file is named for, .safetensors or .gguf; else irpa)'),
  DRY_RUN_FLAG,
  ...WRITER_FLAGS,
  { name: 'quiet', kind: 'bool', help: 'Do not print the resulting table' },
  { name: 'json', kind: 'bool', help: 'Print the resulting parameters as JSON lines instead of the table' },
  { name: 'parameter_mode', kind: 'string', value: 'file|preload', help: "Accepted for compatibility with IREE's tools; has no effect" },
];

const USAGE = `paramflow convert --parameters=[SCOPE=]FILE ... [--exclude=KEY] [--rename=OLD=NEW] [--strip] [--splat=KEY[=TYPE=VALUE]] [--align=BYTES] [--format=${outputFormatChoices}] --output=FILE`;
const SUMMARY = `Converts one or more parameter files (IRPA, GGUF, safetensors, mixed) into one
IRPA archive, editing on the way, byte for byte as iree-convert-parameters does.
Edits apply in IREE's order: exclude and rename match the original keys, splat
matches the renamed key, and an explicit --splat wins over --strip. All scopes
are flattened into the output's one scope; two parameters that would share a
key are refused.`;

/** What the written file holds: as planned where the format can tell (IRPA, and any stream), else read back from it. */
async function describeWritten(sink: PlannedSink, output: string, stream: boolean): Promise<Parameter[]> {
  if (sink.phase === 'pass' && sink.describe) return sink.describe();
  return stream ? describePlanned(sink.files[0]!, sink.parameters) : (await openSource(output)).parameters;
}

export const convert: Command = {
  name: 'convert',
  summary: 'Convert and edit parameter files into one IRPA, safetensors or GGUF file',
  usage: USAGE,
  description: SUMMARY,
  flags: FLAGS,
  async execute(flags, io) {
    const output = requiredString(flags, 'output', 'FILE');
    const inputs = requiredList(flags, 'parameters', '[SCOPE=]FILE');
    const toStdout = output === STANDARD_OUTPUT;
    if (toStdout && flags.bools.get('json')) throw new UsageError('--json prints to standard output, where --output=- writes the file; use --output=FILE');
    // Checked before any input is read: a terminal, a directory or a socket is no place for the file.
    const target = await resolveOutput(output);
    const messages = messagesOf(io, 'convert', flags.bools.get('quiet'));
    const sink: FileSinkSpec = { kind: 'file', format: outputFormatOf(flags, output), path: output, options: fileOptionsOf(flags), says: COMMAND_SINK };
    // Every rule is checked before any file is read.
    const body = { transforms: editOperator(flags, messages.warn), sinks: [sink], scheduler: schedulerOptions(flags), sync: !flags.bools.get('no-sync') };
    const job: JobSpec = { sources: [{ kind: 'files', refs: inputs.map(parseParameterFlag) }], complete: () => body };
    const started = performance.now();
    const result = await runCommandJob(io, 'convert', job, { ...messages, dryRun: flags.bools.get('dry-run') ?? false });
    if (printDryRun(io, flags, result)) return 0;
    const written = result.sinks[0]!;
    // Standard output holds the file; a listing would be mixed into it.
    if (!toStdout && (flags.bools.get('json') || !flags.bools.get('quiet'))) printWritten(io, flags, await describeWritten(written, output, target.kind === 'stream'));
    if (flags.bools.get('json')) {
      const seconds = (performance.now() - started) / 1000;
      const summary = { output, format: sink.format, parameters: written.parameters.length, bytesCopied: result.bytesWritten, fileBytes: written.files[0]!.totalSize, stream: target.kind === 'stream', seconds: Number(seconds.toFixed(3)) };
      io.out(`${JSON.stringify({ summary })}\n`);
    }
    return 0;
  },
};
