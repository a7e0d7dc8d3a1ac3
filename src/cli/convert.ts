import { stat } from 'node:fs/promises';
import type { Parameter } from '../model/parameter.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import type { ContainerWriteOptions } from '../sinks/container-writer.js';
import { writeGguf } from '../sinks/gguf-writer.js';
import { writeIrpa } from '../sinks/irpa-writer.js';
import { writeSafetensors } from '../sinks/safetensors-writer.js';
import { droppedMetadataNote, ggufMetadataOf, irpaMetadataOf, safetensorsMetadataOf } from '../sinks/source-metadata.js';
import { openSource, type OpenedSource } from '../sources/open.js';
import type { Command } from './command.js';
import { EDIT_FLAGS, editOperator } from './edit-flags.js';
import { requiredList, requiredString, type FlagSpec, type ParsedFlags } from './flags.js';
import { printWritten } from './listing.js';
import { loadEdited } from './parameters-flag.js';
import { withProgress } from './progress.js';
import { outputFormat, schedulerOptions, WRITER_FLAGS } from './shared-flags.js';

const FLAGS: FlagSpec[] = [
  { name: 'parameters', kind: 'list', value: '[SCOPE=]FILE', help: 'An input file (IRPA, GGUF or safetensors), in the global scope or in SCOPE' },
  ...EDIT_FLAGS,
  { name: 'output', kind: 'string', value: 'FILE', help: 'Output file' },
  { name: 'format', kind: 'string', value: 'irpa|safetensors|gguf', help: 'Output format (default irpa)' },
  ...WRITER_FLAGS,
  { name: 'quiet', kind: 'bool', help: 'Do not print the resulting table' },
  { name: 'json', kind: 'bool', help: 'Print the resulting parameters as JSON lines instead of the table' },
  { name: 'parameter_mode', kind: 'string', value: 'file|preload', help: "Accepted for compatibility with IREE's tools; has no effect" },
];

const USAGE = 'paramflow convert --parameters=[SCOPE=]FILE ... [--exclude=KEY] [--rename=OLD=NEW] [--strip] [--splat=KEY[=TYPE=VALUE]] [--align=BYTES] [--format=irpa|safetensors|gguf] --output=FILE';
const SUMMARY = `Converts one or more parameter files (IRPA, GGUF, safetensors, mixed) into one
IRPA archive, editing on the way, byte for byte as iree-convert-parameters does.
Edits apply in IREE's order: exclude and rename match the original keys, splat
matches the renamed key, and an explicit --splat wins over --strip. All scopes
are flattened into the output's one scope; two parameters that would share a
key are refused.`;

/** Writes in the asked format; lists what the new file holds. */
async function writeOutput(
  format: string,
  output: string,
  parameters: Parameter[],
  sources: OpenedSource[],
  flags: ParsedFlags,
  options: ContainerWriteOptions,
): Promise<{ count: number; bytesCopied: number; fileBytes: number; listing: () => Promise<Parameter[]> }> {
  const rawDtype = flags.strings.get('raw-dtype');
  if (format === 'irpa') {
    const archive = await writeIrpa(output, parameters, { ...options, tensorMetadata: flags.bools.get('tensor-metadata') ?? false, fileMetadata: irpaMetadataOf(sources) });
    return { count: parameters.length, bytesCopied: archive.bytesCopied, fileBytes: archive.layout.totalSize, listing: async () => archive.parameters };
  }
  const bytesCopied =
    format === 'safetensors'
      ? await writeSafetensors(output, parameters, { ...options, rawDtype, metadata: safetensorsMetadataOf(sources) })
      : await writeGguf(output, parameters, { ...options, rawDtype, kv: ggufMetadataOf(sources) });
  return { count: parameters.length, bytesCopied, fileBytes: (await stat(output)).size, listing: async () => (await openSource(output)).parameters };
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
    const warn = (message: string) => io.err(`paramflow convert: warning: ${message}\n`);
    const edits = editOperator(flags, warn);

    const format = outputFormat(flags);
    const scheduler = new IoScheduler(schedulerOptions(flags));
    const { parameters, sources } = await loadEdited(inputs, edits, (note) => io.err(`paramflow convert: note: ${note}\n`));

    const dropped = droppedMetadataNote(format, flags.bools.get('tensor-metadata') ?? false, sources);
    if (dropped) io.err(`paramflow convert: note: ${dropped}\n`);
    const payloadBytes = parameters.reduce((n, p) => n + (p.storage.kind === 'splat' ? 0 : p.length), 0);
    const started = performance.now();
    const written = await withProgress(io, 'convert', payloadBytes, (onProgress) =>
      writeOutput(format, output, parameters, sources, flags, { scheduler, ...(onProgress ? { onProgress } : {}) }),
    );
    if (flags.bools.get('json') || !flags.bools.get('quiet')) printWritten(io, flags, await written.listing());
    if (flags.bools.get('json')) {
      const seconds = (performance.now() - started) / 1000;
      const summary = { output, format, parameters: written.count, bytesCopied: written.bytesCopied, fileBytes: written.fileBytes, seconds: Number(seconds.toFixed(3)) };
      io.out(`${JSON.stringify({ summary })}\n`);
    }
    return 0;
  },
};
