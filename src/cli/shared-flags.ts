import type { FileOptions } from '../sinks/output-format.js';
import { DEFAULT_OUTPUT_FORMAT, formatOfExtension, outputFormat, outputFormatChoices, type OutputFormatName } from '../sinks/output-formats.js';
import { parseByteSize } from '../byte-size.js';
import { checkSchedulerOptions, type LimitedOption, type SchedulerOptions } from '../scheduler/options.js';
import type { FlagSpec, ParsedFlags } from './flags.js';

/** Flags of every command that writes parameter files. */
export const WRITER_FLAGS: FlagSpec[] = [
  { name: 'raw-dtype', kind: 'string', value: 'DTYPE', help: 'safetensors/GGUF output: write parameters that have no dtype (IRPA inputs) as 1-D tensors of DTYPE (U8, I8, ...)' },
  { name: 'tensor-metadata', kind: 'bool', help: "IRPA output: record each parameter's dtype and shape in its entry metadata (PYTORCH:, as IREE's Python tools do)" },
  { name: 'io-budget', kind: 'string', value: 'SIZE', help: 'Bytes held in I/O buffers at once (default 64MiB)' },
  { name: 'chunk-size', kind: 'string', value: 'SIZE', help: 'Size of each buffered read and write (default 2MiB; 1MiB at most from a pipe)' },
  { name: 'concurrency', kind: 'int', value: 'N', help: 'I/O operations in flight at once (default: 2 to 4, by cores)' },
  { name: 'no-sync', kind: 'bool', help: 'Do not flush outputs to disk before they count as written: faster for scratch outputs, which a crash of the machine can lose' },
];

/**
 * --format, checked against the table of output formats; without it, the
 * format whose extension the output file has (`model.gguf`), else irpa.
 */
export function outputFormatOf(flags: ParsedFlags, output?: string): OutputFormatName {
  const format = flags.strings.get('format');
  if (format !== undefined) return outputFormat(format, `--format=${format}`);
  return (output && formatOfExtension(output)) || DEFAULT_OUTPUT_FORMAT;
}

/** The --format flag, its values from the table. */
export const formatFlag = (help: string): FlagSpec => ({ name: 'format', kind: 'string', value: outputFormatChoices, help });

/** The writer options the flags give. */
export const fileOptionsOf = (flags: ParsedFlags): FileOptions => ({ rawDtype: flags.strings.get('raw-dtype'), tensorMetadata: flags.bools.get('tensor-metadata') ?? false });

/** The flag that sets each scheduler option. */
const SCHEDULER_FLAGS: Record<LimitedOption, string> = { budgetBytes: 'io-budget', chunkBytes: 'chunk-size', concurrency: 'concurrency' };

/** --io-budget, --chunk-size and --concurrency, where given, checked against the scheduler's limits. */
export function schedulerOptions(flags: ParsedFlags): SchedulerOptions {
  const size = (option: LimitedOption) => {
    const text = flags.strings.get(SCHEDULER_FLAGS[option]);
    return text === undefined ? undefined : parseByteSize(text, `--${SCHEDULER_FLAGS[option]}=${text}`);
  };
  const options = { budgetBytes: size('budgetBytes'), chunkBytes: size('chunkBytes'), concurrency: flags.ints.get('concurrency') };
  // Named as given: `--chunk-size=100GiB`, not the byte count it came to.
  return checkSchedulerOptions(options, (option, value) => `--${SCHEDULER_FLAGS[option]}=${flags.strings.get(SCHEDULER_FLAGS[option]) ?? value}`);
}
