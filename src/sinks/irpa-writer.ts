import { METADATA_ENTRY } from '../formats/file-metadata.js';
import { DEFAULT_DATA_ALIGNMENT, EntryType } from '../formats/irpa/constants.js';
import { encodeArchivePrefix, planArchive, type ArchiveLayout, type EntrySpec } from '../formats/irpa/layout.js';
import { encodeTensorMetadata } from '../formats/tensor-metadata.js';
import type { Parameter } from '../model/parameter.js';
import { writeFiles, type ContainerWriteOptions } from './container-writer.js';
import { planContainerFile, type FilePlan } from './file-plan.js';
import type { OutputFormat } from './output-format.js';
import { irpaMetadataOf } from './source-metadata.js';

export interface IrpaWriterOptions extends ContainerWriteOptions {
  /** Where data is placed in storage: the next multiple of this (a power of two). Default 64. */
  alignment?: number;
  /** Record each parameter's dtype and shape in its entry metadata, as IREE's Python tools do. */
  tensorMetadata?: boolean;
  /**
   * The sources' file metadata (encodeMetadataBlob), kept with tensorMetadata
   * as the metadata of a last skip entry, which IREE's readers pass over.
   */
  fileMetadata?: Uint8Array | undefined;
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

export interface PlannedArchive {
  plan: FilePlan;
  layout: ArchiveLayout;
  /** The parameters as the new file will hold them, in table order (built when asked). */
  describe(): Parameter[];
}

/** Plans parameters, in the order given, as one IRPA archive at `path`: header, table and metadata, then each payload. */
export function planIrpaFile(path: string, parameters: Parameter[], options: IrpaWriterOptions = {}): PlannedArchive {
  const specs = parameters.map((p) => irpaEntrySpec(p, options));
  if (options.tensorMetadata && options.fileMetadata) specs.push({ type: EntryType.Skip, name: METADATA_ENTRY, metadata: options.fileMetadata });
  const layout = planArchive(specs);
  const storageBase = layout.header.storageSegment.offset;
  const offsets = parameters.map((_, i) => {
    const e = layout.entries[i]!;
    return e.type === EntryType.Data ? storageBase + e.storage.offset : undefined;
  });
  const plan = planContainerFile(path, parameters, { prefix: encodeArchivePrefix(layout), offsets, totalSize: layout.totalSize });
  const describe = () =>
    parameters.map((p, i): Parameter => {
      const entry = layout.entries[i]!;
      const offset = offsets[i];
      const storage: Parameter['storage'] = offset !== undefined ? { kind: 'data', source: { kind: 'file', path, offset } } : p.storage;
      return { ...p, storage, alignment: entry.minimumAlignment, metadata: entry.metadata, origin: path };
    });
  return { plan, layout, describe };
}

/** Writes parameters as one IRPA archive at `path`; it appears only once complete. */
export async function writeIrpa(path: string, parameters: Parameter[], options: IrpaWriterOptions = {}): Promise<WrittenArchive> {
  const planned = planIrpaFile(path, parameters, options);
  const bytesCopied = await writeFiles([planned.plan], options);
  // Built on first use: a quiet run with a hundred thousand parameters need not pay for it.
  let written: Parameter[] | undefined;
  return {
    path,
    layout: planned.layout,
    bytesCopied,
    get parameters() {
      return (written ??= planned.describe());
    },
  };
}

/** IRPA in the output-format table: the sources' metadata is kept (in a skip entry of the first file) only with tensor metadata. */
export const irpaFormat: OutputFormat = {
  extension: 'irpa',
  summary: 'IREE parameter archive',
  keepsSplats: true,
  carry: (sources, options) => ({ fileMetadata: irpaMetadataOf(sources, options.tensorMetadata ?? false) }),
  dropsMetadata: (options) => !options.tensorMetadata,
  plan(path, parameters, options, carried, position) {
    const fileMetadata = (position?.index ?? 0) === 0 ? carried.fileMetadata : undefined;
    const archive = planIrpaFile(path, parameters, { tensorMetadata: options.tensorMetadata ?? false, alignment: options.alignment, fileMetadata });
    return { plan: archive.plan, describe: archive.describe };
  },
};
