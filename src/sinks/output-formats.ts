import { UsageError } from '../errors.js';
import { describeDropped } from '../formats/file-metadata.js';
import type { Parameter } from '../model/parameter.js';
import { metadataOf, type OpenedSource } from '../sources/open.js';
import { ggufFormat } from './gguf-writer.js';
import { irpaFormat } from './irpa-writer.js';
import type { FileOptions, OutputFormat, PlannedFile } from './output-format.js';
import { safetensorsFormat } from './safetensors-writer.js';

/** Every format paramflow writes, by name: the one table that flags, job files and shard sets read. */
export const OUTPUT_FORMATS = {
  irpa: irpaFormat,
  safetensors: safetensorsFormat,
  gguf: ggufFormat,
} as const satisfies Record<string, OutputFormat>;

export type OutputFormatName = keyof typeof OUTPUT_FORMATS;
export const OUTPUT_FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as [OutputFormatName, ...OutputFormatName[]];
export const DEFAULT_OUTPUT_FORMAT: OutputFormatName = 'irpa';

/** `irpa|safetensors|gguf`, for usage lines. */
export const outputFormatChoices = OUTPUT_FORMAT_NAMES.join('|');

/** The format named `name`; `asked` is how it was asked for (`--format=x`), for the error. */
export function outputFormat(name: string, asked: string): OutputFormatName {
  if (!Object.hasOwn(OUTPUT_FORMATS, name)) throw new UsageError(`${asked}: expected one of ${OUTPUT_FORMAT_NAMES.join(', ')}`);
  return name as OutputFormatName;
}

/** The format whose extension `path` ends in (`.safetensors`, `.gguf`, `.irpa`, any case), if any. */
export function formatOfExtension(path: string): OutputFormatName | undefined {
  const lower = path.toLowerCase();
  return OUTPUT_FORMAT_NAMES.find((name) => lower.endsWith(`.${OUTPUT_FORMATS[name].extension}`));
}

/** Plans one file of `format` holding `parameters`, keeping what it can of the sources' file metadata. */
export function planFile(format: OutputFormatName, path: string, parameters: Parameter[], sources: OpenedSource[], options: FileOptions): PlannedFile {
  const writer: OutputFormat = OUTPUT_FORMATS[format];
  return writer.plan(path, parameters, options, writer.carry(sources, options));
}

/** A note on the sources' metadata an output leaves out (IRPA keeps it only with tensor metadata; `asked` says how to ask). */
export function droppedMetadataNote(format: OutputFormatName, options: FileOptions, sources: OpenedSource[], asked = '--tensor-metadata'): string | undefined {
  if (!OUTPUT_FORMATS[format].dropsMetadata?.(options)) return undefined;
  const dropped = describeDropped(metadataOf(sources));
  return dropped && `${dropped} (IRPA keeps them with ${asked})`;
}
