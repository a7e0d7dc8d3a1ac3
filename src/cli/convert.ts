import { UsageError } from '../errors.js';
import { withInputs } from '../io/file-cache.js';
import { resolveOutput, STANDARD_OUTPUT } from '../io/output-target.js';
import type { Parameter } from '../model/parameter.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { writeFiles } from '../sinks/container-writer.js';
import { describePlanned } from '../sinks/file-plan.js';
import type { PlannedFile } from '../sinks/output-format.js';
import { droppedMetadataNote, outputFormatChoices, planFile } from '../sinks/output-formats.js';
import { openSource } from '../sources/open.js';
import type { Command } from './command.js';
import { EDIT_FLAGS, editOperator } from './edit-flags.js';
import { requiredList, requiredString, type FlagSpec } from './flags.js';
import { printWritten } from './listing.js';
import { loadEdited } from './parameters-flag.js';
import { withProgress } from './progress.js';
import { fileOptionsOf, formatFlag, outputFormatOf, schedulerOptions, WRITER_FLAGS } from './shared-flags.js';
import { messages } from './printable.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'An input file (IRPA, GGUF or safetensors), in the global scope or in SCOPE' },
  ...EDIT_FLAGS,
  { name: 'output', kind: 'string', value: 'FILE', help: 'Output file; - for standard output (or a FIFO or device), written front to back' },
  formatFlag('Output format (default: the one the output file is named for, .safetensors or .gguf; else irpa)'),
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
async function describeWritten(planned: PlannedFile, parameters: Parameter[], output: string, stream: boolean): Promise<Parameter[]> {
  if (planned.describe) return planned.describe();
  return stream ? describePlanned(planned.plan, parameters) : (await openSource(output)).parameters;
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
    const { warn, note } = messages(io, 'convert', flags.bools.get('quiet'));
    const edits = editOperator(flags, warn);

    const format = outputFormatOf(flags, output);
    const options = fileOptionsOf(flags);
    const scheduler = new IoScheduler(schedulerOptions(flags));
    // The command's inputs: standard input is read once, by the sources and then the writer.
    return withInputs(async (files) => {
      const { parameters, sources } = await loadEdited(inputs, edits, note, files);

      const dropped = droppedMetadataNote(format, options, sources);
      if (dropped) note(dropped);
      const payloadBytes = parameters.reduce((n, p) => n + (p.storage.kind === 'splat' ? 0 : p.length), 0);
      const started = performance.now();
      const planned = planFile(format, output, parameters, sources, options);
      const { plan } = planned;
      const bytesCopied = await withProgress(io, 'convert', payloadBytes, (onProgress) =>
        writeFiles([plan], { scheduler, inputs: files, sync: !flags.bools.get('no-sync'), ...(onProgress ? { onProgress } : {}) }),
      );
      // Standard output holds the file; a listing would be mixed into it.
      if (!toStdout && (flags.bools.get('json') || !flags.bools.get('quiet'))) printWritten(io, flags, await describeWritten(planned, parameters, output, target.kind === 'stream'));
      if (flags.bools.get('json')) {
        const seconds = (performance.now() - started) / 1000;
        const summary = { output, format, parameters: parameters.length, bytesCopied, fileBytes: plan.totalSize, stream: target.kind === 'stream', seconds: Number(seconds.toFixed(3)) };
        io.out(`${JSON.stringify({ summary })}\n`);
      }
      return 0;
    });
  },
};
