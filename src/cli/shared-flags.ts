import { UsageError } from '../errors.js';
import type { SchedulerOptions } from '../scheduler/io-scheduler.js';
import { checkChunkBytes, parseByteSize } from './byte-size.js';
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

export const OUTPUT_FORMATS = ['irpa', 'safetensors', 'gguf'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function outputFormat(flags: ParsedFlags): OutputFormat {
  const format = flags.strings.get('format') ?? 'irpa';
  if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format=${format}: expected one of ${OUTPUT_FORMATS.join(', ')}`);
  return format as OutputFormat;
}

/** --io-budget, --chunk-size and --concurrency, where given. */
export function schedulerOptions(flags: ParsedFlags): SchedulerOptions {
  const budget = flags.strings.get('io-budget');
  const chunk = flags.strings.get('chunk-size');
  const concurrency = flags.ints.get('concurrency');
  if (concurrency !== undefined && (concurrency < 1 || concurrency > 256)) throw new UsageError(`--concurrency=${concurrency}: must be 1 to 256`);
  return {
    ...(budget ? { budgetBytes: parseByteSize('io-budget', budget) } : {}),
    ...(chunk ? { chunkBytes: checkChunkBytes(`--chunk-size=${chunk}`, parseByteSize('chunk-size', chunk)) } : {}),
    ...(concurrency ? { concurrency } : {}),
  };
}
