import { DEFAULT_DATA_ALIGNMENT, EntryType } from '../formats/irpa/constants.js';
import { encodeArchivePrefix, planArchive, type ArchiveLayout, type EntrySpec } from '../formats/irpa/layout.js';
import { writeAtomically } from '../io/atomic-output.js';
import { FileCache } from '../io/file-cache.js';
import { assertNotAnInput } from '../io/same-file.js';
import { fileRange, fillPattern, type Parameter } from '../model/parameter.js';
import { IoScheduler } from '../scheduler/io-scheduler.js';
import { isZeroFill, type CopyPiece, type PieceSource } from '../scheduler/plan.js';
import { trackProgress, type ProgressState } from '../scheduler/progress.js';

export interface IrpaWriterOptions {
  /** Where data is placed in storage: the next multiple of this (a power of two). Default 64. */
  alignment?: number;
  /** Runs the payload copies; a default one if not given. */
  scheduler?: IoScheduler;
  /** Hears running totals of bytes and parameters written. */
  onProgress?: (state: ProgressState) => void;
}

export interface WrittenArchive {
  path: string;
  layout: ArchiveLayout;
  /** The parameters as the new file holds them, in table order. */
  parameters: Parameter[];
  /** Payload bytes copied or generated (zeroed parameters and splats take none). */
  bytesCopied: number;
}

/** Splats stay splats; everything else gets storage in the archive. */
export function irpaEntrySpec(p: Parameter, options: IrpaWriterOptions = {}): EntrySpec {
  if (p.storage.kind === 'splat') return { type: EntryType.Splat, name: p.key, metadata: p.metadata, length: p.length, pattern: p.storage.pattern };
  // IREE's builder records 64 whatever the placement; a realigned parameter records its alignment.
  return {
    type: EntryType.Data,
    name: p.key,
    metadata: p.metadata,
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
  await assertNotAnInput(path, parameters.flatMap((p) => fileRange(p)?.path ?? []));
  const layout = planArchive(parameters.map((p) => irpaEntrySpec(p, options)));
  const storageBase = layout.header.storageSegment.offset;
  const pieces: CopyPiece[] = [];
  layout.entries.forEach((entry, i) => {
    if (entry.type !== EntryType.Data) return;
    const p = parameters[i]!;
    const range = fileRange(p);
    const source: PieceSource = range ? { kind: 'file', ...range } : { kind: 'fill', pattern: fillPattern(p)! };
    // The file is sized with zeros: empty and zeroed parameters need no writing.
    if (p.length === 0 || isZeroFill(source)) return;
    pieces.push({ target: storageBase + entry.storage.offset, length: p.length, source, tag: i });
  });
  const scheduler = options.scheduler ?? new IoScheduler();
  const bytesByTag = new Map(pieces.map((p) => [p.tag!, p.length]));
  const subscription = options.onProgress && trackProgress(scheduler.progress, bytesByTag, parameters.length - bytesByTag.size).subscribe(options.onProgress);
  const files = new FileCache();
  try {
    await writeAtomically(path, async (out) => {
      // Sizing first leaves every gap, pad and zeroed parameter as a hole of zeros.
      await out.truncate(layout.totalSize);
      await out.write(encodeArchivePrefix(layout), 0);
      await scheduler.copyToFile(pieces, out, files, { targetIsZeroed: true });
    });
  } finally {
    subscription?.unsubscribe();
    await files.closeAll();
  }
  const written = layout.entries.map((entry, i): Parameter => {
    const p = parameters[i]!;
    const storage: Parameter['storage'] =
      entry.type === EntryType.Data ? { kind: 'data', source: { kind: 'file', path, offset: storageBase + entry.storage.offset } } : p.storage;
    return { ...p, storage, alignment: entry.minimumAlignment, origin: path };
  });
  return { path, layout, parameters: written, bytesCopied: pieces.reduce((n, p) => n + p.length, 0) };
}
