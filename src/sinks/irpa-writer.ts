import { DEFAULT_DATA_ALIGNMENT, EntryType } from '../formats/irpa/constants.js';
import { encodeArchivePrefix, planArchive, type ArchiveLayout, type EntrySpec } from '../formats/irpa/layout.js';
import { encodeTensorMetadata } from '../formats/tensor-metadata.js';
import type { Parameter } from '../model/parameter.js';
import { writeContainer, type ContainerWriteOptions } from './container-writer.js';

export interface IrpaWriterOptions extends ContainerWriteOptions {
  /** Where data is placed in storage: the next multiple of this (a power of two). Default 64. */
  alignment?: number;
  /** Record each parameter's dtype and shape in its entry metadata, as IREE's Python tools do. */
  tensorMetadata?: boolean;
}

export interface WrittenArchive {
  path: string;
  layout: ArchiveLayout;
  /** The parameters as the new file holds them, in table order. */
  parameters: Parameter[];
  /** Payload bytes copied or generated (zeroed parameters and splats take none). */
  bytesCopied: number;
}

function entryMetadata(p: Parameter, options: IrpaWriterOptions): Uint8Array | undefined {
  if (!options.tensorMetadata || !p.tensor) return p.metadata;
  return encodeTensorMetadata(p.tensor.dtype, p.tensor.shape);
}

/** Splats stay splats; everything else gets storage in the archive. */
export function irpaEntrySpec(p: Parameter, options: IrpaWriterOptions = {}): EntrySpec {
  const metadata = entryMetadata(p, options);
  if (p.storage.kind === 'splat') return { type: EntryType.Splat, name: p.key, metadata, length: p.length, pattern: p.storage.pattern };
  // IREE's builder records 64 whatever the placement; a realigned parameter records its alignment.
  return {
    type: EntryType.Data,
    name: p.key,
    metadata,
    length: p.length,
    alignment: p.placement ?? options.alignment ?? DEFAULT_DATA_ALIGNMENT,
    recordedAlignment: p.placement ?? DEFAULT_DATA_ALIGNMENT,
  };
}

/**
 * Writes parameters, in the order given, as one IRPA archive at `path`:
 * header, table and metadata first, then each payload copied into its place.
 * The file appears at `path` only once complete.
 */
export async function writeIrpa(path: string, parameters: Parameter[], options: IrpaWriterOptions = {}): Promise<WrittenArchive> {
  const layout = planArchive(parameters.map((p) => irpaEntrySpec(p, options)));
  const storageBase = layout.header.storageSegment.offset;
  const offsets = layout.entries.map((e) => (e.type === EntryType.Data ? storageBase + e.storage.offset : undefined));
  const bytesCopied = await writeContainer(path, parameters, { prefix: encodeArchivePrefix(layout), offsets, totalSize: layout.totalSize }, options);
  // Built on first use: a quiet run with a hundred thousand parameters need not pay for it.
  let written: Parameter[] | undefined;
  const describe = () =>
    layout.entries.map((entry, i): Parameter => {
      const p = parameters[i]!;
      const offset = offsets[i];
      const storage: Parameter['storage'] = offset !== undefined ? { kind: 'data', source: { kind: 'file', path, offset } } : p.storage;
      return { ...p, storage, alignment: entry.minimumAlignment, metadata: entry.metadata, origin: path };
    });
  return {
    path,
    layout,
    bytesCopied,
    get parameters() {
      return (written ??= describe());
    },
  };
}
