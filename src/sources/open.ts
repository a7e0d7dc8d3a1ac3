import { FormatError, UsageError } from '../errors.js';
import { mergeMetadata, metadataFromStrings, noMetadata, type FileMetadata } from '../formats/file-metadata.js';
import { RandomAccessFile } from '../io/inputs/random-access-file.js';
import type { ReadableFile } from '../io/inputs/readable-file.js';
import { storedRange, type Parameter } from '../model/parameter.js';
import { describeHead, detectFormat, SNIFF_BYTES, type FormatName } from './detect.js';
import { ggufFileMetadata, ggufParameters, readGgufHeader } from './gguf.js';
import { readGgufSplitFiles, splitPosition } from './gguf-split.js';
import { confineExternals, irpaFileMetadata, irpaParameters, readIrpaArchives } from './irpa.js';
import { readSafetensorsHeader, safetensorsParameters } from './safetensors.js';
import { readIndexedShards, readSafetensorsIndex } from './safetensors-index.js';
import { FileCache } from '../io/inputs/file-cache.js';
import { STANDARD_INPUT } from '../io/standard-input/standard-input.js';
import { readTarSource } from './tar.js';

export interface OpenedSource {
  path: string;
  format: FormatName;
  /** Parameters in file order. */
  parameters: Parameter[];
  /** The file's own metadata (GGUF key/values, safetensors `__metadata__`), carried to outputs that can hold it. */
  metadata: FileMetadata;
  /** Things worth telling a user that are not errors. */
  notes: string[];
}

type Reader = (file: ReadableFile, scope: string) => Promise<Omit<OpenedSource, 'path' | 'format'>>;

const readers: Record<FormatName, Reader> = {
  irpa: async (file, scope) => {
    const archives = await readIrpaArchives(file);
    const parameters = await confineExternals(irpaParameters(file.path, archives, scope), file.path);
    return { parameters, metadata: irpaFileMetadata(archives), notes: [] };
  },
  gguf: async (file, scope) => {
    const header = await readGgufHeader(file);
    const notes = [...header.duplicateKeys].map(([key, n]) => `metadata key '${key}' is stored ${n} times; the last value is used`);
    const metadata = ggufFileMetadata(header);
    const split = splitPosition(header);
    if (split?.no === 0) {
      const whole = await readGgufSplitFiles(file.path, header, scope);
      return { parameters: whole.parameters, metadata, notes: [...notes, ...whole.notes] };
    }
    if (split) notes.push(`is shard ${split.no + 1} of ${split.count} of a split; name the first shard to read them all`);
    return { parameters: ggufParameters(file.path, header, scope), metadata, notes };
  },
  safetensors: async (file, scope) => {
    const header = await readSafetensorsHeader(file);
    return { parameters: safetensorsParameters(file.path, header, scope), metadata: metadataFromStrings(Object.entries(header.metadata ?? {})), notes: [] };
  },
  tar: (file, scope) => readTarSource(file as RandomAccessFile, scope, readMember),
  'safetensors-index': async (file, scope) => {
    let metadata: FileMetadata | undefined;
    const shards = await readIndexedShards(file.path, await readSafetensorsIndex(file), async (shard) => {
      const source = await openSource(shard, scope);
      if (source.format !== 'safetensors') throw new FormatError(shard, 0, `is named by ${file.path} as a shard, but is a ${source.format} file`);
      metadata ??= source.metadata;
      return source.parameters;
    });
    return { ...shards, metadata: metadata ?? noMetadata() };
  },
};

/** Every format paramflow reads, from the table of readers. */
export const SOURCE_FORMAT_NAMES = Object.keys(readers) as [FormatName, ...FormatName[]];

/** A parameter file inside a tar: read alone (a GGUF split's other shards are members of their own). */
async function readMember(view: RandomAccessFile, format: 'irpa' | 'gguf' | 'safetensors', scope: string): Promise<{ parameters: Parameter[]; metadata: FileMetadata; notes: string[] }> {
  if (format !== 'gguf') return readers[format](view, scope);
  const header = await readGgufHeader(view);
  const split = splitPosition(header);
  const notes = split ? [`is shard ${split.no + 1} of ${split.count} of a GGUF split, read as its own scope`] : [];
  return { parameters: ggufParameters(view.path, header, scope), metadata: ggufFileMetadata(header), notes };
}

/** The metadata of several sources, as one output keeps it. */
export const metadataOf = (sources: OpenedSource[]): FileMetadata => mergeMetadata(sources.map((s) => s.metadata));

/**
 * Opens a parameter file, telling its format by its first bytes (unless
 * `as` names it), and lists its parameters. `-` is standard input, as
 * `inputs` holds it: pass the FileCache the outputs will be written with,
 * and the same one each time `-` is named, so it is read once.
 */
export async function openSource(path: string, scope = '', as?: FormatName, inputs = new FileCache()): Promise<OpenedSource> {
  if (path === '-') return openStandardInputSource(scope, as, inputs);
  const file = await RandomAccessFile.open(path);
  try {
    return await readSource(file, scope, as);
  } finally {
    await file.close();
  }
}

async function readSource(file: ReadableFile, scope: string, as: FormatName | undefined): Promise<OpenedSource> {
  const format = as ?? (await formatOf(file));
  return { path: file.path, format, ...(await readers[format](file, scope)) };
}

/** The format told by a file's first bytes. */
async function formatOf(file: ReadableFile): Promise<FormatName> {
  const head = await file.read(0, await file.available(SNIFF_BYTES), 'file header');
  const format = detectFormat(head);
  if (format === undefined) throw new FormatError(file.path, 0, describeHead(head));
  return format;
}

/**
 * Standard input, read once however often it is named (each time in its
 * own scope). A tar is read whole first (as is anything, for a command that
 * asked); a bare parameter file is indexed from its header, and its
 * parameters are then read as they arrive.
 */
async function openStandardInputSource(scope: string, as: FormatName | undefined, inputs: FileCache): Promise<OpenedSource> {
  const stdin = inputs.standardInput;
  const source = await stdin.once(async () => {
    const file = await stdin.open();
    try {
      const format = as ?? (await formatOf(file));
      if (format === 'tar' || stdin.keptWhole) {
        const whole = await stdin.spill();
        try {
          return await readSource(whole, '', format);
        } finally {
          await whole.close();
        }
      }
      if (format === 'safetensors-index') throw new UsageError('standard input holds a safetensors index, which names its shards by path: pass the index file itself');
      const source = await readSource(file, '', format);
      const end = source.parameters.reduce((n, p) => {
        const range = storedRange(p);
        return range?.path === STANDARD_INPUT ? Math.max(n, range.offset + p.length) : n;
      }, 0);
      await stdin.indexed(end, source.format === 'safetensors');
      return source;
    } finally {
      await file.close();
    }
  });
  return scope === '' ? source : { ...source, parameters: source.parameters.map((p) => ({ ...p, scope })) };
}

/** Every file the sources read from: each source itself (an index, a tar) and the files its parameters are stored in. */
export function inputFiles(sources: OpenedSource[]): string[] {
  const files = new Set<string>();
  for (const s of sources) {
    if (s.path !== STANDARD_INPUT) files.add(s.path);
    for (const p of s.parameters) {
      const range = storedRange(p);
      if (range && range.path !== STANDARD_INPUT) files.add(range.path);
    }
  }
  return [...files];
}
